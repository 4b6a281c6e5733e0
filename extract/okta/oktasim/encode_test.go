package oktasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

// The reflection-built shapes below are the reference the hand-written
// encoders must match byte for byte.

type userJSON struct {
	ID              string  `json:"id"`
	Status          string  `json:"status"`
	Created         string  `json:"created"`
	Activated       *string `json:"activated"`
	StatusChanged   *string `json:"statusChanged"`
	LastLogin       *string `json:"lastLogin"`
	LastUpdated     string  `json:"lastUpdated"`
	PasswordChanged *string `json:"passwordChanged"`
	Type            struct {
		ID string `json:"id"`
	} `json:"type"`
	Profile     userProfile `json:"profile"`
	Credentials struct {
		Password struct{} `json:"password"`
		Provider struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"provider"`
	} `json:"credentials"`
	Links map[string]href `json:"_links"`
}

type userProfile struct {
	FirstName      string  `json:"firstName"`
	LastName       string  `json:"lastName"`
	MobilePhone    *string `json:"mobilePhone"`
	SecondEmail    *string `json:"secondEmail"`
	Login          string  `json:"login"`
	Email          string  `json:"email"`
	DisplayName    string  `json:"displayName"`
	NickName       *string `json:"nickName"`
	Title          string  `json:"title"`
	Department     string  `json:"department"`
	EmployeeNumber string  `json:"employeeNumber"`
	CostCenter     string  `json:"costCenter"`
	Organization   string  `json:"organization"`
	UserType       string  `json:"userType"`
	Manager        *string `json:"manager"`
	ManagerID      *string `json:"managerId"`
	City           string  `json:"city"`
	CountryCode    string  `json:"countryCode"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) userJSON(u user) userJSON {
	org := s.data.org
	p := org.People[u.person]
	var j userJSON
	j.ID = u.id
	j.Status = u.status
	j.Created = oktaTime(u.created)
	j.Activated = nullTime(u.activated)
	j.StatusChanged = nullTime(u.changed)
	j.LastLogin = nullTime(u.lastLogin)
	updated := u.changed
	if u.lastLogin.After(updated) {
		updated = u.lastLogin
	}
	j.LastUpdated = oktaTime(updated)
	if !u.activated.IsZero() {
		j.PasswordChanged = nullTime(u.activated.Add(3 * time.Minute))
	}
	j.Type.ID = oktaID(org.Params.Seed, "oty", 0)
	pr := &j.Profile
	pr.FirstName, pr.LastName = p.GivenName, p.FamilyName
	pr.Login, pr.Email = p.Email, p.Email
	if len(p.Aliases) > 0 {
		pr.SecondEmail = &p.Aliases[0]
	}
	pr.DisplayName = p.DisplayName
	pr.NickName = strPtr(p.Nickname)
	pr.Title, pr.Department, pr.CostCenter = p.Title, p.Department, p.CostCenter
	pr.EmployeeNumber = p.EmployeeID
	pr.Organization = "Acme Inc."
	pr.UserType = "Employee"
	if p.Kind.String() == "contractor" {
		pr.UserType = "Contractor"
	}
	if u.manager >= 0 {
		m := org.People[u.manager]
		pr.Manager = &m.DisplayName
		if k := s.data.byPerson[u.manager]; k >= 0 {
			pr.ManagerID = &s.data.users[k].id
		}
	}
	pr.City, pr.CountryCode = p.Location.City, p.Location.Country
	j.Credentials.Provider.Type, j.Credentials.Provider.Name = "OKTA", "OKTA"
	j.Links = map[string]href{"self": {Href: s.base + "/api/v1/users/" + u.id}}
	return j
}

// TestUserEncoding holds appendUser to encoding/json's rendering of Okta's
// user shape, for every user of an org with every status.
func TestUserEncoding(t *testing.T) {
	s, _ := start(t, 3000, Options{})
	for k, u := range s.data.users {
		want, err := json.Marshal(s.userJSON(u))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.appendUser(nil, u); !bytes.Equal(got, want) {
			t.Fatalf("user %s:\n got %s\nwant %s", u.id, got, want)
		}
		if got := s.appendUserCached(nil, k); !bytes.Equal(got, want) {
			t.Fatalf("user %s written through the cache differs", u.id)
		}
		if got := s.appendUserCached([]byte("x"), k); !bytes.Equal(got[1:], want) {
			t.Fatalf("cached user %s differs", u.id)
		}
	}
}

// nullTime renders t, or JSON null when t is zero.
func nullTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := oktaTime(t)
	return &s
}

