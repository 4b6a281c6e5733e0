package transform

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
)

var slackType = TypeInfo{Name: "slack", Vendor: "Slack", Product: "Slack",
	Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true}}

func samplesPath(vendor string) string {
	dir := filepath.Join("..", "..", "shared", "vendor-samples", vendor)
	if _, err := os.Stat(dir); err != nil {
		dir = filepath.Join("/work/shared/vendor-samples", vendor)
	}
	return dir
}

func readSample(t *testing.T, vendor, file string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesPath(vendor), file))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// queryChecks runs each query and compares its one text value.
func queryChecks(t *testing.T, db *DB, checks [][2]string) {
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

// TestSlackVendorSamples feeds Slack's published example responses through
// the staging SQL as the connector stages them: users.list members, the
// billable_info entries with billing_active true keyed by user id, and
// access-log entries. team.billing.info has no published example; its
// documented answer shape is used.
func TestSlackVendorSamples(t *testing.T) {
	var users struct {
		Members []json.RawMessage `json:"members"`
	}
	readSample(t, "slack", "users-list.json", &users)
	var billable struct {
		Info map[string]json.RawMessage `json:"billable_info"`
	}
	readSample(t, "slack", "team-billableInfo.json", &billable)
	var logs struct {
		Logins []json.RawMessage `json:"logins"`
	}
	readSample(t, "slack", "team-accessLogs.json", &logs)

	var userRecs, seatRecs, logRecs []rec
	for _, m := range users.Members {
		var v struct{ ID string }
		json.Unmarshal(m, &v)
		userRecs = append(userRecs, rec{v.ID, m})
	}
	keys := make([]string, 0, len(billable.Info))
	for k := range billable.Info {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var v struct {
			BillingActive bool `json:"billing_active"`
		}
		json.Unmarshal(billable.Info[k], &v)
		if v.BillingActive {
			seatRecs = append(seatRecs, rec{k, billable.Info[k]})
		}
	}
	for i, l := range logs.Logins {
		logRecs = append(logRecs, rec{string(rune('a' + i)), l})
	}
	// A member of the sample who also signed in, so last_login_at is set.
	logRecs = append(logRecs, rec{"w", json.RawMessage(`{"count":3,"country":"US","date_first":1500000000,"date_last":1502138000,"ip":"10.0.0.1","isp":"x","region":"CA","user_agent":"Slack","user_id":"W012A3CDE","username":"spengler"}`)})
	bot := rec{"USLACKBOT", json.RawMessage(`{"id":"USLACKBOT","deleted":false,"is_bot":false,"is_admin":false,"name":"slackbot","profile":{"real_name":"Slackbot"}}`)}
	guest := rec{"U0GUEST", json.RawMessage(`{"id":"U0GUEST","deleted":true,"is_bot":false,"is_restricted":true,"is_ultra_restricted":true,"name":"g","profile":{"email":"g@partner.example"}}`)}
	userRecs = append(userRecs, bot, guest)

	root := t.TempDir()
	env := func(entity string) stage.Envelope {
		return stage.Envelope{SnapshotID: "samples", Connector: "slack-samples", ConnectorType: "slack", Tenant: "T012AB3C4", Entity: entity}
	}
	staged := []StagedFile{
		writeStaged(t, root, env(extract.Users), fixtureDate, userRecs),
		writeStaged(t, root, env(extract.Subscriptions), fixtureDate, []rec{{"workspace-plan", json.RawMessage(`{"ok":true,"plan":"plus"}`)}}),
		writeStaged(t, root, env(extract.LicenseAssignments), fixtureDate, seatRecs),
		writeStaged(t, root, env(extract.Activity), fixtureDate, logRecs),
	}
	db := openDB(t)
	if _, err := db.Run(context.Background(), Input{SnapshotID: "samples", SnapshotDate: fixtureDate, Staged: staged, Types: []TypeInfo{slackType}}); err != nil {
		t.Fatal(err)
	}
	queryChecks(t, db, [][2]string{
		{`SELECT string_agg(source_id || ' ' || coalesce(email, '∅') || ' ' || user_type || ' ' || status || ' ' || is_admin || ' ' || coalesce(CAST(last_login_at AS VARCHAR), '∅'), ', ' ORDER BY source_id) FROM stg_slack__users`,
			"U0GUEST g@partner.example single_channel_guest deprovisioned false ∅, USLACKBOT ∅ bot active false ∅, W012A3CDE spengler@ghostbusters.example.com member active true 2017-08-07 20:33:20+00, W07QCRPA4 glenda@south.oz.coven member active true ∅"},
		{`SELECT display_name || ' ' || first_name || ' ' || last_name || ' ' || job_title FROM stg_slack__users WHERE source_id = 'W07QCRPA4'`,
			"Glinda Southgood Glinda Southgood Glinda the Good"},
		{`SELECT sku || ' ' || name || ' ' || assigned_units || ' ' || coalesce(CAST(purchased_units AS VARCHAR), '∅') FROM stg_slack__subscriptions`,
			"plus Slack Business+ 2 ∅"},
		{`SELECT string_agg(account_source_id || '/' || subscription_source_id || '/' || status, ',' ORDER BY source_id) FROM stg_slack__license_assignments`,
			"U02UCPE1R/workspace-plan/active,U02UEBSD2/workspace-plan/active"},
		{`SELECT string_agg(account_source_id || ' ' || actor_login || ' ' || event_type || ' ' || CAST(occurred_at AS VARCHAR), ', ' ORDER BY source_id) FROM stg_slack__activity`,
			"U45678 alice sign_in 2015-02-03 00:21:04+00, U12345 white_rabbit sign_in 2015-02-03 00:14:53+00, W012A3CDE spengler sign_in 2017-08-07 20:33:20+00"},
		{`SELECT count(*)::VARCHAR FROM accounts WHERE vendor = 'Slack'`, "4"},
	})
}
