package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/transform"
)

// The fixture is published through load.Publish, the way the pipeline
// publishes, so the report reads real Parquet through a real catalog. Its
// figures are chosen so that every headline number is known in advance:
//
//	Zoom Pro       purchased 1200, active 700,  reclaimable 250, USD 15 a seat
//	Microsoft E3   purchased 2000, active 1500, reclaimable 350, no price
//	Slack          purchased unknown, assigned 2000, reclaimable 200, no price
//
// so utilisation is (700+1500)/(1200+2000) = 68.75%, reclaimable 800 seats,
// spend USD 18,000 a month over 1 of 3 priced subscriptions, reclaimable cost
// USD 3,750. Miro is discovered by Okta (people 0-299) and Entra (people
// 200-399): one application of 400 users.
var fixtureDays = []string{"2026-11-21", "2026-11-28"}

const (
	fixtureAccounts = 10000
	fixturePeople   = 2000
)

// fixtureSQL fills one snapshot's dataset tables; $1 is the snapshot date
// and $2 its index (0 for the first), which grows the organisation a little.
var fixtureSQL = []string{
	`INSERT INTO people BY NAME
	 SELECT CAST($1 AS DATE) AS snapshot_date, 'p' || i AS person_id, 'person' || i || '@example.com' AS primary_email,
	        'Person ' || lpad(CAST(i AS VARCHAR), 5, '0') AS display_name,
	        ['Sales', 'Engineering', 'Finance', 'Support'][1 + i % 4] AS department, 'Analyst' AS job_title,
	        'employee' AS user_type, CASE WHEN i % 50 = 0 THEN 'terminated' ELSE 'active' END AS employment_status,
	        'entra' AS org_source, 5 AS account_count, ['Microsoft', 'Slack', 'Zoom'] AS vendors,
	        TIMESTAMPTZ '2026-11-20 09:00:00+00' - to_days(CAST(i % 90 AS INTEGER)) AS last_activity_at, ['entra'] AS connectors
	 FROM range(2000 + 10 * $2) t(i)`,
	`INSERT INTO accounts BY NAME
	 SELECT CAST($1 AS DATE) AS snapshot_date, 'a' || i AS account_id, 'p' || (i % 2000) AS person_id,
	        v.vendor, v.product, v.ct AS connector_type, 'tenant-' || v.ct AS tenant, 's' || i AS source_id,
	        'person' || (i % 2000) || '@example.com' AS email, 'Person ' || lpad(CAST(i % 2000 AS VARCHAR), 5, '0') AS display_name,
	        CASE WHEN i % 97 = 0 THEN 'suspended' ELSE 'active' END AS status, 'employee' AS user_type, i % 101 = 0 AS is_admin,
	        ['active', 'active', 'active', 'active', 'active', 'active', 'active', 'inactive', 'no_activity', 'not_monitored'][1 + i % 10] AS activity_status,
	        TIMESTAMPTZ '2026-11-20 09:00:00+00' - to_days(CAST(i % 90 AS INTEGER)) AS last_activity_at, i % 90 AS days_since_last_activity,
	        30 AS activity_threshold_days, [v.ct] AS connectors
	 FROM range(10000 + 20 * $2) t(i)
	 JOIN (VALUES (0, 'Zoom', 'Zoom Workplace', 'zoom'), (1, 'Microsoft', 'Microsoft 365', 'microsoft365'),
	              (2, 'Slack', 'Slack', 'slack'), (3, 'Okta', 'Okta Workforce Identity', 'okta'),
	              (4, 'Salesforce', 'Salesforce Platform', 'salesforce')) v(k, vendor, product, ct) ON v.k = i % 5`,
	`INSERT INTO subscriptions BY NAME
	 SELECT CAST($1 AS DATE) AS snapshot_date, id AS subscription_id, vendor, product, ct AS connector_type, 'tenant-' || ct AS tenant,
	        id AS source_id, sku, name, 'active' AS status, purchased AS purchased_units, assigned AS assigned_units,
	        purchased - assigned AS available_units, cost AS unit_cost, cur AS currency, 30 AS activity_threshold_days, [ct] AS connectors
	 FROM (VALUES ('s-zoom', 'Zoom', 'Zoom Workplace', 'zoom', 'pro', 'Zoom Pro', 1200, 1000, 15.0, 'USD'),
	              ('s-e3', 'Microsoft', 'Microsoft 365', 'microsoft365', 'ENTERPRISEPACK', 'Office 365 E3', 2000, 1900, NULL, NULL),
	              ('s-slack', 'Slack', 'Slack', 'slack', 'business', 'Slack Business+', NULL, 2000, NULL, NULL))
	      s(id, vendor, product, ct, sku, name, purchased, assigned, cost, cur)`,
	`INSERT INTO license_utilization BY NAME
	 SELECT CAST($1 AS DATE) AS snapshot_date, subscription_id, vendor, product, connector_type, tenant, sku, name,
	        purchased_units AS purchased, assigned_units AS assigned, act AS active, ina AS inactive, nev AS never_active, nm AS not_monitored,
	        round(100.0 * act / nullif(purchased_units, 0), 2) AS utilization_pct, rec AS reclaimable_units,
	        rec * unit_cost AS reclaimable_monthly_cost, unit_cost, currency, 30 AS activity_threshold_days, connectors
	 FROM subscriptions JOIN (VALUES ('s-zoom', 700, 100, 150, 50, 250), ('s-e3', 1500, 200, 150, 50, 350),
	                               ('s-slack', 1800, 150, 50, 0, 200)) f(id, act, ina, nev, nm, rec) ON f.id = subscription_id
	 WHERE snapshot_date = CAST($1 AS DATE)`,
	`INSERT INTO license_utilization_by_product BY NAME
	 SELECT snapshot_date, vendor, product, connector_type, 1 AS subscriptions, purchased, assigned, active, inactive, never_active,
	        not_monitored, utilization_pct, reclaimable_units, reclaimable_monthly_cost, currency, connectors
	 FROM license_utilization WHERE snapshot_date = CAST($1 AS DATE)`,
	// The reclaimable seats, one assignment each, over the three subscriptions.
	`INSERT INTO license_assignments BY NAME
	 SELECT CAST($1 AS DATE) AS snapshot_date, 'a' || (i * 5 + k) AS account_id, sub AS subscription_id, 'p' || ((i * 5 + k) % 2000) AS person_id,
	        vendor, product, true AS holds_seat, true AS reclaimable,
	        ['deprovisioned', 'suspended', 'inactive', 'no_activity'][1 + i % 4] AS reclaim_reason,
	        CASE WHEN sub = 's-zoom' THEN 15.0 END AS monthly_cost, CASE WHEN sub = 's-zoom' THEN 'USD' END AS currency
	 FROM (VALUES (0, 's-zoom', 'Zoom', 'Zoom Workplace', 250), (1, 's-e3', 'Microsoft', 'Microsoft 365', 350),
	              (2, 's-slack', 'Slack', 'Slack', 200)) s(k, sub, vendor, product, n), range(400) t(i)
	 WHERE i < n`,
	`INSERT INTO applications BY NAME
	 SELECT CAST($1 AS DATE) AS snapshot_date, id AS application_id, name, 'active' AS status, [dt] AS discovery_types, [src] AS discovered_by,
	        mode AS sso_sign_on_mode, users AS user_count, act AS active_user_count, [src] AS connectors
	 FROM (VALUES ('app-miro-okta', 'Miro', 'okta_sso', 'okta-main', 'OPENID_CONNECT', 300, 180),
	              ('app-miro-entra', 'Miro', 'entra_sso', 'entra-directory', 'oidc', 200, 0),
	              ('app-figma', 'Figma', 'okta_sso', 'okta-main', 'SAML_2_0', 100, 60),
	              ('app-legacy', 'Legacy Expenses', 'entra_sso', 'entra-directory', 'saml', 0, 0)) a(id, name, dt, src, mode, users, act)`,
	`INSERT INTO app_assignments BY NAME
	 SELECT CAST($1 AS DATE) AS snapshot_date, app AS application_id, 'a' || (i * 5 + 3) AS account_id, 'p' || i AS person_id,
	        'person' || i || '@example.com' AS email, 'user' AS scope, 'active' AS status,
	        CASE WHEN i % 3 = 0 THEN TIMESTAMPTZ '2026-11-19 10:00:00+00' END AS last_used_at, [app] AS connectors
	 FROM (VALUES ('app-miro-okta', 0, 300), ('app-miro-entra', 200, 400), ('app-figma', 1000, 1100)) s(app, lo, hi), range(2000) t(i)
	 WHERE i >= lo AND i < hi`,
	// The Slack connector failed in the second snapshot: its data is the
	// first snapshot's, carried forward.
	`INSERT INTO connector_runs BY NAME
	 SELECT CAST($1 AS DATE) AS snapshot_date, c AS connector, ct AS connector_type, vendor, product, 'tenant-' || ct AS tenant,
	        CASE WHEN c = 'slack' AND $2 > 0 THEN 'stale' ELSE 'ok' END AS status, c = 'slack' AND $2 > 0 AS stale,
	        CAST($1 AS DATE) - CASE WHEN c = 'slack' AND $2 > 0 THEN 7 ELSE 0 END + INTERVAL 6 HOUR AS data_as_of,
	        rows AS rows_total, 10 AS requests, 0 AS throttled, 0 AS retries, 1.5 AS duration_seconds,
	        CASE WHEN c = 'slack' AND $2 > 0 THEN 'listing slack users: HTTP 503' END AS error, [c] AS connectors
	 FROM (VALUES ('okta-main', 'okta', 'Okta', 'Okta Workforce Identity', 4000), ('zoom', 'zoom', 'Zoom', 'Zoom Workplace', 2000),
	              ('slack', 'slack', 'Slack', 'Slack', 2000)) c(c, ct, vendor, product, rows)`,
}

