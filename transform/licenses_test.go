package transform

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
)

// TestFixtureInvariants checks, over the fixture, the promises the license
// and people datasets make to each other, which the goldens only show by
// example: each query must return no row.
func TestFixtureInvariants(t *testing.T) {
	db := openDB(t)
	if _, err := db.Run(context.Background(), fixture(t, t.TempDir())); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, query string }{
		{"not_monitored seats are never reclaimable",
			`SELECT account_id FROM license_assignments WHERE reclaimable AND activity_status = 'not_monitored'`},
		{"only held seats are reclaimable",
			`SELECT account_id FROM license_assignments WHERE reclaimable AND NOT holds_seat`},
		{"counted assigned units are the held seats",
			`SELECT s.subscription_id FROM subscriptions AS s
			 LEFT JOIN (SELECT subscription_id, count(*) FILTER (WHERE holds_seat) AS n FROM license_assignments GROUP BY ALL) AS c USING (subscription_id)
			 WHERE s.assigned_units_source = 'license_assignments' AND s.assigned_units <> coalesce(c.n, 0)`},
		{"the activity breakdown adds up to the assigned seats",
			`SELECT subscription_id FROM license_utilization
			 WHERE active IS NOT NULL AND active + inactive + never_active + not_monitored <> assigned`},
		{"utilization rows are the subscriptions",
			`SELECT subscription_id FROM subscriptions EXCEPT SELECT subscription_id FROM license_utilization`},
		{"non-person accounts have no person",
			`SELECT account_id FROM accounts WHERE user_type IN ('bot', 'service', 'portal') AND person_id IS NOT NULL`},
		{"every other account has a person that exists",
			`SELECT account_id FROM accounts AS a LEFT JOIN people AS p USING (person_id)
			 WHERE a.user_type NOT IN ('bot', 'service', 'portal') AND p.person_id IS NULL`},
		{"person_id hashes primary_email",
			`SELECT person_id FROM people WHERE primary_email IS NOT NULL AND person_id <> stable_id('person', [primary_email])`},
		{"account counts match",
			`SELECT p.person_id FROM people AS p JOIN (SELECT person_id, count(*) AS n FROM accounts GROUP BY ALL) AS a USING (person_id)
			 WHERE p.account_count <> a.n`},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			rows, err := db.SQL().Query(c.query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var bad []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				bad = append(bad, s)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if len(bad) > 0 {
				t.Errorf("violated by %s", strings.Join(bad, ", "))
			}
		})
	}
}