func (s *Server) eventJSON(e synth.Event, et string) map[string]any {
	org := s.data.org
	p := org.People[e.Person]
	u := s.data.users[s.data.byPerson[e.Person]]
	geo := cityGeo[p.Location.City]
	lat, _ := strconv.ParseFloat(geo[2], 64)
	lon, _ := strconv.ParseFloat(geo[3], 64)
	ip := fmt.Sprintf("198.51.100.%d", 1+e.Person%250)
	geoCtx := map[string]any{
		"city": p.Location.City, "state": geo[0], "country": geo[1], "postalCode": nil,
		"geolocation": map[string]any{"lat": lat, "lon": lon},
	}
	day := synth.Day(e.Time).Format("20060102")
	session := "idx" + oktaID(org.Params.Seed, "ses", e.Person)[3:] + day
	reqID := strings.ReplaceAll(e.ID, "-", "")
	out := map[string]any{
		"actor": map[string]any{
			"id": u.id, "type": "User", "alternateId": p.Email, "displayName": p.DisplayName, "detailEntry": nil,
		},
		"client": map[string]any{
			"userAgent": map[string]any{
				"rawUserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36",
				"os":           "Mac OS X", "browser": "CHROME",
			},
			"zone": nil, "device": "Computer", "id": nil, "ipAddress": ip,
			"geographicalContext": geoCtx,
		},
		"authenticationContext": map[string]any{
			"authenticationProvider": nil, "credentialProvider": nil, "credentialType": nil, "issuer": nil,
			"interface": nil, "authenticationStep": 0, "rootSessionId": session, "externalSessionId": session,
		},
		"eventType": et,
		"outcome":   map[string]any{"result": "SUCCESS", "reason": nil},
		"published": oktaTime(e.Time),
		"securityContext": map[string]any{
			"asNumber": 64496, "asOrg": "acme corp", "isp": "example transit", "domain": nil, "isProxy": false,
		},
		"severity": "INFO",
		"transaction": map[string]any{
			"type": "WEB", "id": reqID, "detail": map[string]any{},
		},
		"uuid":    e.ID,
		"version": 0,
		"request": map[string]any{
			"ipChain": []any{map[string]any{"ip": ip, "geographicalContext": geoCtx, "version": "V4", "source": nil}},
		},
	}
	if et == EventSessionStart {
		out["displayMessage"] = "User login to Okta"
		out["legacyEventType"] = "core.user_auth.login_success"
		out["debugContext"] = map[string]any{"debugData": map[string]any{"requestId": reqID, "requestUri": "/idp/idx/identify", "url": "/idp/idx/identify"}}
		out["target"] = []any{map[string]any{
			"id": "lae" + u.id[3:], "type": "AuthenticatorEnrollment", "alternateId": "unknown", "displayName": "Password", "detailEntry": nil,
		}}
		return out
	}
	a := s.data.apps[s.data.appByIdx[e.App]]
	c := org.Apps()[e.App]
	out["displayMessage"] = "User single sign on to app"
	out["legacyEventType"] = "app.auth.sso"
	out["debugContext"] = map[string]any{"debugData": map[string]any{"requestId": reqID, "requestUri": "/app/" + c.OktaName + "/" + a.id + "/sso/saml", "url": "/app/" + c.OktaName + "/" + a.id + "/sso/saml"}}
	out["target"] = []any{
		map[string]any{"id": a.id, "type": "AppInstance", "alternateId": c.Name, "displayName": c.Name, "detailEntry": map[string]any{"signOnModeType": string(c.SignOnMode)}},
		map[string]any{"id": "0ua" + u.id[3:], "type": "AppUser", "alternateId": p.Email, "displayName": p.DisplayName, "detailEntry": nil},
	}
	return out
}

