package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
)

// benchTypes are the eight vendors of the benchmark with their declared
// capabilities, as the registry declares them.
var benchTypes = []TypeInfo{
	{Name: "okta", Vendor: "Okta", Product: "Workforce Identity Cloud", Capabilities: extract.Capabilities{LastLogin: true, Activity: true, SSO: true, Directory: true}},
	{Name: "ldap", Vendor: "Microsoft", Product: "Active Directory", Capabilities: extract.Capabilities{LastLogin: true, Directory: true}},
	{Name: "entra", Vendor: "Microsoft", Product: "Entra ID", Capabilities: extract.Capabilities{SSO: true, Directory: true}},
	{Name: "microsoft365", Vendor: "Microsoft", Product: "Microsoft 365", Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Directory: true}},
	{Name: "google_workspace", Vendor: "Google", Product: "Workspace", Capabilities: extract.Capabilities{LastLogin: true, Directory: true}},
	{Name: "zoom", Vendor: "Zoom", Product: "Workplace", Capabilities: extract.Capabilities{Licenses: true, LastLogin: true}},
	{Name: "salesforce", Vendor: "Salesforce", Product: "Sales Cloud", Capabilities: extract.Capabilities{LastLogin: true}},
	{Name: "slack", Vendor: "Slack", Product: "Slack", Capabilities: extract.Capabilities{Licenses: true, LastLogin: true}},
}

// benchPerson renders person i of a synthetic org the way each vendor's
// API would: the same identifiers with the noise real estates have (a
// tenth of Slack addresses in capitals, a tenth of Zoom addresses with a
// +tag, a tenth of Salesforce users at the acquired domain).
type benchPerson struct {
	i                        int
	first, last, local, mail string
	emp, dept                string
	lastLogin                string
}

func newBenchPerson(i int, snapshot time.Time) benchPerson {
	first, last := fmt.Sprintf("Given%d", i%977), fmt.Sprintf("Family%d", i/977)
	local := strings.ToLower(first + "." + last)
	return benchPerson{i: i, first: first, last: last, local: local, mail: local + "@acme.example",
		emp: fmt.Sprintf("E%07d", i), dept: fmt.Sprintf("Dept%d", i%23),
		lastLogin: snapshot.Add(-time.Duration(i%90*24+3) * time.Hour).Format(time.RFC3339)}
}

