package transformbench

import (
	"fmt"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract"
)

// The estate: every person has an account at okta (read by two instances),
// ldap, entra, microsoft365, google_workspace, two Zoom accounts, salesforce
// and two Slack workspaces, so 100,000 people are 1,000,000 accounts. The
// identifiers carry the noise real estates have: a tenth of Slack addresses
// in capitals, a tenth of Zoom addresses with a +tag, a tenth of Salesforce
// users at the acquired domain.

const (
	oktaTime = "2006-01-02T15:04:05.000Z"
	sfTime   = "2006-01-02T15:04:05.000+0000"
	zoomTime = "2006-01-02T15:04:05Z"
)

// oktaApps are the Okta app integrations SSO events go into: catalogue
// applications whose own connector also runs, and two it does not know.
var oktaApps = []struct{ id, name, label string }{
	{"0oa0slack", "slack", "Slack"},
	{"0oa1zoom", "zoomus", "Zoom"},
	{"0oa2sfdc", "salesforce", "Salesforce"},
	{"0oa3o365", "office365", "Microsoft Office 365"},
	{"0oa4gapps", "google", "Google Workspace"},
	{"0oa5wiki", "acme_wiki", "Acme Wiki"},
}

func (g *gen) plan() {
	snap := g.snapshot.Format(time.DateOnly)
	n := g.people
	ps := make([]person, n)
	for i := range ps {
		ps[i] = g.person(i)
	}
	okta := func(k int, b []byte) (string, []byte, bool) {
		p := ps[k]
		id := fmt.Sprintf("00u%07d", k)
		return id, fmt.Appendf(b, `{"id":%q,"status":"ACTIVE","created":"2024-01-01T00:00:00.000Z","activated":"2024-01-01T00:00:00.000Z",`+
			`"statusChanged":"2024-01-01T00:00:00.000Z","lastLogin":%q,"lastUpdated":"2025-06-01T00:00:00.000Z","passwordChanged":"2025-01-01T00:00:00.000Z",`+
			`"type":{"id":"oty1"},"profile":{"login":%q,"email":%q,"secondEmail":"%s@acme-uk.example","firstName":%q,"lastName":%q,`+
			`"displayName":%q,"department":%q,"employeeNumber":%q,"title":"Engineer","userType":"Employee","organization":"Acme"},`+
			`"credentials":{"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"self":{"href":"https://acme.okta.com/api/v1/users/%s"}}}`,
			id, g.lastLogin(k).Format(oktaTime), p.mail, p.mail, p.local, p.first, p.last, p.display, p.dept, p.emp, id), true
	}
	// Two instances read the Okta org: every account twice, published once.
	g.add(snap, "okta-main", "okta", "acme.okta.com", extract.Users, n, okta)
	g.add(snap, "okta-audit", "okta", "acme.okta.com", extract.Users, n, okta)
	g.add(snap, "okta-main", "okta", "acme.okta.com", extract.Applications, len(oktaApps), func(k int, b []byte) (string, []byte, bool) {
		a := oktaApps[k]
		return a.id, fmt.Appendf(b, `{"id":%q,"name":%q,"label":%q,"status":"ACTIVE","signOnMode":"SAML_2_0","created":"2023-01-01T00:00:00.000Z"}`,
			a.id, a.name, a.label), true
	})
	// Each person is assigned three of the six apps.
	g.add(snap, "okta-main", "okta", "acme.okta.com", extract.AppAssignments, 3*n, func(k int, b []byte) (string, []byte, bool) {
		i := k / 3
		a := oktaApps[(i+2*(k%3))%len(oktaApps)]
		uid := fmt.Sprintf("00u%07d", i)
		return a.id + "/" + uid, fmt.Appendf(b, `{"id":%q,"scope":"USER","status":"ACTIVE","created":"2024-02-01T00:00:00.000Z",`+
			`"credentials":{"userName":%q},"profile":{"email":%q}}`, uid, ps[i].mail, ps[i].mail), true
	})
	g.add(snap, "ad", "ldap", "dc=acme,dc=example", extract.Users, n, func(k int, b []byte) (string, []byte, bool) {
		p := ps[k]
		return fmt.Sprintf("guid-%07d", k), fmt.Appendf(b, `{"dn":"CN=%s,OU=People,DC=acme,DC=example","mapped":{"sAMAccountName":%q,"userPrincipalName":%q,"mail":%q,`+
			`"proxyAddresses":["SMTP:%s","smtp:%s@acme-uk.example"],"givenName":%q,"sn":%q,"displayName":%q,"employeeID":%q,"department":%q,`+
			`"userAccountControl":512,"whenCreated":"2024-01-01T00:00:00Z","lastLogonTimestamp":%q}}`,
			p.display, p.local, p.mail, p.mail, p.mail, p.local, p.first, p.last, p.display, p.emp, p.dept, g.lastLogin(k).Format(time.RFC3339)), true
	})
	graph := func(m365 bool) func(k int, b []byte) (string, []byte, bool) {
		return func(k int, b []byte) (string, []byte, bool) {
			p := ps[k]
			id := graphID(k)
			b = fmt.Appendf(b, `{"id":%q,"userPrincipalName":%q,"mail":%q,"proxyAddresses":["SMTP:%s"],"otherMails":[],"accountEnabled":%t,`+
				`"givenName":%q,"surname":%q,"displayName":%q,"employeeId":%q,"department":%q,"jobTitle":"Engineer","userType":"Member",`+
				`"createdDateTime":"2024-01-01T00:00:00Z","officeLocation":"London","country":"GB"`,
				id, p.mail, p.mail, p.mail, k%50 != 0, p.first, p.last, p.display, p.emp, p.dept)
			if m365 {
				b = fmt.Appendf(b, `,"assignedLicenses":[{"skuId":"sku-e3","disabledPlans":[]}],"signInActivity":{"lastSignInDateTime":%q}`,
					g.lastLogin(k).Format(time.RFC3339))
			}
			return id, append(b, '}'), true
		}
	}
	g.add(snap, "entra", "entra", "tenant-1", extract.Users, n, graph(false))
	g.add(snap, "m365", "microsoft365", "tenant-1", extract.Users, n, graph(true))
	g.add(snap, "m365", "microsoft365", "tenant-1", extract.Subscriptions, 1, func(_ int, b []byte) (string, []byte, bool) {
		return "sku-e3", fmt.Appendf(b, `{"skuId":"sku-e3","skuPartNumber":"ENTERPRISEPACK","capabilityStatus":"Enabled","consumedUnits":%d,`+
			`"prepaidUnits":{"enabled":%d,"suspended":0,"warning":0,"lockedOut":0}}`, n, n+n/10), true
	})
	g.add(snap, "google", "google_workspace", "C01", extract.Users, n, func(k int, b []byte) (string, []byte, bool) {
		p := ps[k]
		id := googleID(k)
		return id, fmt.Appendf(b, `{"kind":"admin#directory#user","id":%q,"primaryEmail":%q,"aliases":["%s@acme-uk.example"],"suspended":false,"archived":false,`+
			`"name":{"givenName":%q,"familyName":%q,"fullName":%q},"creationTime":"2024-01-01T00:00:00.000Z","lastLoginTime":%q,"isAdmin":false,`+
			`"orgUnitPath":"/%s","organizations":[{"department":%q,"title":"Engineer","primary":true}]}`,
			id, p.mail, p.local, p.first, p.last, p.display, g.lastLogin(k).Format(oktaTime), p.dept, p.dept), true
	})
	for _, z := range zoomAccounts {
		g.add(snap, z.conn, "zoom", z.tenant, extract.Users, n, func(k int, b []byte) (string, []byte, bool) {
			p := ps[k]
			id := fmt.Sprintf("%s%07d", z.prefix, k)
			return id, fmt.Appendf(b, `{"id":%q,"email":%q,"first_name":%q,"last_name":%q,"display_name":%q,"type":%d,"status":"active","role_id":"2",`+
				`"user_created_at":"2024-01-01T00:00:00Z","last_login_time":%q,"employee_unique_id":%q,"timezone":"Europe/London","dept":%q}`,
				id, zoomMail(p, k), p.first, p.last, p.display, 1+k%2, g.lastLogin(k).Format(zoomTime), p.emp, p.dept), true
		})
		g.add(snap, z.conn, "zoom", z.tenant, extract.Subscriptions, 1, func(_ int, b []byte) (string, []byte, bool) {
			return "plan_base", fmt.Appendf(b, `{"type":"monthly","hosts":%d,"usage":%d}`, n, n/2), true
		})
	}
	g.add(snap, "salesforce", "salesforce", "00D000", extract.Users, n, func(k int, b []byte) (string, []byte, bool) {
		p := ps[k]
		id := fmt.Sprintf("005%07d", k)
		mail := sfMail(p, k)
		return id, fmt.Appendf(b, `{"attributes":{"type":"User","url":"/services/data/v62.0/sobjects/User/%s"},"Id":%q,"Username":%q,"Email":%q,`+
			`"FederationIdentifier":%q,"FirstName":%q,"LastName":%q,"Name":%q,"IsActive":true,"UserType":"Standard","LastLoginDate":%q,`+
			`"CreatedDate":"2024-01-01T00:00:00.000+0000","EmployeeNumber":%q,"Department":%q,"Profile":{"attributes":{"type":"Profile"},`+
			`"Name":"Standard User","UserLicense":{"attributes":{"type":"UserLicense"},"Name":"Salesforce"}}}`,
			id, id, mail, mail, mail, p.first, p.last, p.display, g.lastLogin(k).Format(sfTime), p.emp, p.dept), true
	})
	for _, s := range slackWorkspaces {
		g.add(snap, s.conn, "slack", s.team, extract.Users, n, func(k int, b []byte) (string, []byte, bool) {
			p := ps[k]
			id := fmt.Sprintf("%s%07d", s.prefix, k)
			return id, fmt.Appendf(b, `{"id":%q,"team_id":%q,"name":%q,"real_name":%q,"deleted":false,"is_bot":false,"is_admin":false,"tz":"Europe/London",`+
				`"profile":{"email":%q,"first_name":%q,"last_name":%q,"real_name":%q,"title":"Engineer"}}`,
				id, s.team, p.local, p.display, slackMail(p, k), p.first, p.last, p.display), true
		})
		g.add(snap, s.conn, "slack", s.team, extract.Subscriptions, 1, func(_ int, b []byte) (string, []byte, bool) {
			return "workspace-plan", append(b, `{"plan":"plus"}`...), true
		})
		g.add(snap, s.conn, "slack", s.team, extract.LicenseAssignments, n, func(k int, b []byte) (string, []byte, bool) {
			return fmt.Sprintf("%s%07d", s.prefix, k), fmt.Appendf(b, `{"billing_active":%t}`, k%7 != 0), k%5 != 0
		})
	}
	for w := range Weeks {
		g.planActivity(w, ps)
	}
}