// publishFixture publishes the fixture's snapshots into dataDir, using
// scratch for DuckDB's spill files. Only the datasets named in only are
// published when it is not empty.
func publishFixture(dataDir, scratch string, only ...string) error {
	ctx := context.Background()
	var datasets []transform.Dataset
	for _, ds := range transform.Datasets {
		if len(only) == 0 || contains(only, ds.Name) {
			datasets = append(datasets, ds)
		}
	}
	for i, day := range fixtureDays {
		if err := publishDay(ctx, dataDir, scratch, day, i, datasets, load.Options{}); err != nil {
			return fmt.Errorf("publishing fixture snapshot %s: %w", day, err)
		}
	}
	return nil
}

// publishDay publishes snapshot i of the fixture; o carries extra publish
// options (a replacement's Replace and Reason).
func publishDay(ctx context.Context, dataDir, scratch, day string, i int, datasets []transform.Dataset, o load.Options) error {
	db, err := transform.Open(ctx, scratch)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, ds := range transform.Datasets {
		cols := make([]string, len(ds.Columns))
		for j, c := range ds.Columns {
			cols[j] = fmt.Sprintf("%q %s", c.Name, c.Type)
		}
		if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE "+ds.Name+" ("+strings.Join(cols, ", ")+")"); err != nil {
			return err
		}
	}
	for _, q := range fixtureSQL {
		if _, err := db.SQL().ExecContext(ctx, q, day, i); err != nil {
			return fmt.Errorf("%s: %w", firstLine(q), err)
		}
	}
	date, _ := time.Parse(time.DateOnly, day)
	o.DataDir, o.SnapshotID, o.SnapshotDate, o.Datasets = dataDir, day, date, datasets
	_, err = load.Publish(ctx, db.SQL(), o)
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