// TestPeopleResolution pins which accounts of the fixture resolve to one
// person, and through which identifier.
func TestPeopleResolution(t *testing.T) {
	db := openDB(t)
	if _, err := db.Run(context.Background(), fixture(t, t.TempDir())); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, email string
		want        string // source ids of the person's accounts, sorted
	}{
		{"alias matches a primary address", "alice.smith@acme.example", "00u1 00us1 t1"},
		{"login matches a primary address", "bob.jones@acme.example", "00u2 t2"},
		{"alias chain across tenants", "carol@acme.example", "00u3 t3 v2"},
		{"the same address at two vendors", "ivan@acme.example", "00u9 t4"},
		{"a person known only to one vendor", "lena@acme.example", "t7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			err := db.SQL().QueryRow(`SELECT string_agg(a.source_id, ' ' ORDER BY a.source_id)
				FROM accounts AS a JOIN people AS p USING (person_id) WHERE p.primary_email = ?`, tc.email).Scan(&got)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("accounts of %s = %q, want %q", tc.email, got, tc.want)
			}
		})
	}
}

// TestOrgSourcePriority runs the fixture with several rankings and checks
// where Alice's organisational attributes, her manager (resolved in the
// chosen source's tenant) and her primary address come from.
func TestOrgSourcePriority(t *testing.T) {
	base := fixture(t, t.TempDir())
	tests := []struct {
		name     string
		priority []string
		want     string
	}{
		// Neither type is in the default ranking: by name, okta first.
		{"default", nil, "okta Engineering Engineer bob.jones@acme.example alice.smith@acme.example"},
		// Bob's primary address follows the ranking too: his TestVendor account now ranks first.
		{"configured first", []string{"testvendor"}, "testvendor Finance Analyst robert.jones@acme.example a.smith@acme.example"},
		{"unlisted types rank by name after listed ones", []string{"ldap", "okta"}, "okta Engineering Engineer bob.jones@acme.example alice.smith@acme.example"},
		{"listed order wins over name", []string{"entra", "testvendor", "okta"}, "testvendor Finance Analyst robert.jones@acme.example a.smith@acme.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			in.OrgSourcePriority = tc.priority
			db := openDB(t)
			if _, err := db.Run(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			var got string
			err := db.SQL().QueryRow(`SELECT concat_ws(' ', p.org_source, p.department, p.job_title, m.primary_email, p.primary_email)
				FROM people AS p LEFT JOIN people AS m ON m.person_id = p.manager_person_id
				WHERE p.person_id IN (SELECT person_id FROM accounts WHERE source_id = '00u1')`).Scan(&got)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCanonicalUserType keeps the SQL macro and UserTypes in step and pins
// how vendor values that staging did not map read.
func TestCanonicalUserType(t *testing.T) {
	db := openDB(t)
	if _, err := db.Run(context.Background(), Input{SnapshotID: "s", SnapshotDate: fixtureDate}); err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{" Guest ": "guest", "BOT": "bot", "single_channel_guest": "unknown", "": "unknown"}
	for _, ut := range UserTypes {
		tests[ut] = ut
	}
	for in, want := range tests {
		var got string
		if err := db.SQL().QueryRow(`SELECT canonical_user_type(?)`, in).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("canonical_user_type(%q) = %q, want %q", in, got, want)
		}
	}
	var nullType string
	if err := db.SQL().QueryRow(`SELECT canonical_user_type(NULL)`).Scan(&nullType); err != nil || nullType != "unknown" {
		t.Errorf("canonical_user_type(NULL) = %q, %v; want unknown", nullType, err)
	}
	for _, ut := range UserTypes {
		var nonPerson bool
		if err := db.SQL().QueryRow(`SELECT is_non_person_type(?)`, ut).Scan(&nonPerson); err != nil {
			t.Fatal(err)
		}
		if want := strings.Contains(" "+strings.Join(NonPersonUserTypes, " ")+" ", " "+ut+" "); nonPerson != want {
			t.Errorf("is_non_person_type(%q) = %v, want %v", ut, nonPerson, want)
		}
	}
}

// TestReportedCapabilities: what a connector reports of its tenant at run
// time overrides its type's declaration, in both directions, and decides
// between not_monitored and a measured status.
func TestReportedCapabilities(t *testing.T) {
	unavailable := func(reason string) extract.CapabilityState { return extract.CapabilityState{Reason: reason} }
	tests := []struct {
		name     string
		declared extract.Capabilities
		reported map[string]extract.CapabilityState
		want     string
	}{
		{"declared, nothing reported", extract.Capabilities{LastLogin: true}, nil, "inactive {}"},
		{"last login withdrawn", extract.Capabilities{LastLogin: true},
			map[string]extract.CapabilityState{extract.CapLastLogin: unavailable("no Entra ID P1")}, "not_monitored {last_login=no Entra ID P1}"},
		{"activity withdrawn, last login still measures", extract.Capabilities{LastLogin: true, Activity: true},
			map[string]extract.CapabilityState{extract.CapActivity: unavailable("free plan")}, "inactive {activity=free plan}"},
		{"concealed identifiers leave activity unattributable", extract.Capabilities{Activity: true},
			map[string]extract.CapabilityState{extract.CapIdentifiers: unavailable("concealed")}, "not_monitored {identifiers=concealed}"},
		{"reported available beyond the declaration", extract.Capabilities{},
			map[string]extract.CapabilityState{extract.CapLastLogin: {Available: true}}, "inactive {}"},
		{"withdrawn without a reason", extract.Capabilities{LastLogin: true},
			map[string]extract.CapabilityState{extract.CapLastLogin: {}}, "not_monitored {last_login=reported unavailable by the connector}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			env := stage.Envelope{SnapshotID: "s", Connector: "c", ConnectorType: "okta", Tenant: "t", Entity: extract.Users}
			f := writeStaged(t, root, env, fixtureDate, []rec{oktaUser{"00u1", "ACTIVE", "a@x", "a@x", "A", "B", "2025-01-01T00:00:00Z", nil}.rec()})
			typ := oktaType
			typ.Capabilities = tc.declared
			run := ConnectorRun{Connector: "c", ConnectorType: "okta", Tenant: "t", Status: "ok", Capabilities: tc.reported}
			db := openDB(t)
			if _, err := db.Run(context.Background(), Input{SnapshotID: "s", SnapshotDate: fixtureDate, Types: []TypeInfo{typ},
				Staged: []StagedFile{f}, Runs: []ConnectorRun{run}}); err != nil {
				t.Fatal(err)
			}
			// Reasons of the type's own gaps are left out: only what the
			// connector said is under test.
			var got string
			if err := db.SQL().QueryRow(`SELECT a.activity_status || ' ' || CAST(map_from_entries(list_filter(map_entries(r.unavailable_capabilities),
					lambda e: e.value <> 'not offered by the connector type')) AS VARCHAR)
				FROM accounts AS a, connector_runs AS r`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPersonIDStableAcrossSnapshots transforms the same accounts as of a
// later date, when every activity status and so the choice of org account
// may differ: each account must keep its person_id.
func TestPersonIDStableAcrossSnapshots(t *testing.T) {
	in := fixture(t, t.TempDir())
	ids := make([]string, 2)
	for i, day := range []time.Time{in.SnapshotDate, in.SnapshotDate.AddDate(0, 3, 0)} {
		in.SnapshotDate = day
		db := openDB(t)
		if _, err := db.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRow(`SELECT string_agg(account_id || '=' || coalesce(person_id, '∅'), ' ' ORDER BY account_id) FROM accounts`).Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("person ids moved:\n%s\n%s", ids[0], ids[1])
	}
}

// TestTiedCopiesPickedByContent: copies of one record that tie on
// extracted_at and instance (one page repeating a user with other fields,
// staged in one microsecond) are told apart by the row itself, not by the
// order they were staged in; so are repeated app assignments and events.
func TestTiedCopiesPickedByContent(t *testing.T) {
	at := time.Date(2026, 3, 15, 1, 0, 0, 0, time.UTC)
	a := oktaUser{"00u1", "ACTIVE", "ann@acme.example", "ann@acme.example", "Ann", "Archer", nil, nil}
	b := a
	b.first, b.status = "Anne", "SUSPENDED"
	evA := oktaEvent("ev-1", "2026-03-14T10:00:00.000Z", "user.authentication.sso", "00u1", "ann@acme.example", "0oa1", "Salesforce", "SUCCESS")
	evB := oktaEvent("ev-1", "2026-03-14T10:00:00.000Z", "user.authentication.sso", "00u1", "ann@acme.example", "0oa1", "Salesforce", "FAILURE")
	asA := oktaAppUser("0oa1", "00u1", "ann@acme.example", "ACTIVE", "USER")
	asB := oktaAppUser("0oa1", "00u1", "ann@acme.example", "PROVISIONED", "GROUP")
	pick := func(order [2]int) string {
		root := t.TempDir()
		env := func(entity string) stage.Envelope {
			return stage.Envelope{SnapshotID: "2026-03-15", Connector: "okta-main", ConnectorType: "okta", Tenant: "acme.okta.com", Entity: entity}
		}
		users, events, assigned := [2]rec{a.rec(), b.rec()}, [2]rec{evA, evB}, [2]rec{asA, asB}
		in := Input{SnapshotID: "2026-03-15", SnapshotDate: fixtureDate, Types: []TypeInfo{oktaType},
			Staged: []StagedFile{
				writeStaged(t, root, env(extract.Users), at, []rec{users[order[0]], users[order[1]]}),
				writeStaged(t, root, env(extract.Applications), at, []rec{oktaApp("0oa1", "salesforce", "Salesforce", "ACTIVE", "SAML_2_0")}),
				writeStaged(t, root, env(extract.AppAssignments), at, []rec{assigned[order[0]], assigned[order[1]]}),
				writeStaged(t, root, env(extract.Activity), at, []rec{events[order[0]], events[order[1]]}),
			},
			Runs: []ConnectorRun{{Connector: "okta-main", ConnectorType: "okta", Tenant: "acme.okta.com", Status: "ok", DataAsOf: at,
				Rows: map[string]int64{"users": 2, "applications": 1, "app_assignments": 2, "activity": 2}}}}
		db := openDB(t)
		if _, err := db.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		var first, status, scope string
		var succeeded bool
		if err := db.SQL().QueryRow(`SELECT first_name, vendor_status FROM int_accounts`).Scan(&first, &status); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRow(`SELECT scope FROM app_assignments`).Scan(&scope); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRow(`SELECT succeeded FROM int_activity`).Scan(&succeeded); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(first, " ", status, " ", scope, " ", succeeded)
	}
	ab, ba := pick([2]int{0, 1}), pick([2]int{1, 0})
	if ab != ba {
		t.Fatalf("staged A then B kept %q, B then A kept %q: the staging order decided", ab, ba)
	}
}
