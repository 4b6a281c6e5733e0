package transform

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/entra"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/microsoft365"
	"github.com/saaspipe/saaspipe/extract/msgraph"
	"github.com/saaspipe/saaspipe/extract/msgraph/graphsim"
	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/synth"
)

var (
	m365Type  = TypeInfo{Name: microsoft365.Type.Name, Vendor: microsoft365.Type.Vendor, Product: microsoft365.Type.Product, Capabilities: microsoft365.Type.Capabilities}
	entraType = TypeInfo{Name: entra.Type.Name, Vendor: entra.Type.Vendor, Product: entra.Type.Product, Capabilities: entra.Type.Capabilities}
)

// mgRawJSON marshals as itself, so writeStaged stages the bytes as
// received.
type mgRawJSON []byte

func (r mgRawJSON) MarshalJSON() ([]byte, error) { return r, nil }

func mgHTTP(o httpx.Options) *http.Client {
	o.BaseBackoff, o.MaxBackoff = time.Millisecond, 10*time.Millisecond
	return httpx.New(o)
}

// mgStage runs every entity of conn and stages its records as instance
// name.
func mgStage(t *testing.T, root, name, typ string, conn extract.Connector) []StagedFile {
	t.Helper()
	var out []StagedFile
	for _, e := range conn.Entities() {
		var recs []rec
		_, err := e.Fetch(context.Background(), "", extract.SinkFunc(func(_ context.Context, r extract.Record) error {
			recs = append(recs, rec{r.SourceID, mgRawJSON(bytes.Clone(r.Payload))})
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

// mgChecks runs each query, which yields one value, and compares it.
func mgChecks(t *testing.T, db *DB, checks [][2]string) {
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

func msgraphSample(t *testing.T, name string) []byte {
	t.Helper()
	dir := "../../shared/vendor-samples/msgraph"
	if _, err := os.Stat(dir); err != nil {
		dir = "/work/shared/vendor-samples/msgraph"
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleValue returns the records of a published Graph listing.
func sampleValue(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	p, err := msgraph.DecodePage(msgraphSample(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p.Value
}

func recOf(t *testing.T, raw json.RawMessage) rec {
	t.Helper()
	id, err := msgraph.RecordString(raw, "id")
	if err != nil {
		t.Fatal(err)
	}
	return rec{id, mgRawJSON(raw)}
}

// TestMsgraphSamples feeds Graph's published examples, and records written
// in their shape for what the examples leave out (licenses, sign-in
// activity and its 0001-01-01 sentinel, managers, report rows with real and
// concealed names), through the staging SQL of both connector types.
func TestMsgraphSamples(t *testing.T) {
	const tenant = "48a80680-7326-48cd-9935-b556b81d3a4e"
	const e5, crm = "c7df2760-2c81-4ef7-b578-5b5392b571df", "d17b27af-3f49-4822-99f9-56a661538792"
	root := t.TempDir()
	stageAs := func(typ, entity string, recs []rec) StagedFile {
		env := stage.Envelope{SnapshotID: "samples", Connector: typ + "-samples", ConnectorType: typ, Tenant: tenant, Entity: entity}
		return writeStaged(t, root, env, fixtureDate, recs)
	}

	var users []rec
	for _, u := range sampleValue(t, "users-list.json") {
		users = append(users, recOf(t, u))
	}
	users = append(users,
		rec{"u-ann", map[string]any{"id": "u-ann", "userPrincipalName": "Ann.Lee@Contoso.com", "mail": "ann.lee@contoso.com",
			"accountEnabled": true, "userType": "Member", "createdDateTime": "2024-01-02T03:04:05Z",
			"proxyAddresses":   []string{"SMTP:ann.lee@contoso.com", "smtp:Ann@Contoso-UK.com", "X500:/o=ExchangeLabs/cn=Recipients/cn=ann"},
			"otherMails":       []string{"ann@gmail.example"},
			"assignedLicenses": []any{map[string]any{"disabledPlans": []string{}, "skuId": e5}, map[string]any{"disabledPlans": []string{}, "skuId": crm}},
			"licenseAssignmentStates": []any{
				map[string]any{"assignedByGroup": "g-e5", "disabledPlans": []string{}, "error": "None", "skuId": e5, "state": "Active", "lastUpdatedDateTime": "2025-01-01T00:00:00Z"},
				map[string]any{"assignedByGroup": nil, "disabledPlans": []string{}, "error": "None", "skuId": e5, "state": "Active", "lastUpdatedDateTime": "2025-01-01T00:00:00Z"},
				map[string]any{"assignedByGroup": "g-crm", "disabledPlans": []string{}, "error": "CountViolation", "skuId": crm, "state": "ActiveWithError", "lastUpdatedDateTime": "2025-01-01T00:00:00Z"},
			},
			"signInActivity": map[string]any{"lastSignInDateTime": "2026-03-10T08:00:00Z", "lastNonInteractiveSignInDateTime": "2026-03-14T09:00:00Z", "lastSuccessfulSignInDateTime": "2026-03-10T08:00:00Z"}}},
		rec{"u-never", map[string]any{"id": "u-never", "userPrincipalName": "never@contoso.com", "mail": "never@contoso.com", "accountEnabled": false,
			"userType": "Member", "createdDateTime": "2025-06-01T00:00:00Z", "proxyAddresses": []string{}, "otherMails": []string{},
			"assignedLicenses": []any{map[string]any{"skuId": e5}},
			"signInActivity":   map[string]any{"lastSignInDateTime": "0001-01-01T00:00:00Z", "lastNonInteractiveSignInDateTime": "0001-01-01T00:00:00Z", "lastSuccessfulSignInDateTime": nil}}},
	)
	var skus []rec
	for _, s := range sampleValue(t, "subscribedSkus-list.json") {
		id, err := msgraph.RecordString(s, "skuId")
		if err != nil {
			t.Fatal(err)
		}
		skus = append(skus, rec{id, mgRawJSON(s)})
	}
	// The published report sample is its header; rows follow it as the
	// connector reads them.
	header := strings.TrimSpace(string(msgraphSample(t, "reports-getOffice365ActiveUserDetail-D7.csv")))
	csv := "\ufeff" + header + "\r\n" +
		"2026-03-14,Ann.Lee@contoso.com,Ann Lee,False,,True,True,True,False,False,True,2026-03-13,,,,,2026-03-12,2024-01-02,2024-01-02,2024-01-02,,,2024-01-02,MICROSOFT 365 E5\r\n" +
		"2026-03-14,0A1B2C3D4E5F60718293A4B5C6D7E8F9,0F9E8D7C6B5A49382716A5B4C3D2E1F0,False,,True,True,True,False,False,True,2026-03-11,,,,,,2024-01-02,,,,,,MICROSOFT 365 E5\r\n" +
		"2026-03-14,idle@contoso.com,Idle,False,,True,True,True,False,False,True,,,,,,,2024-01-02,,,,,,OFFICE 365 E3\r\n" +
		"2026-03-14,Ann.Lee@contoso.com,Ann Lee (old),True,2025-12-01,True,False,False,False,False,False,2025-11-30,,,,,,2023-01-02,,,,,,\r\n"
	rows, err := msgraph.ReportRows([]byte(csv), "Report Refresh Date", "User Principal Name")
	if err != nil {
		t.Fatal(err)
	}
	var activity []rec
	for _, r := range rows {
		id := r.Get("Report Refresh Date") + "/" + r.Get("User Principal Name")
		if r.Get("Is Deleted") == "True" {
			id += "/deleted/" + r.Get("Deleted Date")
		}
		activity = append(activity, rec{id, mgRawJSON(r.JSON)})
	}

	var entraUsers []rec
	for _, u := range sampleValue(t, "users-list.json") {
		entraUsers = append(entraUsers, recOf(t, u))
	}
	entraUsers = append(entraUsers,
		rec{"e-boss", map[string]any{"id": "e-boss", "userPrincipalName": "boss@contoso.com", "mail": "boss@contoso.com", "accountEnabled": true, "userType": "Member", "employeeType": "Employee",
			"createdDateTime": "2020-01-01T00:00:00Z", "proxyAddresses": []string{"SMTP:boss@contoso.com"}, "otherMails": []string{}}},
		rec{"e-dev", map[string]any{"id": "e-dev", "userPrincipalName": "dev@contoso.com", "mail": "dev@contoso.com", "accountEnabled": true, "userType": "Member", "employeeType": "Contractor",
			"department": "Engineering", "jobTitle": "Developer", "companyName": "Contoso", "employeeId": "C200001", "employeeOrgData": map[string]any{"costCenter": "CC-7", "division": nil},
			"officeLocation": nil, "city": "Oslo", "country": "NO", "createdDateTime": "2024-05-06T07:08:09Z",
			"proxyAddresses": []string{"SMTP:dev@contoso.com", "smtp:d@contoso.com"}, "otherMails": []string{},
			"manager": map[string]any{"@odata.type": "#microsoft.graph.user", "id": "e-boss"}}},
		rec{"e-guest", map[string]any{"id": "e-guest", "userPrincipalName": "pat_partner.example#EXT#@contoso.onmicrosoft.com", "mail": "pat@partner.example",
			"accountEnabled": true, "userType": "Guest", "createdDateTime": "2025-02-03T04:05:06Z", "proxyAddresses": []string{"SMTP:pat@partner.example"}, "otherMails": []string{"pat@partner.example"}}},
	)
	var apps []rec
	for i, sp := range sampleValue(t, "servicePrincipals-list.json") {
		apps = append(apps, rec{"sp-sample-" + strconv.Itoa(i), mgRawJSON(sp)}) // the published example omits its id
	}
	apps = append(apps, rec{"sp-saml", map[string]any{"id": "sp-saml", "appId": "app-saml", "displayName": "Salesforce", "accountEnabled": true,
		"servicePrincipalType": "Application", "preferredSingleSignOnMode": "saml", "tags": []string{"WindowsAzureActiveDirectoryIntegratedApp"}}})
	assignments := []rec{
		{"sp-saml/a1", map[string]any{"id": "a1", "appRoleId": "00000000-0000-0000-0000-000000000000", "createdDateTime": "2025-03-04T05:06:07Z",
			"principalDisplayName": "Dev", "principalId": "e-dev", "principalType": "User", "resourceDisplayName": "Salesforce", "resourceId": "sp-saml"}},
		{"sp-saml/a2", map[string]any{"id": "a2", "appRoleId": "00000000-0000-0000-0000-000000000000", "createdDateTime": "2025-03-04T05:06:07Z",
			"principalDisplayName": "All Employees", "principalId": "g-all", "principalType": "Group", "resourceDisplayName": "Salesforce", "resourceId": "sp-saml"}},
	}
	groups := []rec{
		{"g-team", map[string]any{"id": "g-team", "displayName": "Team Sales", "description": nil, "groupTypes": []string{"Unified"}, "securityEnabled": false, "mailEnabled": true, "createdDateTime": "2023-01-01T00:00:00Z"}},
		{"g-sec", map[string]any{"id": "g-sec", "displayName": "SG-IT", "description": "IT", "groupTypes": []string{}, "securityEnabled": true, "mailEnabled": false, "createdDateTime": "2023-01-02T00:00:00Z"}},
	}

	staged := []StagedFile{
		stageAs("microsoft365", extract.Users, users),
		stageAs("microsoft365", extract.Subscriptions, skus),
		stageAs("microsoft365", extract.Activity, activity),
		stageAs("entra", extract.Users, entraUsers),
		stageAs("entra", extract.Groups, groups),
		stageAs("entra", extract.Applications, apps),
		stageAs("entra", extract.AppAssignments, assignments),
	}
	db := openDB(t)
	if _, err := db.Run(context.Background(), Input{SnapshotID: "samples", SnapshotDate: fixtureDate, Staged: staged, Types: []TypeInfo{m365Type, entraType}}); err != nil {
		t.Fatal(err)
	}
	mgChecks(t, db, [][2]string{
		{`SELECT login || ' ' || coalesce(email, '∅') || ' ' || display_name || ' ' || status FROM stg_microsoft365__users WHERE source_id = '6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0'`,
			"Adams@contoso.com Adams@contoso.com Conf Room Adams unknown"},
		{`SELECT login || ' ' || coalesce(email, '∅') || ' ' || first_name || ' ' || last_name FROM stg_microsoft365__users WHERE source_id = '4562bcc8-c436-4f95-b7c0-4f8ce89dca5e'`,
			"admin@contoso.com ∅ MOD Administrator"},
		{`SELECT CAST(last_login_at AS VARCHAR) || ' ' || CAST(last_activity_at AS VARCHAR) || ' ' || status || ' ' || CAST(aliases AS VARCHAR) FROM stg_microsoft365__users WHERE source_id = 'u-ann'`,
			"2026-03-10 08:00:00+00 2026-03-14 09:00:00+00 active [ann@contoso-uk.com, ann@gmail.example]"},
		// 0001-01-01 is never, not the year 1.
		{`SELECT coalesce(CAST(last_login_at AS VARCHAR), 'never') || ' ' || coalesce(CAST(last_activity_at AS VARCHAR), 'never') || ' ' || status || ' ' || vendor_status FROM stg_microsoft365__users WHERE source_id = 'u-never'`,
			"never never suspended disabled"},
		{`SELECT string_agg(name, ', ' ORDER BY sku) FROM stg_microsoft365__subscriptions`, "Microsoft Dynamics CRM Online, Office 365 E5"},
		{`SELECT string_agg(sku || ' ' || status || ' ' || purchased_units || ' ' || suspended_units || ' ' || assigned_units, ', ' ORDER BY sku) FROM stg_microsoft365__subscriptions`,
			"CRMSTANDARD suspended 0 25 14, ENTERPRISEPREMIUM enabled 25 0 14"},
		{`SELECT string_agg(source_id || ' ' || assignment_type || ' ' || coalesce(status, '∅'), ', ' ORDER BY source_id) FROM stg_microsoft365__license_assignments`,
			"u-ann/" + e5 + " direct active, u-ann/" + crm + " group activewitherror, u-never/" + e5 + " direct ∅"},
		{`SELECT string_agg(event_type || ' ' || CAST(occurred_at AS VARCHAR) || ' ' || coalesce(account_source_id, '∅') || ' ' || coalesce(actor_login, '∅'), ', ' ORDER BY occurred_at, event_type) FROM stg_microsoft365__activity`,
			"exchange 2025-11-30 00:00:00+00 ∅ Ann.Lee@contoso.com, exchange 2026-03-11 00:00:00+00 ∅ ∅, teams 2026-03-12 00:00:00+00 u-ann Ann.Lee@contoso.com, exchange 2026-03-13 00:00:00+00 u-ann Ann.Lee@contoso.com"},
		{`SELECT count(DISTINCT source_id) || ' ' || count(*) FROM stg_microsoft365__activity`, "4 4"},
		{`SELECT string_agg(source_id || ' ' || coalesce(manager_source_id, '∅') || ' ' || user_type || ' ' || coalesce(cost_center, '∅') || ' ' || coalesce(office_location, '∅') || ' ' || CAST(aliases AS VARCHAR), ', ' ORDER BY source_id) FROM stg_entra__users WHERE source_id LIKE 'e-%'`,
			"e-boss ∅ employee ∅ ∅ [], e-dev e-boss contractor CC-7 Oslo [d@contoso.com], e-guest ∅ guest ∅ ∅ [pat_partner.example#ext#@contoso.onmicrosoft.com]"},
		{`SELECT string_agg(name || ' ' || group_type, ', ' ORDER BY name) FROM stg_entra__groups`, "SG-IT security, Team Sales microsoft365"},
		{`SELECT string_agg(name || ' ' || status || ' ' || coalesce(sign_on_mode, '∅') || ' ' || coalesce(app_key, '∅'), ', ' ORDER BY name) FROM stg_entra__applications`,
			"Salesforce active saml app-saml, amasf active ∅ ∅"},
		{`SELECT string_agg(scope || ' ' || coalesce(account_source_id, '∅') || ' ' || application_source_id, ', ' ORDER BY scope) FROM stg_entra__app_assignments`,
			"group ∅ sp-saml, user e-dev sp-saml"},
		{`SELECT count(*) FROM accounts WHERE connector_type = 'microsoft365'`, "4"},
		{`SELECT activity_status FROM accounts WHERE connector_type = 'microsoft365' AND source_id = 'u-ann'`, "active"},
	})
}

// TestMsgraphSimulatedTenants runs both connector types against the
// simulated tenants, with two microsoft365 instances reading the main
// tenant, through the transform: every account, license and event counts
// once, concealed report rows join no account, and the tenant without
// premium is not_monitored rather than inactive.
func TestMsgraphSimulatedTenants(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 21, People: 200, Date: fixtureDate})
	s := graphsim.New(org, graphsim.Options{Tenants: []graphsim.Tenant{graphsim.MainTenant(org), graphsim.SubsidiaryTenant(org)}})
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	main, sub := s.TenantIDs()[0], s.TenantIDs()[1]
	root := t.TempDir()
	var staged []StagedFile
	var runs []ConnectorRun
	add := func(name string, typ extract.Type, tenant string, pageSize int) {
		id, secret := s.Credentials(tenant)
		caps := map[string]extract.CapabilityState{}
		env := extract.Env{HTTP: mgHTTP, Capability: func(n string, ok bool, reason string) {
			caps[n] = extract.CapabilityState{Available: ok, Reason: reason}
		}}
		conn, err := typ.New(extract.Instance{Name: name, Type: typ.Name, Settings: extract.Settings{"tenant_id": tenant, "client_id": id, "client_secret": secret,
			"graph_url": base, "login_url": base, "allow_http": true, "page_size": pageSize}}, env)
		if err != nil {
			t.Fatal(err)
		}
		staged = append(staged, mgStage(t, root, name, typ.Name, conn)...)
		runs = append(runs, ConnectorRun{Connector: name, ConnectorType: typ.Name, Tenant: tenant, Status: "ok", Capabilities: caps})
	}
	add("entra-directory", entra.Type, main, 999)
	add("m365-acme", microsoft365.Type, main, 120)
	add("m365-acme-again", microsoft365.Type, main, 50)
	add("m365-acme-uk", microsoft365.Type, sub, 999)
	if u := s.Unexpected(); len(u) > 0 {
		t.Fatalf("unexpected requests: %v", u)
	}
	db := openDB(t)
	if _, err := db.Run(context.Background(), Input{SnapshotID: "sim", SnapshotDate: fixtureDate, Staged: staged, Runs: runs, Types: []TypeInfo{m365Type, entraType}}); err != nil {
		t.Fatal(err)
	}
	n := func(entity string, tenant string) string { return strconv.Itoa(len(s.Expected(tenant, entity))) }
	mgChecks(t, db, [][2]string{
		{`SELECT count(*) FROM accounts WHERE connector_type = 'microsoft365' AND tenant = '` + main + `'`, n("users", main)},
		{`SELECT count(*) FROM accounts WHERE connector_type = 'entra'`, n("users", main)},
		{`SELECT count(*) FROM accounts WHERE connector_type = 'microsoft365' AND tenant = '` + sub + `'`, n("users", sub)},
		{`SELECT count(DISTINCT source_id) FROM stg_microsoft365__license_assignments WHERE tenant = '` + main + `'`, n("license_assignments", main)},
		{`SELECT count(*) FROM (SELECT DISTINCT tenant, source_id FROM stg_microsoft365__subscriptions)`, strconv.Itoa(len(s.Expected(main, "subscriptions")) + len(s.Expected(sub, "subscriptions")))},
		{`SELECT count(*) FROM stg_microsoft365__activity WHERE tenant = '` + sub + `' AND account_source_id IS NOT NULL`, "0"},
		{`SELECT count(*) > 0 FROM stg_microsoft365__activity WHERE tenant = '` + sub + `'`, "true"},
		{`SELECT count(*) = count(account_source_id) FROM stg_microsoft365__activity WHERE tenant = '` + main + `' AND connector = 'm365-acme'`, "true"},
		{`SELECT string_agg(DISTINCT activity_status, ',') FROM accounts WHERE connector_type = 'microsoft365' AND tenant = '` + sub + `'`, "not_monitored"},
		{`SELECT count(*) > 0 FROM accounts WHERE connector_type = 'microsoft365' AND tenant = '` + main + `' AND activity_status = 'active'`, "true"},
		{`SELECT count(*) FROM stg_entra__app_assignments WHERE tenant = '` + main + `'`, n("app_assignments", main)},
		{`SELECT count(*) > 0 FROM people WHERE org_source = 'entra'`, "true"},
		// Entra outranks Microsoft 365 for the organisational attributes of
		// everyone it knows.
		{`SELECT count(*) FROM people AS p WHERE p.org_source <> 'entra' AND EXISTS (
			SELECT 1 FROM accounts AS a WHERE a.person_id = p.person_id AND a.connector_type = 'entra')`, "0"},
	})
}