var zoomAccounts = []struct{ conn, tenant, prefix string }{{"zoom", "zoom-acct", "z"}, {"zoom-emea", "zoom-emea", "y"}}

var slackWorkspaces = []struct {
	conn, team, prefix string
	perWeek            int // access-log entries per member and week
}{{"slack", "T0001", "U", 2}, {"slack-eng", "T0002", "W", 1}}

func graphID(k int) string  { return fmt.Sprintf("0000%04d-0000-0000-0000-%012d", k%10000, k) }
func googleID(k int) string { return fmt.Sprintf("1%011d", k) }

func zoomMail(p person, k int) string {
	if k%10 == 3 {
		return p.local + "+zoom@acme.example"
	}
	return p.mail
}

func sfMail(p person, k int) string {
	if k%10 == 4 {
		return p.local + "@acme-uk.example"
	}
	return p.mail
}

func slackMail(p person, k int) string {
	if k%10 == 5 {
		return strings.ToUpper(p.mail)
	}
	return p.mail
}

// planActivity adds the activity files snapshot week w (0 = the current
// one) staged: the events of the seven days before it. A person is idle at
// a vendor one week in twelve, so some accounts are inactive.
func (g *gen) planActivity(w int, ps []person) {
	day := g.snapshot.AddDate(0, 0, -7*w)
	snap := day.Format(time.DateOnly)
	n := g.people
	const week = 7 * 24 * 3600
	// when is the time of event (vendor v, person i, event j) in the week.
	when := func(v, i, j int) time.Time {
		return day.Add(-time.Duration(1+mix(uint64(v), uint64(i), uint64(j), uint64(w))%week) * time.Second)
	}
	idle := func(v, i int) bool { return mix(uint64(v), uint64(i), uint64(w), 7)%12 == 0 }

	// Okta System Log: three SSO events into an app and one Okta sign-in a
	// week per person.
	g.add(snap, "okta-main", "okta", "acme.okta.com", extract.Activity, 4*n, func(k int, b []byte) (string, []byte, bool) {
		i, j := k/4, k%4
		if idle(1, i) {
			return "", nil, false
		}
		h := mix(1, uint64(i), uint64(j), uint64(w), 99)
		uuid := fmt.Sprintf("%08x-%04x-11f0-%04x-%012x", uint32(h), uint16(h>>32), uint16(h>>48), h&0xffffffffffff)
		return uuid, oktaEvent(b, uuid, fmt.Sprintf("00u%07d", i), ps[i], when(1, i, j), j == 3, oktaApps[int(h>>8)%len(oktaApps)], i), true
	})
	// Google: a login audit event a week and the week's usage report.
	g.add(snap, "google", "google_workspace", "C01", extract.Activity, 2*n, func(k int, b []byte) (string, []byte, bool) {
		i, j := k/2, k%2
		if idle(2, i) {
			return "", nil, false
		}
		p := ps[i]
		t := when(2, i, j)
		if j == 1 {
			last := t.Format(oktaTime)
			gmail := t.Add(-3 * time.Hour).Format(oktaTime)
			return "usage/" + googleID(i) + "/" + last, fmt.Appendf(b, `{"kind":"admin#reports#usageReport","date":%q,"etag":"\"sim-usage-%d-%d\"",`+
				`"entity":{"customerId":"C01","userEmail":%q,"profileId":%q,"type":"USER"},"parameters":[{"name":"accounts:last_login_time","datetimeValue":%q},`+
				`{"name":"gmail:last_interaction_time","datetimeValue":%q}]}`, day.AddDate(0, 0, -2).Format(time.DateOnly), i, w, p.mail, googleID(i), last, gmail), true
		}
		name, extra := "login_success", ""
		if mix(uint64(i), uint64(w), 3)%30 == 0 {
			name, extra = "login_failure", `,{"name":"login_failure_type","value":"login_failure_invalid_password"}`
		}
		q := mix(2, uint64(i), uint64(w)) >> 1
		ts := t.Format(oktaTime)
		return fmt.Sprintf("%s/%d", ts, q), fmt.Appendf(b, `{"kind":"admin#reports#activity","id":{"time":%q,"uniqueQualifier":"%d","applicationName":"login","customerId":"C01"},`+
			`"etag":"\"sim-%d\"","actor":{"email":%q,"profileId":%q},"ipAddress":"198.51.100.%d","events":[{"type":"login","name":%q,`+
			`"parameters":[{"name":"login_type","value":"saml"},{"name":"is_suspicious","boolValue":false}%s]}]}`,
			ts, q, q, p.mail, googleID(i), 1+i%250, name, extra), true
	})
	// Microsoft 365: the active-user report, one row per user.
	g.add(snap, "m365", "microsoft365", "tenant-1", extract.Activity, n, func(i int, b []byte) (string, []byte, bool) {
		p := ps[i]
		refresh := day.AddDate(0, 0, -2)
		date := func(every, back int) string {
			if every == 0 || i%every != 0 && !idle(3, i) {
				return refresh.AddDate(0, 0, -(i+w)%back).Format(time.DateOnly)
			}
			return ""
		}
		rd := refresh.Format(time.DateOnly)
		return rd + "/" + p.mail, fmt.Appendf(b, `{"Report Refresh Date":%q,"User Principal Name":%q,"Display Name":%q,"Is Deleted":"False","Deleted Date":"",`+
			`"Has Exchange License":"True","Has OneDrive License":"True","Has SharePoint License":"True","Has Skype For Business License":"False",`+
			`"Has Yammer License":"False","Has Teams License":"True","Exchange Last Activity Date":%q,"OneDrive Last Activity Date":%q,`+
			`"SharePoint Last Activity Date":%q,"Skype For Business Last Activity Date":"","Yammer Last Activity Date":"","Teams Last Activity Date":%q,`+
			`"Exchange License Assign Date":"2024-01-01","OneDrive License Assign Date":"2024-01-01","SharePoint License Assign Date":"2024-01-01",`+
			`"Skype For Business License Assign Date":"","Yammer License Assign Date":"","Teams License Assign Date":"2024-01-01",`+
			`"Assigned Products":"MICROSOFT 365 E3"}`, rd, p.mail, p.display, date(0, 5), date(3, 12), date(4, 20), date(0, 9)), true
	})
	// Salesforce LoginHistory: SSO logins three weeks in two, a failed
	// password now and then.
	g.add(snap, "salesforce", "salesforce", "00D000", extract.Activity, 2*n, func(k int, b []byte) (string, []byte, bool) {
		i, j := k/2, k%2
		if idle(4, i) || j == 1 && (i+w)%2 == 0 {
			return "", nil, false
		}
		h := mix(4, uint64(i), uint64(j), uint64(w))
		id := fmt.Sprintf("0Ya%012x", h&0xffffffffffff)
		typ, status := "SAML Idp Initiated SSO", "Success"
		if h%40 == 0 {
			typ, status = "Application", "Invalid Password"
		}
		return id, fmt.Appendf(b, `{"attributes":{"type":"LoginHistory","url":"/services/data/v62.0/sobjects/LoginHistory/%s"},"Id":%q,"UserId":"005%07d",`+
			`"LoginTime":%q,"LoginType":%q,"Status":%q,"Application":"Browser","Browser":"Chrome 131","Platform":"Mac OSX",`+
			`"SourceIp":"203.0.113.%d","LoginUrl":"acme.my.salesforce.com"}`,
			id, id, i, when(4, i, j).Format(sfTime), typ, status, 1+h>>16%250), true
	})
	// Slack access logs: one entry per member, client and week.
	for _, s := range slackWorkspaces {
		g.add(snap, s.conn, "slack", s.team, extract.Activity, s.perWeek*n, func(k int, b []byte) (string, []byte, bool) {
			i, j := k/s.perWeek, k%s.perWeek
			if idle(5, i) {
				return "", nil, false
			}
			last := when(5, i, j)
			first := last.Add(-time.Duration(mix(5, uint64(i), uint64(j))%(48*3600)) * time.Second)
			ip := fmt.Sprintf("198.51.100.%d", 1+(i+j)%250)
			ua := []string{"Slack/4.41.105 (Mac OS X 14.6.1)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/127.0.0.0"}[j%2]
			uid := fmt.Sprintf("%s%07d", s.prefix, i)
			id := fmt.Sprintf("%s:%d:%012x", uid, first.Unix(), mix(uint64(i), uint64(j), 11)&0xffffffffffff)
			return id, fmt.Appendf(b, `{"user_id":%q,"username":%q,"date_first":%d,"date_last":%d,"count":%d,"ip":%q,"user_agent":%q,`+
				`"isp":"Example Transit","country":"GB","region":"England"}`, uid, ps[i].local, first.Unix(), last.Unix(), 1+i%17, ip, ua), true
		})
	}
	// Zoom Sign In / Sign Out report: a meeting day a week per person at the
	// main account, one a month at the EMEA one.
	for zi, z := range zoomAccounts {
		g.add(snap, z.conn, "zoom", z.tenant, extract.Activity, 2*n, func(k int, b []byte) (string, []byte, bool) {
			i, j := k/2, k%2
			if idle(6, i) || zi == 1 && (i+w)%4 != 0 {
				return "", nil, false
			}
			t := when(6, i, zi).Truncate(time.Second)
			kind := "Sign in"
			if j == 1 {
				kind, t = "Sign out", t.Add(time.Duration(20+i%100)*time.Minute)
				if !t.Before(day) {
					return "", nil, false
				}
			}
			ts := t.Format(zoomTime)
			mail := zoomMail(ps[i], i)
			return fmt.Sprintf("%s/%s/%012x", ts, mail, mix(6, uint64(i), uint64(j), uint64(w))&0xffffffffffff),
				fmt.Appendf(b, `{"email":%q,"time":%q,"type":%q,"ip_address":"203.0.113.%d","client_type":%q,"version":"6.2.5.41699"}`,
					mail, ts, kind, 1+i%250, []string{"Browser", "Mac", "Windows", "iOS", "Android"}[i%5]), true
		})
	}
}