// benchStage writes the staged files of the benchmark estate under root.
func benchStage(b *testing.B, root string, people int, snapshot time.Time) []StagedFile {
	b.Helper()
	at := snapshot.Add(2 * time.Hour)
	var files []StagedFile
	write := func(conn, typ, tenant, entity string, n int, rec func(k int) (string, any, bool)) {
		w, err := stage.Create(root, stage.Envelope{SnapshotID: "2026-03-15", Connector: conn, ConnectorType: typ, Tenant: tenant, Entity: entity},
			func() time.Time { return at })
		if err != nil {
			b.Fatal(err)
		}
		for k := range n {
			id, payload, ok := rec(k)
			if !ok {
				continue
			}
			body, err := json.Marshal(payload)
			if err != nil {
				b.Fatal(err)
			}
			if err := w.Emit(context.Background(), extract.Record{SourceID: id, Payload: body}); err != nil {
				b.Fatal(err)
			}
		}
		p, err := w.Commit()
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, StagedFile{Path: p, Connector: conn, ConnectorType: typ, Tenant: tenant, Entity: entity, Rows: w.Rows()})
	}
	ps := make([]benchPerson, people)
	for i := range ps {
		ps[i] = newBenchPerson(i, snapshot)
	}
	okta := func(k int) (string, any, bool) {
		p := ps[k]
		return fmt.Sprintf("00u%07d", k), map[string]any{"status": "ACTIVE", "created": "2024-01-01T00:00:00.000Z", "lastLogin": p.lastLogin,
			"profile": map[string]any{"login": p.mail, "email": p.mail, "secondEmail": p.local + "@acme-uk.example", "firstName": p.first, "lastName": p.last,
				"displayName": p.first + " " + p.last, "department": p.dept, "employeeNumber": p.emp, "title": "Engineer", "userType": "Employee"}}, true
	}
	// Two instances read the Okta org: every account twice, published once.
	write("okta-main", "okta", "acme.okta.com", extract.Users, people, okta)
	write("okta-audit", "okta", "acme.okta.com", extract.Users, people, okta)
	write("okta-main", "okta", "acme.okta.com", extract.Applications, 3, func(k int) (string, any, bool) {
		names := [][2]string{{"slack", "Slack"}, {"zoomus", "Zoom"}, {"salesforce", "Salesforce"}}
		return fmt.Sprintf("0oa%d", k), map[string]any{"name": names[k][0], "label": names[k][1], "status": "ACTIVE", "signOnMode": "SAML_2_0", "created": "2023-01-01T00:00:00.000Z"}, true
	})
	write("okta-main", "okta", "acme.okta.com", extract.Activity, people, func(k int) (string, any, bool) {
		return fmt.Sprintf("ev%07d", k), map[string]any{"eventType": "user.authentication.sso", "published": snapshot.Add(-time.Duration(k%40*24) * time.Hour).Format(time.RFC3339),
			"actor": map[string]any{"id": fmt.Sprintf("00u%07d", k), "alternateId": ps[k].mail}, "outcome": map[string]any{"result": "SUCCESS"},
			"target": []any{map[string]any{"type": "AppInstance", "id": fmt.Sprintf("0oa%d", k%3), "displayName": "app"}}}, true
	})
	write("ad", "ldap", "dc=acme,dc=example", extract.Users, people, func(k int) (string, any, bool) {
		p := ps[k]
		return fmt.Sprintf("guid-%07d", k), map[string]any{"mapped": map[string]any{"sAMAccountName": p.local, "userPrincipalName": p.mail, "mail": p.mail,
			"proxyAddresses": []string{"SMTP:" + p.mail, "smtp:" + p.local + "@acme-uk.example"}, "givenName": p.first, "sn": p.last, "displayName": p.first + " " + p.last,
			"employeeID": p.emp, "department": p.dept, "userAccountControl": 512, "whenCreated": "2024-01-01T00:00:00Z", "lastLogonTimestamp": p.lastLogin}}, true
	})
	graph := func(withLicenses bool) func(k int) (string, any, bool) {
		return func(k int) (string, any, bool) {
			p := ps[k]
			u := map[string]any{"id": fmt.Sprintf("0000%04d-0000-0000-0000-%012d", k%10000, k), "userPrincipalName": p.mail, "mail": p.mail,
				"proxyAddresses": []string{"SMTP:" + p.mail}, "otherMails": []string{}, "accountEnabled": k%50 != 0, "givenName": p.first, "surname": p.last,
				"displayName": p.first + " " + p.last, "employeeId": p.emp, "department": p.dept, "userType": "Member", "createdDateTime": "2024-01-01T00:00:00Z"}
			if withLicenses {
				u["assignedLicenses"] = []any{map[string]any{"skuId": "sku-e3"}}
				u["signInActivity"] = map[string]any{"lastSignInDateTime": p.lastLogin}
			}
			return u["id"].(string), u, true
		}
	}
	write("entra", "entra", "tenant-1", extract.Users, people, graph(false))
	write("m365", "microsoft365", "tenant-1", extract.Users, people, graph(true))
	write("m365", "microsoft365", "tenant-1", extract.Subscriptions, 1, func(int) (string, any, bool) {
		return "sku-e3", map[string]any{"skuPartNumber": "ENTERPRISEPACK", "capabilityStatus": "Enabled", "consumedUnits": people,
			"prepaidUnits": map[string]any{"enabled": people + people/10, "suspended": 0, "warning": 0, "lockedOut": 0}}, true
	})
	write("google", "google_workspace", "C01", extract.Users, people, func(k int) (string, any, bool) {
		p := ps[k]
		return fmt.Sprintf("1%011d", k), map[string]any{"primaryEmail": p.mail, "aliases": []string{p.local + "@acme-uk.example"}, "suspended": false, "archived": false,
			"name": map[string]any{"givenName": p.first, "familyName": p.last, "fullName": p.first + " " + p.last}, "creationTime": "2024-01-01T00:00:00.000Z",
			"lastLoginTime": p.lastLogin, "isAdmin": false}, true
	})
	write("zoom", "zoom", "zoom-acct", extract.Users, people, func(k int) (string, any, bool) {
		p := ps[k]
		mail := p.mail
		if k%10 == 3 {
			mail = p.local + "+zoom@acme.example"
		}
		return fmt.Sprintf("z%07d", k), map[string]any{"email": mail, "first_name": p.first, "last_name": p.last, "display_name": p.first + " " + p.last,
			"type": 1 + k%2, "status": "active", "role_id": "2", "user_created_at": "2024-01-01T00:00:00Z", "last_login_time": p.lastLogin, "employee_unique_id": p.emp}, true
	})
	write("zoom", "zoom", "zoom-acct", extract.Subscriptions, 1, func(int) (string, any, bool) {
		return "plan_base", map[string]any{"type": "monthly", "hosts": people, "usage": people / 2}, true
	})
	write("salesforce", "salesforce", "00D000", extract.Users, people, func(k int) (string, any, bool) {
		p := ps[k]
		mail := p.mail
		if k%10 == 4 {
			mail = p.local + "@acme-uk.example"
		}
		return fmt.Sprintf("005%07d", k), map[string]any{"Username": mail, "Email": mail, "FederationIdentifier": mail, "FirstName": p.first, "LastName": p.last,
			"Name": p.first + " " + p.last, "IsActive": true, "UserType": "Standard", "LastLoginDate": p.lastLogin, "CreatedDate": "2024-01-01T00:00:00.000+0000",
			"EmployeeNumber": p.emp, "Profile": map[string]any{"Name": "Standard User", "UserLicense": map[string]any{"Name": "Salesforce"}}}, true
	})
	write("slack", "slack", "T0001", extract.Users, people, func(k int) (string, any, bool) {
		p := ps[k]
		mail := p.mail
		if k%10 == 5 {
			mail = strings.ToUpper(p.mail)
		}
		return fmt.Sprintf("U%07d", k), map[string]any{"name": p.local, "real_name": p.first + " " + p.last, "deleted": false, "is_bot": false,
			"profile": map[string]any{"email": mail, "first_name": p.first, "last_name": p.last, "real_name": p.first + " " + p.last}}, true
	})
	write("slack", "slack", "T0001", extract.Subscriptions, 1, func(int) (string, any, bool) {
		return "workspace-plan", map[string]any{"plan": "plus"}, true
	})
	write("slack", "slack", "T0001", extract.LicenseAssignments, people, func(k int) (string, any, bool) {
		return fmt.Sprintf("U%07d", k), map[string]any{"billing_active": k%7 != 0}, k%5 != 0
	})
	return files
}

