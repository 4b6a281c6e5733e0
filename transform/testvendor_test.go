package transform

import (
	"os"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
)

// testvendorType is a vendor that exists only in tests: its staging SQL
// lives in testdata/staging and reaches Run through Input.stagingOverlay.
// It is the first source of subscriptions and license assignments the
// transform sees, before any real connector maps them.
var testvendorType = TypeInfo{Name: "testvendor", Vendor: "TestVendor", Product: "Suite",
	Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Directory: true}}

// testdataStaging is the stagingOverlay holding testvendor's staging SQL.
var testdataStaging = os.DirFS("testdata")

type tvUser struct {
	id, login, email, name, state, typ string
	lastLogin                          any
	aliases                            []string
	extra                              map[string]any
}

func (u tvUser) rec() rec {
	p := map[string]any{"id": u.id, "login": u.login, "email": u.email, "name": u.name, "state": u.state,
		"type": u.typ, "lastLogin": u.lastLogin, "aliases": u.aliases}
	if u.login == "" {
		p["login"] = u.email
	}
	for k, v := range u.extra {
		p[k] = v
	}
	return rec{u.id, p}
}

func tvSub(id, sku, name string, seats, consumed, price any, currency string) rec {
	return rec{id, map[string]any{"id": id, "sku": sku, "name": name, "state": "Enabled", "seats": seats,
		"consumed": consumed, "price": price, "currency": currency}}
}

// tvAssign names the subscription by id, or by sku when sub starts with "sku:".
func tvAssign(id, user, sub, via, state string) rec {
	p := map[string]any{"id": id, "user": user, "via": via, "state": state, "since": "2025-01-01T00:00:00Z"}
	if len(sub) > 4 && sub[:4] == "sku:" {
		p["sku"] = sub[4:]
	} else {
		p["subscription"] = sub
	}
	return rec{id, p}
}

