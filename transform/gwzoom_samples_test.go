package transform

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/googleworkspace"
	"github.com/saaspipe/saaspipe/extract/googleworkspace/gwsim"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/extract/zoom"
	"github.com/saaspipe/saaspipe/extract/zoom/zoomsim"
	"github.com/saaspipe/saaspipe/synth"
)

// gwzStage runs every entity of conn and stages its records as instance
// name, returning the staged files.
func gwzStage(t *testing.T, root, name, typ string, conn extract.Connector) []StagedFile {
	t.Helper()
	var out []StagedFile
	for _, e := range conn.Entities() {
		var recs []rec
		_, err := e.Fetch(context.Background(), "", extract.SinkFunc(func(_ context.Context, r extract.Record) error {
			recs = append(recs, rec{r.SourceID, rawJSON(bytes.Clone(r.Payload))})
			return nil
		}))
		if err != nil {
			t.Fatalf("%s %s: %v", typ, e.Name, err)
		}
		env := stage.Envelope{SnapshotID: "sim", Connector: name, ConnectorType: typ, Tenant: conn.Tenant(), Entity: e.Name}
		out = append(out, writeStaged(t, root, env, fixtureDate, recs))
	}
	return out
}

// rawJSON marshals as itself, so writeStaged stages the bytes as received.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

func gwzChecks(t *testing.T, db *DB, checks [][2]string) {
	t.Helper()
	for _, c := range checks {
		var got string
		if err := db.SQL().QueryRow(c[0]).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c[0], err)
		}
		if got != c[1] {
			t.Errorf("%s\n got %q\nwant %q", c[0], got, c[1])
		}
	}
}

func fastHTTP(o httpx.Options) *http.Client {
	o.BaseBackoff, o.MaxBackoff = time.Millisecond, 10*time.Millisecond
	return httpx.New(o)
}