// BenchmarkTransform100k runs the transform over 100,000 people at eight
// vendors (okta read twice, ldap, entra, microsoft365, google_workspace,
// zoom, salesforce, slack: 900,000 staged users, 800,000 accounts) plus
// 100,000 SSO events and license assignments, and reports the process's
// peak resident memory. Run it alone:
//
//	go test -run '^$' -bench Transform100k -benchtime 1x ./transform
func BenchmarkTransform100k(b *testing.B) {
	const people = 100_000
	snapshot := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	root := b.TempDir()
	t0 := time.Now()
	files := benchStage(b, root, people, snapshot)
	b.Logf("staged %d files in %s", len(files), time.Since(t0).Round(time.Millisecond))
	in := Input{SnapshotID: "2026-03-15", SnapshotDate: snapshot, Staged: files, Types: benchTypes,
		Identity: IdentityOptions{StripPlusAddresses: true, DomainAliases: map[string]string{"acme-uk.example": "acme.example"}},
		Prices:   []Price{{ConnectorType: "slack", UnitCost: 12.5, Currency: "USD"}, {ConnectorType: "zoom", UnitCost: 15.99, Currency: "USD"}}}
	b.ResetTimer()
	for range b.N {
		db, err := Open(context.Background(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		counts, err := db.Run(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		var multi int64
		if err := db.SQL().QueryRow(`SELECT count(*) FROM people WHERE account_count >= 8`).Scan(&multi); err != nil {
			b.Fatal(err)
		}
		b.Logf("accounts %d, people %d (%d with all eight vendors), license_assignments %d, applications %d",
			counts["accounts"], counts["people"], multi, counts["license_assignments"], counts["applications"])
		db.Close()
		b.StartTimer()
	}
	b.StopTimer()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB") // Linux reports KiB
	}
}