// testvendorEstate stages two TestVendor tenants. tv1 is read by tv-main
// and, later, by tv-copy, whose credentials cannot see sign-in data (a
// reported capability): an account only tv-copy lists is not_monitored, and
// tv-copy's undated copy must not hide the date tv-main read. tv2 is a
// free-plan tenant without sign-in data and with concealed names. The users
// share e-mail addresses, logins and aliases with the Okta fixture so people
// resolve across vendors, directly and through an alias chain.
func testvendorEstate(t testing.TB, root string) ([]StagedFile, []ConnectorRun) {
	t.Helper()
	const tv1, tv2 = "tv1.example", "tv2.example"
	early := time.Date(2026, 3, 15, 3, 0, 0, 0, time.UTC)
	later := early.Add(time.Hour)
	alice := tvUser{"t1", "", "a.smith@acme.example", "Alice S.", "ACTIVE", "Employee", "2026-03-01T09:00:00Z",
		[]string{" Alice.Smith@Acme.example "}, map[string]any{"dept": "Finance", "title": "Analyst", "manager": "t2", "empno": "1001"}}
	users := []rec{
		alice.rec(),
		tvUser{"t2", "bob.jones@acme.example", "robert.jones@acme.example", "Robert Jones", "ACTIVE", "employee", "2025-11-01T00:00:00Z", nil, nil}.rec(),
		tvUser{"t3", "", "carol.white@acme.example", "Carol White", "ACTIVE", "contractor", nil, []string{"carol@acme.example"}, nil}.rec(),
		tvUser{"t4", "", "ivan@acme.example", "Ivan Lee", "DELETED", "employee", "2026-03-10T00:00:00Z", nil, nil}.rec(),
		tvUser{"t5", "ci-bot", "ci-bot@acme.example", "CI", "ACTIVE", "Bot", "2026-03-14T00:00:00Z", nil, nil}.rec(),
		tvUser{"t6", "", "kim@acme.example", "Kim", "ACTIVE", "Intern", "2026-03-14T00:00:00Z", nil, nil}.rec(),
	}
	aliceCopy := alice
	aliceCopy.lastLogin = nil
	copyUsers := []rec{aliceCopy.rec(),
		tvUser{"t7", "", "lena@acme.example", "Lena", "ACTIVE", "employee", nil, nil, nil}.rec()}
	subs := []rec{
		tvSub("s-e3", "E3", "Enterprise E3", 10, 7, 20.5, "USD"),
		tvSub("s-free", "FREE", "Free", nil, 3, nil, ""),
		tvSub("s-zero", "ADDON", "Add-on", 0, 0, 5, "USD"),
	}
	assigns := []rec{
		tvAssign("la1", "t1", "s-e3", "Direct", "Active"),
		tvAssign("la2", "t2", "sku:E3", "Group", "active"),
		tvAssign("la3", "t3", "s-e3", "direct", "active"),
		tvAssign("la3g", "t3", "s-e3", "group", "active"),
		tvAssign("la4", "t4", "s-e3", "direct", "active"),
		tvAssign("la5", "t5", "s-e3", "direct", "active"),
		tvAssign("la6", "t6", "s-e3", "direct", "Error"),
		tvAssign("la7", "t7", "s-e3", "direct", "active"),
		tvAssign("la8", "t9", "s-e3", "direct", "active"), // account not listed
		tvAssign("la9", "t2", "sku:GHOST", "direct", "active"),
		tvAssign("la10", "t1", "s-free", "direct", "active"),
	}
	freeUsers := []rec{
		tvUser{"v1", "", "j.moss@sub.example", "Judy Moss", "ACTIVE", "member", nil, []string{"judy@sub.example"}, nil}.rec(),
		tvUser{"v2", "", "cwhite@acme.example", "C. White", "DELETED", "guest", nil, []string{"carol.white@acme.example"}, nil}.rec(),
	}
	env := func(conn, tenant, entity string) stage.Envelope {
		return stage.Envelope{SnapshotID: "2026-03-15", Connector: conn, ConnectorType: "testvendor", Tenant: tenant, Entity: entity}
	}
	staged := []StagedFile{
		writeStaged(t, root, env("tv-main", tv1, extract.Users), early, users),
		writeStaged(t, root, env("tv-main", tv1, extract.Subscriptions), early, subs),
		writeStaged(t, root, env("tv-main", tv1, extract.LicenseAssignments), early, assigns),
		writeStaged(t, root, env("tv-copy", tv1, extract.Users), later, copyUsers),
		writeStaged(t, root, env("tv-copy", tv1, extract.Subscriptions), later, subs[:1]),
		writeStaged(t, root, env("tv-copy", tv1, extract.LicenseAssignments), later, assigns[:1]),
		writeStaged(t, root, env("tv-free", tv2, extract.Users), early, freeUsers),
		writeStaged(t, root, env("tv-free", tv2, extract.Subscriptions), early, []rec{tvSub("s-pro", "PRO", "Pro", 5, 2, 8, "EUR")}),
		writeStaged(t, root, env("tv-free", tv2, extract.LicenseAssignments), early, []rec{
			tvAssign("v1-pro", "v1", "s-pro", "direct", "active"),
			tvAssign("v2-pro", "v2", "s-pro", "direct", "active")}),
	}
	runs := []ConnectorRun{
		{Connector: "tv-main", ConnectorType: "testvendor", Tenant: tv1, Status: "ok", DataAsOf: early,
			Rows: map[string]int64{"users": 6, "subscriptions": 3, "license_assignments": 11}, Requests: 3, Duration: time.Second},
		{Connector: "tv-copy", ConnectorType: "testvendor", Tenant: tv1, Status: "ok", DataAsOf: later,
			Rows: map[string]int64{"users": 2, "subscriptions": 1, "license_assignments": 1}, Requests: 3, Duration: time.Second,
			Capabilities: map[string]extract.CapabilityState{
				extract.CapLastLogin: {Available: false, Reason: "the credentials cannot read sign-in data"}}},
		{Connector: "tv-free", ConnectorType: "testvendor", Tenant: tv2, Status: "ok", DataAsOf: early,
			Rows: map[string]int64{"users": 2, "subscriptions": 1, "license_assignments": 2}, Requests: 3, Duration: time.Second,
			Capabilities: map[string]extract.CapabilityState{
				extract.CapLastLogin:   {Available: false, Reason: "free plan: no sign-in data"},
				extract.CapIdentifiers: {Available: false, Reason: "report user names are concealed"},
				extract.CapLicenses:    {Available: true}}},
	}
	return staged, runs
}
