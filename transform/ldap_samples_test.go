package transform

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/ldap"
	"github.com/saaspipe/saaspipe/extract/ldap/ldapsim"
	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/synth"
)

var ldapType = TypeInfo{Name: "ldap", Vendor: "Microsoft", Product: "Active Directory",
	Capabilities: extract.Capabilities{Directory: true, LastLogin: true}}

// adUser builds a users record in the shape extract/ldap emits (see its
// package doc): raw attributes plus the mapped AD view the SQL reads.
func adUser(guid, dn string, mapped map[string]any) rec {
	m := map[string]any{"objectGUID": guid, "ouPath": "People/Sales", "inLeaverOU": false}
	for k, v := range mapped {
		m[k] = v
	}
	return rec{guid, map[string]any{"dn": dn, "attributes": map[string]any{"cn": []string{dn[3:strings.Index(dn, ",")]}},
		"binary": []string{"objectGUID"}, "mapped": m}}
}

// TestLDAPStaging maps hand-built AD entries through sql/staging/ldap__*.sql
// and core: e-mail from mail or the SMTP: primary, aliases, every status
// rule, is_admin, and the manager's objectGUID joined to the manager's
// person.
func TestLDAPStaging(t *testing.T) {
	const (
		ann, bo, cy, di, ed, fay, gus, hal = "a0000000-0000-4000-8000-000000000001", "b0000000-0000-4000-8000-000000000002",
			"c0000000-0000-4000-8000-000000000003", "d0000000-0000-4000-8000-000000000004", "e0000000-0000-4000-8000-000000000005",
			"f0000000-0000-4000-8000-000000000006", "00000000-0000-4000-8000-000000000007", "10000000-0000-4000-8000-000000000008"
	)
	at := time.Date(2026, 3, 15, 6, 0, 0, 0, time.UTC)
	users := []rec{
		// Ann's UPN equals her mail but for case, so it is no alias; X500:
		// proxy addresses are not e-mail.
		adUser(ann, "CN=Ann Lee,OU=Sales,OU=People,DC=corp,DC=example", map[string]any{
			"sAMAccountName": "ann.lee", "userPrincipalName": "ann.lee@corp.example", "mail": "Ann.Lee@corp.example",
			"proxyAddresses": []string{"SMTP:Ann.Lee@corp.example", "smtp:al@corp.example", "smtp:ann@acme-uk.example", "X500:/o=corp"},
			"givenName":      "Ann", "sn": "Lee", "displayName": "Ann Lee", "department": "Sales", "title": "Account Executive",
			"company": "Corp Inc", "employeeID": "E1", "employeeType": "Employee", "c": "GB", "co": "United Kingdom",
			"physicalDeliveryOfficeName": "London", "userAccountControl": 512, "accountExpires": nil, "lockoutTime": nil,
			"whenCreated": "2024-01-02T03:04:05Z", "lastLogonTimestamp": "2026-03-10T08:00:00.1234567Z",
			"manager": "CN=Bo Chan,OU=Sales,OU=People,DC=corp,DC=example", "managerObjectGUID": bo}),
		adUser(bo, "CN=Bo Chan,OU=Sales,OU=People,DC=corp,DC=example", map[string]any{
			"sAMAccountName": "bo.chan", "mail": "bo.chan@corp.example", "userAccountControl": 66048, "adminCount": 1,
			"accountExpires": "2027-01-01T00:00:00Z", "whenCreated": "2020-01-02T03:04:05Z"}),
		// No mail attribute: the address is the SMTP: primary.
		adUser(cy, "CN=Cy Ng,OU=Sales,OU=People,DC=corp,DC=example", map[string]any{
			"sAMAccountName": "cy.ng", "userPrincipalName": "cy.ng@corp.example",
			"proxyAddresses":     []string{"smtp:cy@corp.example", "SMTP:cy.ng@corp.example"},
			"userAccountControl": 512, "lockoutTime": "2026-03-14T22:00:00Z", "whenCreated": "2021-01-02T03:04:05Z"}),
		adUser(di, "CN=Di Ro,OU=Leavers,DC=corp,DC=example", map[string]any{
			"sAMAccountName": "di.ro", "mail": "di.ro@corp.example", "userAccountControl": 514, "inLeaverOU": true,
			"accountExpires": "2026-01-31T00:00:00Z", "whenCreated": "2019-01-02T03:04:05Z"}),
		adUser(ed, "CN=Ed Po,OU=Sales,OU=People,DC=corp,DC=example", map[string]any{
			"sAMAccountName": "ed.po", "mail": "ed.po@corp.example", "userAccountControl": 514,
			"lockoutTime": "2026-03-01T00:00:00Z", "whenCreated": "2019-01-02T03:04:05Z"}),
		// Expired an hour before the directory was read, still enabled.
		adUser(fay, "CN=Fay Wu,OU=Contractors,OU=People,DC=corp,DC=example", map[string]any{
			"sAMAccountName": "fay.wu", "mail": "fay.wu@corp.example", "userAccountControl": 512, "employeeType": "Contractor",
			"accountExpires": "2026-03-15T05:00:00Z", "whenCreated": "2025-01-02T03:04:05Z"}),
		// Expires an hour after the read.
		adUser(gus, "CN=Gus Oh,OU=Contractors,OU=People,DC=corp,DC=example", map[string]any{
			"sAMAccountName": "gus.oh", "mail": "gus.oh@corp.example", "userAccountControl": 512, "employeeType": "Contractor",
			"accountExpires": "2026-03-15T07:00:00Z", "whenCreated": "2025-01-02T03:04:05Z"}),
		// An OpenLDAP entry read through attribute_map: no userAccountControl.
		adUser(hal, "cn=Hal Yu,ou=People,dc=corp,dc=example", map[string]any{
			"sAMAccountName": "hal", "mail": "hal.yu@corp.example", "ouPath": "People", "whenCreated": "2025-06-01T00:00:00Z"}),
	}
	groups := []rec{
		{"9a000000-0000-4000-8000-000000000001", map[string]any{"dn": "CN=Sales,OU=Groups,DC=corp,DC=example", "mapped": map[string]any{
			"objectGUID": "9a000000-0000-4000-8000-000000000001", "cn": "Sales", "description": "Sales staff",
			"groupType": -2147483646, "whenCreated": "2015-01-01T00:00:00Z"}}},
		{"9a000000-0000-4000-8000-000000000002", map[string]any{"dn": "CN=All,OU=Groups,DC=corp,DC=example", "mapped": map[string]any{
			"objectGUID": "9a000000-0000-4000-8000-000000000002", "sAMAccountName": "All", "groupType": 8}}},
	}
	root := t.TempDir()
	env := func(entity string) stage.Envelope {
		return stage.Envelope{SnapshotID: "2026-03-15", Connector: "ad", ConnectorType: "ldap", Tenant: "dc=corp,dc=example", Entity: entity}
	}
	in := Input{SnapshotID: "2026-03-15", SnapshotDate: fixtureDate, Types: []TypeInfo{ldapType},
		Staged: []StagedFile{writeStaged(t, root, env(extract.Users), at, users), writeStaged(t, root, env(extract.Groups), at, groups)}}
	db := openDB(t)
	if _, err := db.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		id, want string
	}{
		// login | email | status | vendor_status | is_admin | aliases | manager | user_type | organization | country | office | created | last login
		{ann, "ann.lee|Ann.Lee@corp.example|active|enabled|false|[al@corp.example, ann@acme-uk.example]|" + bo + "|employee|Corp Inc|GB|London|2024-01-02 03:04:05+00|2026-03-10 08:00:00.123456+00"},
		{bo, "bo.chan|bo.chan@corp.example|active|enabled|true|[]|∅|∅|People/Sales|∅|∅|2020-01-02 03:04:05+00|∅"},
		{cy, "cy.ng|cy.ng@corp.example|locked|locked|false|[cy@corp.example]|∅|∅|People/Sales|∅|∅|2021-01-02 03:04:05+00|∅"},
		{di, "di.ro|di.ro@corp.example|deprovisioned|disabled,expired,leaver_ou|false|[]|∅|∅|People/Sales|∅|∅|2019-01-02 03:04:05+00|∅"},
		{ed, "ed.po|ed.po@corp.example|suspended|disabled,locked|false|[]|∅|∅|People/Sales|∅|∅|2019-01-02 03:04:05+00|∅"},
		{fay, "fay.wu|fay.wu@corp.example|suspended|expired|false|[]|∅|contractor|People/Sales|∅|∅|2025-01-02 03:04:05+00|∅"},
		{gus, "gus.oh|gus.oh@corp.example|active|enabled|false|[]|∅|contractor|People/Sales|∅|∅|2025-01-02 03:04:05+00|∅"},
		{hal, "hal|hal.yu@corp.example|active|enabled|∅|[]|∅|∅|People|∅|∅|2025-06-01 00:00:00+00|∅"},
	}
	for _, tt := range tests {
		var got string
		err := db.SQL().QueryRow(`SELECT concat_ws('|', login, email, status, vendor_status, coalesce(CAST(is_admin AS VARCHAR), '∅'),
			CAST(aliases AS VARCHAR), coalesce(manager_source_id, '∅'), coalesce(user_type, '∅'), coalesce(organization, '∅'),
			coalesce(country, '∅'), coalesce(office_location, '∅'), CAST(created_at AS VARCHAR), coalesce(CAST(last_login_at AS VARCHAR), '∅'))
			FROM stg_ldap__users WHERE source_id = ?`, tt.id).Scan(&got)
		if err != nil {
			t.Fatalf("%s: %v", tt.id, err)
		}
		if got != tt.want {
			t.Errorf("user %s\n got %s\nwant %s", tt.id, got, tt.want)
		}
	}

	var groupsGot string
	if err := db.SQL().QueryRow(`SELECT string_agg(concat_ws('|', name, coalesce(description, '∅'), group_type, coalesce(CAST(created_at AS VARCHAR), '∅')), ';' ORDER BY source_id) FROM stg_ldap__groups`).Scan(&groupsGot); err != nil {
		t.Fatal(err)
	}
	if want := "Sales|Sales staff|security_global|2015-01-01 00:00:00+00;All|∅|distribution_universal|∅"; groupsGot != want {
		t.Errorf("groups\n got %s\nwant %s", groupsGot, want)
	}

	// The manager's objectGUID is the manager's source_id, so core resolves
	// Ann's manager to Bo's person.
	var annManager, boPerson string
	if err := db.SQL().QueryRow(`SELECT p.manager_person_id FROM people p JOIN accounts a USING (person_id) WHERE a.source_id = ?`, ann).Scan(&annManager); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow(`SELECT person_id FROM accounts WHERE source_id = ?`, bo).Scan(&boPerson); err != nil {
		t.Fatal(err)
	}
	if annManager == "" || annManager != boPerson {
		t.Errorf("Ann's manager_person_id = %q, want Bo's person %q", annManager, boPerson)
	}
}

