package transform

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
)

// TestCatalog checks the shipped catalogue: enough applications, and one
// for every connector type that reads a SaaS product, so each connector's
// own discovery merges with its SSO integrations.
func TestCatalog(t *testing.T) {
	rows, err := readCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 150 {
		t.Errorf("catalogue has %d applications, want at least 150", len(rows))
	}
	var types []string
	for _, r := range rows {
		if r[3] != "" {
			if slices.Contains(types, r[3]) {
				t.Errorf("connector type %s is the connector of two catalogue applications", r[3])
			}
			types = append(types, r[3])
		}
	}
	for _, want := range []string{"okta", "entra", "microsoft365", "google_workspace", "zoom", "salesforce", "slack"} {
		if !slices.Contains(types, want) {
			t.Errorf("no catalogue application has connector_type %s", want)
		}
	}
}

// TestApplicationMerge stages a third Okta tenant whose integrations
// name catalogue applications differently (a custom integration labelled
// "SLACK ", Zoom's OIN key under another label) and an application the
// catalogue lacks under a differently punctuated name: each must merge with
// the fixture's application of the same product.
func TestApplicationMerge(t *testing.T) {
	root := t.TempDir()
	in := fixture(t, root)
	at := time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC)
	env := stage.Envelope{SnapshotID: "2026-03-15", Connector: "okta-eu", ConnectorType: "okta", Tenant: "acme-eu.okta.com", Entity: extract.Applications}
	in.Staged = append(in.Staged, writeStaged(t, root, env, at, []rec{
		oktaApp("0oaE1", "acme_custom_3", "SLACK ", "ACTIVE", "SAML_2_0"),
		oktaApp("0oaE2", "zoomus", "Video meetings", "ACTIVE", "SAML_2_0"),
		oktaApp("0oaE3", "bookmark", "legacy-wiki", "ACTIVE", "BOOKMARK"),
	}))
	db := openDB(t)
	if _, err := db.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	got := render(t, db.SQL(), `(SELECT name, catalog_key, status, discovery_types, discovered_by FROM applications)`, []string{"name"})
	want := strings.Join([]string{
		"name\tcatalog_key\tstatus\tdiscovery_types\tdiscovered_by",
		"Okta\tokta\t∅\t[connector]\t[okta-audit, okta-main, okta-sub]",
		"Salesforce\tsalesforce\tactive\t[okta_sso]\t[okta-audit, okta-main]",
		"Slack\tslack\tactive\t[okta_sso]\t[okta-eu, okta-main]",
		"Zoom\tzoom\tactive\t[okta_sso]\t[okta-eu, okta-sub]",
		// Not in the catalogue: named by the first source, acme-eu.okta.com.
		"legacy-wiki\t∅\tactive\t[okta_sso]\t[okta-eu, okta-main]",
		"",
	}, "\n")
	if got != want {
		t.Errorf("applications:\n%s\nwant:\n%s", got, want)
	}
}

// TestAppAssignmentThroughTwoIntegrations: an account assigned to one
// product through two integrations of it in its tenant (a production and a
// sandbox Slack app) is one assignment: the earliest, whichever order the
// integrations were listed in.
func TestAppAssignmentThroughTwoIntegrations(t *testing.T) {
	at := time.Date(2026, 3, 15, 1, 0, 0, 0, time.UTC)
	assignedAt := func(app, user, created string) rec {
		r := oktaAppUser(app, user, "ann@acme.example", "ACTIVE", "USER")
		r.payload.(map[string]any)["created"] = created
		return r
	}
	for _, order := range [][2]int{{0, 1}, {1, 0}} {
		root := t.TempDir()
		env := func(entity string) stage.Envelope {
			return stage.Envelope{SnapshotID: "2026-03-15", Connector: "okta-main", ConnectorType: "okta", Tenant: "acme.okta.com", Entity: entity}
		}
		both := [2]rec{assignedAt("0oa1", "00u1", "2025-06-01T00:00:00.000Z"), assignedAt("0oa2", "00u1", "2024-02-01T00:00:00.000Z")}
		in := Input{SnapshotID: "2026-03-15", SnapshotDate: fixtureDate, Types: []TypeInfo{oktaType},
			Staged: []StagedFile{
				writeStaged(t, root, env(extract.Users), at, []rec{oktaUser{"00u1", "ACTIVE", "ann@acme.example", "ann@acme.example", "Ann", "Archer", nil, nil}.rec()}),
				writeStaged(t, root, env(extract.Applications), at, []rec{
					oktaApp("0oa1", "slack", "Slack", "ACTIVE", "SAML_2_0"),
					oktaApp("0oa2", "acme_custom_3", "Slack", "ACTIVE", "SAML_2_0")}),
				writeStaged(t, root, env(extract.AppAssignments), at, []rec{both[order[0]], both[order[1]]}),
			},
			Runs: []ConnectorRun{{Connector: "okta-main", ConnectorType: "okta", Tenant: "acme.okta.com", Status: "ok", DataAsOf: at,
				Rows: map[string]int64{"users": 1, "applications": 2, "app_assignments": 2}}}}
		db := openDB(t)
		if _, err := db.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		got := render(t, db.SQL(), `(SELECT a.name, s.application_source_id, s.assigned_at FROM app_assignments s JOIN applications a USING (application_id))`, []string{"name"})
		want := "name\tapplication_source_id\tassigned_at\nSlack\t0oa2\t2024-02-01 00:00:00+00\n"
		if got != want {
			t.Errorf("listed in order %v: app_assignments\n%s\nwant\n%s", order, got, want)
		}
	}
}

// TestAppAssignmentCopyChoice: of the copies of one assignment staged by
// several instances, the freshest describes it and, among the freshest, the
// instance first by name; every instance stays in its lineage. The older
// copy comes from the instance first by name, so ranking by name before time
// (or time ascending) picks it; the two freshest copies swap contents between
// the cases, so ranking by the row's hash before the name fails one of them.
func TestAppAssignmentCopyChoice(t *testing.T) {
	early := time.Date(2026, 3, 15, 1, 0, 0, 0, time.UTC)
	for _, scopes := range [][2]string{{"GROUP", "USER"}, {"USER", "GROUP"}} {
		root := t.TempDir()
		copyWith := func(scope string) rec { return oktaAppUser("0oa1", "00u1", "ann@acme.example", "ACTIVE", scope) }
		in := Input{SnapshotID: "s", SnapshotDate: fixtureDate, Types: []TypeInfo{oktaType},
			Staged: append(threeCopies(t, root, extract.AppAssignments, early, copyWith("OTHER"), copyWith(scopes[0]), copyWith(scopes[1])),
				writeStaged(t, root, copyEnv("okta-b", extract.Applications), early, []rec{oktaApp("0oa1", "slack", "Slack", "ACTIVE", "SAML_2_0")}))}
		db := openDB(t)
		if _, err := db.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		got := render(t, db.SQL(), `(SELECT scope, connectors FROM app_assignments)`, []string{"scope"})
		want := "scope\tconnectors\n" + strings.ToLower(scopes[0]) + "\t[okta-a, okta-b, okta-c]\n"
		if got != want {
			t.Errorf("okta-b staged scope %s: app_assignments\n%s\nwant\n%s", scopes[0], got, want)
		}
	}
}