// oktaEvent renders a System Log event as the Okta simulator serves it: an
// SSO into app, or (signIn) an Okta sign-in with no application.
func oktaEvent(b []byte, uuid, uid string, p person, t time.Time, signIn bool, app struct{ id, name, label string }, i int) []byte {
	ip := fmt.Sprintf("198.51.100.%d", 1+i%250)
	req := strings.ReplaceAll(uuid, "-", "")
	geo := `{"city":"London","state":"England","country":"United Kingdom","postalCode":null,"geolocation":{"lat":51.5074,"lon":-0.1278}}`
	b = fmt.Appendf(b, `{"actor":{"id":%q,"type":"User","alternateId":%q,"displayName":%q,"detailEntry":null},`+
		`"client":{"userAgent":{"rawUserAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36",`+
		`"os":"Mac OS X","browser":"CHROME"},"zone":null,"device":"Computer","id":null,"ipAddress":%q,"geographicalContext":%s},`+
		`"authenticationContext":{"authenticationProvider":null,"credentialProvider":null,"credentialType":null,"issuer":null,"interface":null,`+
		`"authenticationStep":0,"rootSessionId":"idx%s%s","externalSessionId":"idx%s%s"},`+
		`"outcome":{"result":"SUCCESS","reason":null},"published":%q,`+
		`"securityContext":{"asNumber":64496,"asOrg":"acme corp","isp":"example transit","domain":null,"isProxy":false},"severity":"INFO",`+
		`"transaction":{"type":"WEB","id":%q,"detail":{}},"uuid":%q,"version":0,`+
		`"request":{"ipChain":[{"ip":%q,"geographicalContext":%s,"version":"V4","source":null}]},`,
		uid, p.mail, p.display, ip, geo, uid[3:], t.Format("20060102"), uid[3:], t.Format("20060102"), t.Format(oktaTime), req, uuid, ip, geo)
	if signIn {
		return fmt.Appendf(b, `"eventType":"user.session.start","displayMessage":"User login to Okta","legacyEventType":"core.user_auth.login_success",`+
			`"debugContext":{"debugData":{"requestId":%q,"requestUri":"/idp/idx/identify","url":"/idp/idx/identify"}},`+
			`"target":[{"id":"lae%s","type":"AuthenticatorEnrollment","alternateId":"unknown","displayName":"Password","detailEntry":null}]}`, req, uid[3:])
	}
	return fmt.Appendf(b, `"eventType":"user.authentication.sso","displayMessage":"User single sign on to app","legacyEventType":"app.auth.sso",`+
		`"debugContext":{"debugData":{"requestId":%q,"requestUri":"/app/%s/%s/sso/saml","url":"/app/%s/%s/sso/saml"}},`+
		`"target":[{"id":%q,"type":"AppInstance","alternateId":%q,"displayName":%q,"detailEntry":{"signOnModeType":"SAML_2_0"}},`+
		`{"id":"0ua%s","type":"AppUser","alternateId":%q,"displayName":%q,"detailEntry":null}]}`,
		req, app.name, app.id, app.name, app.id, app.id, app.label, app.label, uid[3:], p.mail, p.display)
}
