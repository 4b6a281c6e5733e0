package transform

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
)

// identityEstate stages two TestVendor tenants whose users exercise every
// identity rule: a renamed domain, plus-addressing, case and blanks, a
// shared mailbox as an account and as an alias, an alias two directory
// people with different employee numbers both carry, and a person linked
// only by employee number.
func identityEstate(t testing.TB, root string) Input {
	t.Helper()
	at := time.Date(2026, 3, 15, 3, 0, 0, 0, time.UTC)
	tv1 := []rec{
		tvUser{"u1", "", "ann@acme.com", "Ann", "ACTIVE", "employee", nil, nil, map[string]any{"empno": "E001"}}.rec(),
		tvUser{"u5", "", "bob@acme.com", "Bob", "ACTIVE", "employee", nil, []string{"IT@acme.com"}, map[string]any{"empno": "E002"}}.rec(),
		tvUser{"u6", "", "dan@acme.com", "Dan", "ACTIVE", "employee", nil, []string{"d.old@acme.com"}, map[string]any{"empno": "E003"}}.rec(),
		tvUser{"u7", "", "eve@acme.com", "Eve", "ACTIVE", "employee", nil, []string{"d.old@acme.com"}, map[string]any{"empno": "E004"}}.rec(),
		tvUser{"u10", "", "frank@acme.com", "Frank", "ACTIVE", "employee", nil, nil, map[string]any{"empno": "E005"}}.rec(),
	}
	tv2 := []rec{
		tvUser{"u2", "", " Ann@ACME.co.uk ", "Ann", "ACTIVE", "member", nil, nil, nil}.rec(),
		tvUser{"u3", "", "ann+tools@acme.com", "Ann", "ACTIVE", "member", nil, nil, nil}.rec(),
		tvUser{"u4", "", "it@acme.com", "IT desk", "ACTIVE", "member", nil, nil, nil}.rec(),
		tvUser{"u9", "", "frank.x@other.example", "Frank", "ACTIVE", "member", nil, nil, map[string]any{"empno": "E005"}}.rec(),
		tvUser{"u11", "", "gus@acme.co.uk", "Gus", "ACTIVE", "member", nil, nil, map[string]any{"empno": "00"}}.rec(),
	}
	env := func(conn, tenant string) stage.Envelope {
		return stage.Envelope{SnapshotID: "2026-03-15", Connector: conn, ConnectorType: "testvendor", Tenant: tenant, Entity: extract.Users}
	}
	return Input{SnapshotID: "2026-03-15", SnapshotDate: fixtureDate, Types: []TypeInfo{testvendorType},
		Staged: []StagedFile{
			writeStaged(t, root, env("tv-a", "tv1.example"), at, tv1),
			writeStaged(t, root, env("tv-b", "tv2.example"), at, tv2),
		},
		stagingOverlay: testdataStaging}
}

// TestIdentityResolution checks the people the estate resolves to under
// each identity setting: every person as its accounts' source ids, sorted,
// and accounts without a person after "none:".
func TestIdentityResolution(t *testing.T) {
	tests := []struct {
		name string
		opts IdentityOptions
		want string
	}{
		{"defaults: case and blanks fold, shared mailbox and conflicting alias join nobody",
			IdentityOptions{},
			"u1 | u10 u9 | u11 | u2 | u3 | u5 | u6 | u7 | none: u4"},
		{"plus-addresses stripped",
			IdentityOptions{StripPlusAddresses: true},
			"u1 u3 | u10 u9 | u11 | u2 | u5 | u6 | u7 | none: u4"},
		{"renamed domain and plus-addresses",
			IdentityOptions{StripPlusAddresses: true, DomainAliases: map[string]string{"ACME.co.uk": "acme.com"}},
			"u1 u2 u3 | u10 u9 | u11 | u5 | u6 | u7 | none: u4"},
		{"no shared mailbox patterns: it@ is a person and joins Bob through his alias",
			IdentityOptions{SharedMailboxPatterns: []string{}},
			"u1 | u10 u9 | u11 | u2 | u3 | u4 u5 | u6 | u7"},
		{"configured patterns replace the defaults",
			IdentityOptions{SharedMailboxPatterns: []string{"ann+*@*"}},
			"u1 | u10 u9 | u11 | u2 | u4 u5 | u6 | u7 | none: u3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := identityEstate(t, t.TempDir())
			in.Identity = tc.opts
			db := openDB(t)
			if _, err := db.Run(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			var got string
			err := db.SQL().QueryRow(`
				WITH groups AS (
				    SELECT person_id IS NULL AS nobody, string_agg(source_id, ' ' ORDER BY source_id) AS ids
				    FROM accounts GROUP BY person_id
				)
				SELECT concat_ws(' | ',
				    string_agg(ids, ' | ' ORDER BY ids) FILTER (WHERE NOT nobody),
				    'none: ' || string_agg(ids, ' ' ORDER BY ids) FILTER (WHERE nobody))
				FROM groups`).Scan(&got)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("people = %q\n want %q", got, tc.want)
			}
		})
	}
}