// TestGoogleWorkspaceStaging feeds what the google_workspace connector
// reads from the simulated customer (Google publishes no example payloads
// for these APIs, so the simulator's resource shapes stand in) through the
// staging SQL and the core tables.
func TestGoogleWorkspaceStaging(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 5, People: 400, Date: fixtureDate})
	sim, err := gwsim.New(org, gwsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	conn, err := googleworkspace.New(extract.Instance{Name: "gw", Type: "google_workspace", Settings: extract.Settings{
		"customer_id": sim.CustomerID(), "service_account_key": sim.ServiceAccountKey(), "admin_email": sim.Admin(),
		"product_ids": []string{gwsim.ProductWorkspace, gwsim.ProductArchived}, "purchased_seats": []string{gwsim.SkuStandard + "=100"},
		"base_url": base, "licensing_url": base, "token_url": sim.TokenURL(), "allow_http": true, "activity_lookback": "240h",
	}}, extract.Env{Now: org.End, HTTP: fastHTTP})
	if err != nil {
		t.Fatal(err)
	}
	staged := gwzStage(t, t.TempDir(), "gw", "google_workspace", conn)
	typ := googleworkspace.Type
	db := openDB(t)
	if _, err := db.Run(context.Background(), Input{SnapshotID: "sim", SnapshotDate: fixtureDate, Staged: staged,
		Types: []TypeInfo{{Name: typ.Name, Vendor: typ.Vendor, Product: typ.Product, Capabilities: typ.Capabilities}}}); err != nil {
		t.Fatal(err)
	}
	users := sim.Expected("users")
	lic := sim.Expected("license_assignments", gwsim.ProductWorkspace, gwsim.ProductArchived)
	gwzChecks(t, db, [][2]string{
		// Every user maps, statuses from the booleans, emails as the Directory holds them.
		{`SELECT CAST(count(*) AS VARCHAR) FROM stg_google_workspace__users`, itoa(len(users))},
		{`SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM stg_google_workspace__users`, "active,deprovisioned,suspended"},
		{`SELECT CAST(count(*) FILTER (WHERE email IS NULL OR login <> email OR department IS NULL OR employee_number IS NULL OR created_at IS NULL OR is_admin IS NULL) AS VARCHAR) FROM stg_google_workspace__users`, "0"},
		{`SELECT CAST(count(*) FILTER (WHERE manager_source_id LIKE '%_@_%') > 0 AND count(*) FILTER (WHERE manager_source_id NOT LIKE '%_@_%') = 0 AS VARCHAR) FROM stg_google_workspace__users`, "true"},
		// The 1970 sentinel reaches staging and core reads it as never.
		{`SELECT CAST(count(*) FILTER (WHERE last_login_at = TIMESTAMPTZ '1970-01-01 00:00:00+00') > 0 AS VARCHAR) FROM stg_google_workspace__users`, "true"},
		{`SELECT CAST(count(*) FILTER (WHERE last_login_at <= TIMESTAMPTZ '1970-01-01 00:00:00+00') AS VARCHAR) FROM int_accounts WHERE connector_type = 'google_workspace'`, "0"},
		// Every license assignment finds its account and its subscription.
		{`SELECT CAST(count(*) AS VARCHAR) FROM stg_google_workspace__license_assignments WHERE account_source_id IS NOT NULL`, itoa(len(lic))},
		{`SELECT CAST(count(*) AS VARCHAR) FROM stg_google_workspace__license_assignments WHERE subscription_source_id NOT IN (SELECT source_id FROM stg_google_workspace__subscriptions)`, "0"},
		{`SELECT name || ' ' || CAST(purchased_units AS VARCHAR) || ' ' || CAST(assigned_units = (SELECT count(*) FROM stg_google_workspace__license_assignments WHERE sku = '1010020028') AS VARCHAR) FROM stg_google_workspace__subscriptions WHERE sku = '1010020028'`,
			"Google Workspace Business Standard 100 true"},
		// Sign-ins and usage observations land on accounts.
		{`SELECT string_agg(DISTINCT event_type || '/' || vendor_event_type || '/' || CAST(succeeded AS VARCHAR), ',' ORDER BY event_type || '/' || vendor_event_type || '/' || CAST(succeeded AS VARCHAR)) FROM stg_google_workspace__activity`,
			"last_activity/usage_report/true,sign_in/login_failure/false,sign_in/login_success/true"},
		{`SELECT CAST(count(*) AS VARCHAR) FROM stg_google_workspace__activity WHERE occurred_at IS NULL OR account_source_id NOT IN (SELECT source_id FROM stg_google_workspace__users)`, "0"},
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestZoomStaging feeds what the zoom connector reads from the simulated
// account (Zoom's published examples are type placeholders, so the
// simulator's shapes stand in) through the staging SQL and the core tables;
// license assignments come from the users' records.
func TestZoomStaging(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 5, People: 300, Date: fixtureDate})
	sim := zoomsim.New(org, zoomsim.Options{})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	conn, err := zoom.New(extract.Instance{Name: "zoom", Type: "zoom", Settings: extract.Settings{
		"account_id": sim.AccountID(), "client_id": sim.ClientID(), "client_secret": sim.ClientSecret(),
		"base_url": sim.APIURL(), "token_url": sim.TokenURL(), "allow_http": true, "activity_lookback": "240h",
	}}, extract.Env{Now: org.End, HTTP: fastHTTP})
	if err != nil {
		t.Fatal(err)
	}
	staged := gwzStage(t, t.TempDir(), "zoom", "zoom", conn)
	typ := zoom.Type
	db := openDB(t)
	if _, err := db.Run(context.Background(), Input{SnapshotID: "sim", SnapshotDate: fixtureDate, Staged: staged,
		Types: []TypeInfo{{Name: typ.Name, Vendor: typ.Vendor, Product: typ.Product, Capabilities: typ.Capabilities}}}); err != nil {
		t.Fatal(err)
	}
	gwzChecks(t, db, [][2]string{
		{`SELECT CAST(count(*) AS VARCHAR) FROM stg_zoom__users`, itoa(len(sim.Expected("users")))},
		{`SELECT string_agg(DISTINCT status || '/' || vendor_status, ',' ORDER BY status || '/' || vendor_status) FROM stg_zoom__users`, "active/active,pending/pending,suspended/inactive"},
		{`SELECT string_agg(DISTINCT user_type, ',' ORDER BY user_type) FROM stg_zoom__users`, "basic,licensed"},
		{`SELECT CAST(count(*) FILTER (WHERE is_admin) BETWEEN 1 AND 20 AS VARCHAR) FROM stg_zoom__users`, "true"},
		// Licensed users hold the base plan; its usage counts the active ones.
		{`SELECT CAST((SELECT count(*) FROM stg_zoom__license_assignments) = count(*) FILTER (WHERE user_type = 'licensed') AS VARCHAR) FROM stg_zoom__users`, "true"},
		{`SELECT CAST(assigned_units = (SELECT count(*) FROM stg_zoom__license_assignments AS l JOIN stg_zoom__users AS u ON u.source_id = l.account_source_id WHERE u.status = 'active') AND purchased_units >= assigned_units AS VARCHAR) FROM stg_zoom__subscriptions WHERE sku = 'plan_base'`, "true"},
		// Every licensed user holds a seat, deactivated ones included.
		{`SELECT string_agg(DISTINCT status, ',') FROM stg_zoom__license_assignments`, "assigned"},
		{`SELECT string_agg(name, ',' ORDER BY sku) FROM stg_zoom__subscriptions`, "Zoom Workplace (monthly),Zoom Large Meetings (large500),Zoom Webinars (webinar1000),Zoom Webinars (webinar500)"},
		// Every report entry finds its account.
		{`SELECT string_agg(DISTINCT event_type, ',' ORDER BY event_type) FROM stg_zoom__activity`, "sign_in,sign_out"},
		{`SELECT CAST(count(*) AS VARCHAR) FROM stg_zoom__activity WHERE account_source_id IS NULL OR occurred_at IS NULL OR NOT succeeded`, "0"},
	})
}
