package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
)

var (
	fixtureDate = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	oktaType    = TypeInfo{Name: "okta", Vendor: "Okta", Product: "Workforce Identity Cloud",
		Capabilities: extract.Capabilities{LastLogin: true, Activity: true, SSO: true, Directory: true}}
)

type rec struct {
	id      string
	payload any
}

// writeStaged stages recs for one instance and entity with a pinned clock.
func writeStaged(t testing.TB, root string, env stage.Envelope, at time.Time, recs []rec) StagedFile {
	t.Helper()
	w, err := stage.Create(root, env, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		b, err := json.Marshal(r.payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Emit(context.Background(), extract.Record{SourceID: r.id, Payload: b}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return StagedFile{Path: p, Connector: env.Connector, ConnectorType: env.ConnectorType,
		Tenant: env.Tenant, Entity: env.Entity, Rows: w.Rows()}
}

type oktaUser struct {
	id, status, login, email, first, last string
	lastLogin                             any
	extra                                 map[string]any
}

func (u oktaUser) rec() rec {
	profile := map[string]any{"login": u.login, "email": u.email, "firstName": u.first, "lastName": u.last,
		"secondEmail": nil, "mobilePhone": nil}
	for k, v := range u.extra {
		profile[k] = v
	}
	return rec{u.id, map[string]any{
		"id": u.id, "status": u.status, "created": "2024-01-02T03:04:05.000Z", "activated": nil,
		"lastLogin": u.lastLogin, "type": map[string]any{"id": "oty1"}, "profile": profile,
		"credentials": map[string]any{"provider": map[string]any{"type": "OKTA", "name": "OKTA"}},
	}}
}

func oktaApp(id, name, label, status, mode string) rec {
	return rec{id, map[string]any{"id": id, "name": name, "label": label, "status": status,
		"signOnMode": mode, "created": "2023-05-06T07:08:09.000Z", "features": []any{}}}
}

func oktaAppUser(app, user, email, status, scope string) rec {
	return rec{app + "/" + user, map[string]any{"id": user, "scope": scope, "status": status,
		"created": "2025-01-10T10:00:00.000Z", "credentials": map[string]any{"userName": email},
		"profile": map[string]any{"email": email}}}
}

func oktaEvent(uuid, published, eventType, actorID, actorLogin, appID, appName, result string) rec {
	targets := []any{map[string]any{"id": "pfd1", "type": "AuthenticatorEnrollment", "alternateId": "unknown", "displayName": "Okta Verify"}}
	if appID != "" {
		targets = append(targets, map[string]any{"id": appID, "type": "AppInstance", "alternateId": appName, "displayName": appName})
	}
	return rec{uuid, map[string]any{"uuid": uuid, "published": published, "eventType": eventType,
		"actor":  map[string]any{"id": actorID, "type": "User", "alternateId": actorLogin, "displayName": actorLogin},
		"target": targets, "outcome": map[string]any{"result": result, "reason": nil}}}
}

// fixture stages a small Okta estate: two instances (okta-main, okta-audit)
// reading one tenant with overlapping and repeated records, a third
// instance on another tenant where one person also has an account, every
// user status, apps, assignments and SSO events inside and outside the
// activity window; and the TestVendor estate (testvendorEstate) with
// subscriptions, license assignments and reported capabilities.
func fixture(t testing.TB, root string) Input {
	t.Helper()
	const acme, sub = "acme.okta.com", "acme-sub.okta.com"
	early := time.Date(2026, 3, 15, 1, 0, 0, 123456000, time.UTC)
	later := early.Add(90 * time.Minute)
	alice := oktaUser{"00u1", "ACTIVE", "alice.smith@acme.example", " Alice.Smith@Acme.example ", "Alice", "Smith", "2026-03-10T08:00:00.000Z",
		map[string]any{"department": "Engineering", "title": "Engineer", "costCenter": "CC-10", "employeeNumber": "1001", "managerId": "00u2", "displayName": "Alice Smith", "userType": "employee"}}
	bob := oktaUser{"00u2", "ACTIVE", "bob.jones@acme.example", "bob.jones@acme.example", "Bob", "Jones", "2025-12-01T09:30:00.000Z",
		map[string]any{"department": "Engineering", "title": "Director", "employeeNumber": "1002"}}
	carol := oktaUser{"00u3", "STAGED", "carol@acme.example", "carol@acme.example", "Carol", "White", nil, nil}
	users := []rec{
		alice.rec(), bob.rec(), carol.rec(),
		oktaUser{"00u4", "PROVISIONED", "dave@acme.example", "dave@acme.example", "Dave", "Brown", nil, nil}.rec(),
		oktaUser{"00u5", "RECOVERY", "erin@acme.example", "erin@acme.example", "Erin", "Green", "2026-02-13T00:00:00.000Z", nil}.rec(),
		oktaUser{"00u6", "PASSWORD_EXPIRED", "frank@acme.example", "frank@acme.example", "Frank", "Black", "2026-02-12T23:59:59.000Z", nil}.rec(),
		oktaUser{"00u7", "LOCKED_OUT", "grace@acme.example", "grace@acme.example", "Grace", "Hall", "2026-03-01T00:00:00.000Z", nil}.rec(),
		oktaUser{"00u8", "SUSPENDED", "heidi@acme.example", "heidi@acme.example", "Heidi", "King", "2025-06-01T00:00:00.000Z", nil}.rec(),
		oktaUser{"00u9", "DEPROVISIONED", "ivan@acme.example", "ivan@acme.example", "Ivan", "Lee", "2024-11-11T11:11:11.000Z", nil}.rec(),
		oktaUser{"00u10", "ACTIVE", "svc-backup", "", "", "", nil, map[string]any{"userType": "service"}}.rec(),
		alice.rec(), // the same record again on a later page
	}
	// okta-audit read the tenant later, after Bob's title changed; its
	// copy is the freshest and wins.
	bobLater := bob
	bobLater.extra = map[string]any{"department": "Engineering", "title": "VP Engineering", "employeeNumber": "1002"}
	auditUsers := []rec{alice.rec(), bobLater.rec(), carol.rec()}
	subUsers := []rec{
		oktaUser{"00us1", "ACTIVE", "alice.smith@acme.example", "alice.smith@acme.example", "Alice", "Smith", nil,
			map[string]any{"department": "Subsidiary Ops", "title": "Advisor"}}.rec(),
		oktaUser{"00us2", "ACTIVE", "judy@sub.example", "judy@sub.example", "Judy", "Moss", nil, nil}.rec(),
	}
	apps := []rec{
		oktaApp("0oa1", "salesforce", "Salesforce", "ACTIVE", "SAML_2_0"),
		oktaApp("0oa2", "slack", "Slack", "ACTIVE", "OPENID_CONNECT"),
		oktaApp("0oa3", "legacy_wiki", "Legacy Wiki", "INACTIVE", "BOOKMARK"),
	}
	assignments := []rec{
		oktaAppUser("0oa1", "00u1", "alice.smith@acme.example", "PROVISIONED", "USER"),
		oktaAppUser("0oa1", "00u2", "bob.jones@acme.example", "PROVISIONED", "GROUP"),
		oktaAppUser("0oa2", "00u1", "alice.smith@acme.example", "ACTIVE", "USER"),
		oktaAppUser("0oa2", "00u5", "erin@acme.example", "ACTIVE", "USER"),
		oktaAppUser("0oa2", "00u99", "ghost@acme.example", "ACTIVE", "USER"), // user not listed
	}
	events := []rec{
		oktaEvent("ev-1", "2026-03-14T10:00:00.000Z", "user.authentication.sso", "00u1", "alice.smith@acme.example", "0oa1", "Salesforce", "SUCCESS"),
		oktaEvent("ev-2", "2026-03-14T23:59:59.999Z", "user.authentication.sso", "00u1", "alice.smith@acme.example", "0oa1", "Salesforce", "SUCCESS"),
		oktaEvent("ev-3", "2026-01-01T12:00:00.000Z", "user.authentication.sso", "00u2", "bob.jones@acme.example", "0oa1", "Salesforce", "SUCCESS"),
		oktaEvent("ev-4", "2026-03-13T07:00:00.000Z", "user.session.start", "00u5", "erin@acme.example", "", "", "SUCCESS"),
		oktaEvent("ev-5", "2026-03-14T11:00:00.000Z", "user.authentication.sso", "00u1", "alice.smith@acme.example", "0oa2", "Slack", "FAILURE"),
		oktaEvent("ev-1", "2026-03-14T10:00:00.000Z", "user.authentication.sso", "00u1", "alice.smith@acme.example", "0oa1", "Salesforce", "SUCCESS"),
	}
	groups := []rec{{"00g1", map[string]any{"id": "00g1", "type": "OKTA_GROUP", "created": "2020-01-01T00:00:00.000Z",
		"lastMembershipUpdated": "2026-01-01T00:00:00.000Z", "profile": map[string]any{"name": "Everyone", "description": "All users"}}}}
	env := func(conn, tenant, entity string) stage.Envelope {
		return stage.Envelope{SnapshotID: "2026-03-15", Connector: conn, ConnectorType: "okta", Tenant: tenant, Entity: entity}
	}
	staged := []StagedFile{
		writeStaged(t, root, env("okta-main", acme, extract.Users), early, users),
		writeStaged(t, root, env("okta-main", acme, extract.Groups), early, groups),
		writeStaged(t, root, env("okta-main", acme, extract.Applications), early, apps),
		writeStaged(t, root, env("okta-main", acme, extract.AppAssignments), early, assignments),
		writeStaged(t, root, env("okta-main", acme, extract.Activity), early, events),
		writeStaged(t, root, env("okta-audit", acme, extract.Users), later, auditUsers),
		writeStaged(t, root, env("okta-audit", acme, extract.Applications), later, apps[:1]),
		writeStaged(t, root, env("okta-audit", acme, extract.AppAssignments), later, assignments[:1]),
		writeStaged(t, root, env("okta-audit", acme, extract.Activity), later, events[:1]),
		writeStaged(t, root, env("okta-sub", sub, extract.Users), early, subUsers),
		writeStaged(t, root, env("okta-sub", sub, extract.Applications), early, []rec{oktaApp("0oa1", "zoomus", "Zoom", "ACTIVE", "SAML_2_0")}),
		writeStaged(t, root, env("okta-sub", sub, extract.AppAssignments), early, []rec{
			oktaAppUser("0oa1", "00us2", "judy@sub.example", "ACTIVE", "USER"),
			oktaAppUser("0oa1", "00us1", "alice.smith@acme.example", "ACTIVE", "USER")}),
		writeStaged(t, root, env("okta-sub", sub, extract.Activity), early, []rec{
			oktaEvent("ev-s1", "2026-03-12T09:00:00.000Z", "user.authentication.sso", "00us2", "judy@sub.example", "0oa1", "Zoom", "SUCCESS")}),
	}
	runs := []ConnectorRun{
		{Connector: "okta-main", ConnectorType: "okta", Tenant: acme, Status: "ok", DataAsOf: early,
			Rows:     map[string]int64{"users": 11, "groups": 1, "applications": 3, "app_assignments": 5, "activity": 6},
			Requests: 12, Throttled: 1, Retries: 1, Duration: 2500 * time.Millisecond},
		{Connector: "okta-audit", ConnectorType: "okta", Tenant: acme, Status: "ok", DataAsOf: later,
			Rows: map[string]int64{"users": 3, "applications": 1, "app_assignments": 1, "activity": 1}, Requests: 5, Duration: time.Second},
		{Connector: "okta-sub", ConnectorType: "okta", Tenant: sub, Status: "failed", Error: fmt.Sprintf("listing okta groups page %d: HTTP 503", 2),
			Rows: map[string]int64{"users": 2}, Requests: 9, Retries: 5, Duration: 30 * time.Second},
	}
	tvStaged, tvRuns := testvendorEstate(t, root)
	return Input{SnapshotID: "2026-03-15", SnapshotDate: fixtureDate, Staged: append(staged, tvStaged...),
		Runs: append(runs, tvRuns...), Types: []TypeInfo{oktaType, testvendorType}, stagingOverlay: testdataStaging}
}

// copyEnv is the envelope of an Okta instance's entity in the tests of
// which copy of a record is kept.
func copyEnv(conn, entity string) stage.Envelope {
	return stage.Envelope{SnapshotID: "s", Connector: conn, ConnectorType: "okta", Tenant: "acme.okta.com", Entity: entity}
}

// threeCopies stages copies of one record of entity by three instances of
// one Okta org, with the user they belong to: a from okta-a at early, b and
// c from okta-b and okta-c an hour later, so a is the older copy from the
// instance first by name.
func threeCopies(t *testing.T, root, entity string, early time.Time, a, b, c rec) []StagedFile {
	t.Helper()
	later := early.Add(time.Hour)
	user := oktaUser{"00u1", "ACTIVE", "ann@acme.example", "ann@acme.example", "Ann", "Archer", nil, nil}.rec()
	return []StagedFile{
		writeStaged(t, root, copyEnv("okta-b", extract.Users), later, []rec{user}),
		writeStaged(t, root, copyEnv("okta-a", entity), early, []rec{a}),
		writeStaged(t, root, copyEnv("okta-b", entity), later, []rec{b}),
		writeStaged(t, root, copyEnv("okta-c", entity), later, []rec{c}),
	}
}