// TestPersonIDFollowsNormalisedAddress: the person named by a renamed
// domain's address keeps the id of the address it stands for, so adding a
// domain alias does not re-key people already known at the new domain.
func TestPersonIDFollowsNormalisedAddress(t *testing.T) {
	in := identityEstate(t, t.TempDir())
	in.Identity = IdentityOptions{StripPlusAddresses: true, DomainAliases: map[string]string{"acme.co.uk": "acme.com"}}
	db := openDB(t)
	if _, err := db.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	var ann, gus, want, wantGus string
	q := `SELECT person_id FROM accounts WHERE source_id = ?`
	if err := db.SQL().QueryRow(q, "u2").Scan(&ann); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow(q, "u11").Scan(&gus); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow(`SELECT stable_id('person', ['ann@acme.com']), stable_id('person', ['gus@acme.com'])`).Scan(&want, &wantGus); err != nil {
		t.Fatal(err)
	}
	if ann != want || gus != wantGus {
		t.Errorf("person ids = %s, %s; want hashes of ann@acme.com, gus@acme.com (%s, %s)", ann, gus, want, wantGus)
	}
}

// TestPricesAndThresholds: configured prices fill subscriptions the source
// does not price (a sku price before a vendor-wide one), never override a
// price the source states, and a per-subscription threshold judges that
// subscription's seats while the account keeps the global status.
func TestPricesAndThresholds(t *testing.T) {
	in := fixture(t, t.TempDir())
	in.Prices = []Price{
		{Vendor: "testvendor", UnitCost: 3, Currency: "EUR"},
		{ConnectorType: "testvendor", SKU: "free", UnitCost: 1.5, Currency: "USD"},
		{ConnectorType: "testvendor", SKU: "E3", UnitCost: 99, Currency: "GBP"},
	}
	in.SubscriptionThresholds = []SubscriptionThreshold{{Vendor: "TestVendor", SKU: "E3", Days: 10}}
	db := openDB(t)
	if _, err := db.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	got := render(t, db.SQL(), `(SELECT source_id, sku, unit_cost, currency, activity_threshold_days FROM subscriptions)`, []string{"source_id"})
	want := strings.Join([]string{
		"source_id\tsku\tunit_cost\tcurrency\tactivity_threshold_days",
		"s-e3\tE3\t20.5\tUSD\t10",    // the source's price stands
		"s-free\tFREE\t1.5\tUSD\t30", // sku price
		"s-pro\tPRO\t8.0\tEUR\t30",
		"s-zero\tADDON\t5.0\tUSD\t30",
		"",
	}, "\n")
	if got != want {
		t.Errorf("subscriptions:\n%s\nwant:\n%s", got, want)
	}
	// Alice's last login is 14 days before the snapshot: active by the
	// global 30 days, inactive on E3 judged with 10.
	var acct, seat string
	if err := db.SQL().QueryRow(`SELECT a.activity_status, la.activity_status
		FROM accounts AS a JOIN license_assignments AS la USING (account_id)
		JOIN subscriptions AS s USING (subscription_id)
		WHERE a.source_id = 't1' AND s.source_id = 's-e3'`).Scan(&acct, &seat); err != nil {
		t.Fatal(err)
	}
	if acct != "active" || seat != "inactive" {
		t.Errorf("Alice: account %s, E3 seat %s; want active, inactive", acct, seat)
	}
}