// TestLDAPSimulatedDomain reads a real slapd holding the synthetic org
// through the connector, stages the records as the pipeline would, and
// scores the staging SQL and core against the simulator's truth: every
// user's status, manager_source_id, and people.manager_person_id.
func TestLDAPSimulatedDomain(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 11, People: 600, Date: fixtureDate})
	s, err := ldapsim.Start(org, ldapsim.Options{})
	if errors.Is(err, ldapsim.ErrNoSlapd) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true makes the tests against a real LDAP server mandatory)", err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c, err := ldap.New(extract.Instance{Name: "ad", Type: "ldap", Settings: extract.Settings{
		"url": s.URL(), "allow_insecure": true, "bind_dn": s.BindDN(), "bind_password": s.Password(),
		"base_dn": s.BaseDN(), "page_size": 100,
	}}, extract.Env{})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	var staged []StagedFile
	for _, e := range c.Entities() {
		// The directory is read at the end of the org's snapshot day, the
		// moment its truth describes.
		w, err := stage.Create(root, stage.Envelope{SnapshotID: "2026-03-15", Connector: "ad", ConnectorType: "ldap",
			Tenant: c.Tenant(), Entity: e.Name}, org.End)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Fetch(context.Background(), "", w); err != nil {
			t.Fatal(err)
		}
		p, err := w.Commit()
		if err != nil {
			t.Fatal(err)
		}
		staged = append(staged, StagedFile{Path: p, Connector: "ad", ConnectorType: "ldap", Tenant: c.Tenant(), Entity: e.Name, Rows: w.Rows()})
	}
	db := openDB(t)
	if _, err := db.Run(context.Background(), Input{SnapshotID: "2026-03-15", SnapshotDate: fixtureDate, Staged: staged, Types: []TypeInfo{ldapType}}); err != nil {
		t.Fatal(err)
	}

	type row struct{ status, manager, person, managerPerson string }
	got := map[string]row{}
	rows, err := db.SQL().Query(`SELECT u.source_id, u.status, coalesce(u.manager_source_id, ''), coalesce(a.person_id, ''), coalesce(p.manager_person_id, '')
		FROM stg_ldap__users u JOIN accounts a USING (connector_type, tenant, source_id) LEFT JOIN people p USING (person_id)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var r row
		if err := rows.Scan(&id, &r.status, &r.manager, &r.person, &r.managerPerson); err != nil {
			t.Fatal(err)
		}
		got[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	users := s.Users()
	if len(got) != len(users) {
		t.Errorf("staged %d users, want %d", len(got), len(users))
	}
	statuses := map[string]int{}
	chains := 0
	for _, u := range users {
		r := got[u.GUID]
		statuses[u.Status]++
		if r.status != u.Status {
			t.Errorf("user %s (%s): status %q, want %q", u.GUID, u.DN, r.status, u.Status)
		}
		if r.manager != u.ManagerGUID {
			t.Errorf("user %s: manager_source_id %q, want %q", u.GUID, r.manager, u.ManagerGUID)
		}
		if u.ManagerGUID == "" || r.person == "" {
			continue
		}
		if want := got[u.ManagerGUID].person; r.managerPerson != want {
			t.Errorf("user %s: manager_person_id %q, want the manager's person %q", u.GUID, r.managerPerson, want)
		}
		chains++
	}
	for _, st := range []string{ldapsim.StatusActive, ldapsim.StatusLocked, ldapsim.StatusSuspended, ldapsim.StatusDeprovisioned} {
		if statuses[st] == 0 {
			t.Errorf("the simulated domain has no %s user; the status checks prove less than they claim", st)
		}
	}
	if chains < len(users)/2 {
		t.Errorf("only %d of %d users have a resolved manager chain", chains, len(users))
	}
	var people int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM people WHERE org_source = 'ldap'`).Scan(&people); err != nil {
		t.Fatal(err)
	}
	if people < len(users)*9/10 {
		t.Errorf("%d people from %d directory users", people, len(users))
	}
}