// TestEventEncoding holds appendEvent to encoding/json's rendering of the
// System Log event shape, for a week of both event types.
func TestEventEncoding(t *testing.T) {
	s, _ := start(t, 400, Options{})
	n := 0
	for e := range s.data.org.Events(testDate.AddDate(0, 0, -7), testDate) {
		et, ok := s.served(e)
		if !ok {
			continue
		}
		n++
		want, err := json.Marshal(s.eventJSON(e, et))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.appendEvent(nil, e, et); !bytes.Equal(got, want) {
			t.Fatalf("event %s:\n got %s\nwant %s", e.ID, got, want)
		}
	}
	if n < 100 {
		t.Fatalf("only %d events compared", n)
	}
}

func (s *Server) appUserJSON(a app, uid string) map[string]any {
	org := s.data.org
	k, _ := findID(s.data.userIDs, uid)
	u := s.data.users[k]
	p := org.People[u.person]
	assigned := org.AssignedAt(u.person, a.idx).Add(10 * time.Hour)
	status, sync := "ACTIVE", "DISABLED"
	var lastSync, externalID any
	if a.provision {
		status, sync = "PROVISIONED", "SYNCHRONIZED"
		lastSync = oktaTime(assigned.Add(2 * time.Second))
		externalID = oktaID(org.Params.Seed, "ext", u.person*64+a.idx)
	}
	var second any
	if len(p.Aliases) > 0 {
		second = p.Aliases[0]
	}
	return map[string]any{
		"id":              u.id,
		"externalId":      externalID,
		"created":         oktaTime(assigned),
		"lastUpdated":     oktaTime(assigned.Add(2 * time.Second)),
		"scope":           "USER",
		"status":          status,
		"statusChanged":   oktaTime(assigned.Add(2 * time.Second)),
		"passwordChanged": nil,
		"syncState":       sync,
		"lastSync":        lastSync,
		"credentials":     map[string]any{"userName": p.Email},
		"profile": map[string]any{
			"secondEmail": second,
			"lastName":    p.FamilyName,
			"mobilePhone": nil,
			"displayName": p.DisplayName,
			"email":       p.Email,
			"firstName":   p.GivenName,
		},
		"_links": map[string]any{
			"app":  href{Href: s.base + "/api/v1/apps/" + a.id},
			"user": href{Href: s.base + "/api/v1/users/" + u.id},
		},
	}
}

// TestAppUserEncoding holds appendAppUser to encoding/json's rendering of
// the app user shape, for every assignment of every app.
func TestAppUserEncoding(t *testing.T) {
	s, _ := start(t, 600, Options{})
	n := 0
	for _, a := range s.data.apps {
		for _, uid := range a.users {
			want, err := json.Marshal(s.appUserJSON(a, uid))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.appendAppUser(nil, a, uid); !bytes.Equal(got, want) {
				t.Fatalf("app %s user %s:\n got %s\nwant %s", a.id, uid, got, want)
			}
			n++
		}
	}
	if n < 100 {
		t.Fatalf("only %d app users compared", n)
	}
}

// BenchmarkAppUserEncoding compares the map-and-reflection encoding the
// simulator used with the appender it uses, over every assignment.
func BenchmarkAppUserEncoding(b *testing.B) {
	s := New(synth.Generate(synth.Params{Seed: 4, People: 2000, Date: testDate}), Options{})
	n := 0
	for _, a := range s.data.apps {
		n += len(a.users)
	}
	b.Run("reflect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, a := range s.data.apps {
				for _, uid := range a.users {
					json.Marshal(s.appUserJSON(a, uid))
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			for _, a := range s.data.apps {
				for _, uid := range a.users {
					buf = s.appendAppUser(buf[:0], a, uid)
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// BenchmarkEventEncoding compares the two encodings of a week of System Log
// events.
func BenchmarkEventEncoding(b *testing.B) {
	s := New(synth.Generate(synth.Params{Seed: 4, People: 2000, Date: testDate}), Options{})
	type ev struct {
		e  synth.Event
		et string
	}
	var evs []ev
	for e := range s.data.org.Events(testDate.AddDate(0, 0, -7), testDate) {
		if et, ok := s.served(e); ok {
			evs = append(evs, ev{e, et})
		}
	}
	b.Run("reflect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, e := range evs {
				json.Marshal(s.eventJSON(e.e, e.et))
			}
		}
		b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			for _, e := range evs {
				buf = s.appendEvent(buf[:0], e.e, e.et)
			}
		}
		b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
