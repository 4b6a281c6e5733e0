package sfsim

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/salesforce"
	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

// modelled are the queries the connector sends, and a LIMIT.
var modelled = []string{
	salesforce.OrganizationSOQL, salesforce.UsersSOQL, salesforce.UserLicenseSOQL,
	salesforce.PermissionSetLicenseSOQL, salesforce.PermissionSetAssignSOQL,
	fmt.Sprintf(salesforce.LoginHistorySOQL, "2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z"),
	"SELECT Id, Profile.UserLicense.Name, Profile.Name FROM User LIMIT 5",
}

func TestParseSOQL(t *testing.T) {
	for _, q := range modelled {
		if _, err := parseSOQL(q); err != nil {
			t.Errorf("%s: %+v", q, err)
		}
	}
	bad := []struct{ q, code string }{
		{"SELECT Id FROM Account", "INVALID_TYPE"},
		{"SELECT Id, Password FROM User", "INVALID_FIELD"},
		{"SELECT Id, Id FROM User", "MALFORMED_QUERY"},
		{"SELECT Id FROM User WHERE IsActive = true", "MALFORMED_QUERY"},
		{"SELECT Id FROM User WHERE LoginTime >= 2026-03-01T00:00:00Z AND LoginTime <= 2026-03-16T00:00:00Z", "INVALID_FIELD"},
		{"SELECT Id FROM LoginHistory WHERE LoginTime >= '2026-03-01' AND LoginTime <= 2026-03-16T00:00:00Z", "INVALID_QUERY_FILTER_OPERATOR"},
		{"DELETE FROM User", "MALFORMED_QUERY"},
	}
	for _, b := range bad {
		if _, err := parseSOQL(b.q); err == nil || err.ErrorCode != b.code {
			t.Errorf("%s: got %+v, want %s", b.q, err, b.code)
		}
	}
}

func TestProjectNestsRelationships(t *testing.T) {
	s := New(synth.Generate(synth.Params{Seed: 5, People: 60, Date: testDate}), Options{})
	var withProfile, without string
	for _, u := range s.data.users {
		b, err := project("User", "62.0", s.data.userRec(u), []string{"Id", "Profile.UserLicense.Name", "Profile.Name"}).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if u.profile >= 0 && withProfile == "" {
			withProfile = string(b)
		}
		if u.profile < 0 {
			without = string(b)
		}
	}
	want := `{"attributes":{"type":"User","url":"/services/data/v62.0/sobjects/User/005`
	if !strings.HasPrefix(withProfile, want) || !strings.Contains(withProfile, `"Profile":{"attributes":{"type":"Profile"`) ||
		!strings.Contains(withProfile, `"UserLicense":{"attributes":{"type":"UserLicense","url":"/services/data/v62.0/sobjects/UserLicense/100`) {
		t.Fatalf("nested record: %s", withProfile)
	}
	if !strings.HasSuffix(without, `"Profile":null}`) {
		t.Fatalf("user without profile: %s", without)
	}
}

func do(t *testing.T, base, token, path string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func token(t *testing.T, s *Server, base string) string {
	t.Helper()
	app := s.App()
	resp, err := http.PostForm(base+"/services/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	i := strings.Index(string(b), `"access_token":"`)
	if i < 0 {
		t.Fatalf("token response %s", b)
	}
	rest := string(b)[i+len(`"access_token":"`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestServer(t *testing.T) {
	s := New(synth.Generate(synth.Params{Seed: 5, People: 60, Date: testDate}), Options{DailyLimit: 4})
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tok := token(t, s, base)
	q := "/services/data/v62.0/query?q=" + url.QueryEscape("SELECT Id, Name FROM Organization")
	tests := []struct {
		name, token, path string
		status            int
		body, usage       string
		flagged           bool
	}{
		{"organization", tok, q, 200, `"totalSize":1,"done":true`, "api-usage=1/4", false},
		{"bad session", "nope", q, 401, `"errorCode":"INVALID_SESSION_ID"`, "api-usage=2/4", false},
		{"unmodelled query", tok, "/services/data/v62.0/query?q=" + url.QueryEscape("SELECT Id FROM Account"), 400, `"errorCode":"INVALID_TYPE"`, "api-usage=3/4", true},
		{"unknown locator", tok, "/services/data/v62.0/query/01gSIM999999999-200", 400, `"errorCode":"INVALID_QUERY_LOCATOR"`, "api-usage=4/4", true},
		{"allocation spent", tok, q, 403, `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, "api-usage=4/4", false},
	}
	flags := 0
	for _, tt := range tests {
		status, hdr, body := do(t, base, tt.token, tt.path)
		if status != tt.status || !strings.Contains(body, tt.body) || hdr.Get("Sforce-Limit-Info") != tt.usage {
			t.Errorf("%s: %d %s %q", tt.name, status, hdr.Get("Sforce-Limit-Info"), body)
		}
		if tt.flagged {
			flags++
		}
		if got := len(s.Unexpected()); got != flags {
			t.Errorf("%s: %d flagged, want %d: %v", tt.name, got, flags, s.Unexpected())
		}
	}
}

func TestDeterministicAndSixMonths(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 5, People: 80, Date: testDate})
	a, b := New(org, Options{}), New(org, Options{})
	end := org.End()
	la, lb := a.ExpectedLogins(end.AddDate(-1, 0, 0), end), b.ExpectedLogins(end.AddDate(-1, 0, 0), end)
	if fmt.Sprint(la) != fmt.Sprint(lb) || len(la) == 0 {
		t.Fatalf("%d and %d logins", len(la), len(lb))
	}
	var first time.Time
	a.logins(end.AddDate(-1, 0, 0), end, func(l *loginRow) bool { first = l.at; return false })
	if first.Before(end.Add(-retention)) {
		t.Fatalf("a login from %v is older than six months", first)
	}
	if fmt.Sprint(a.Expected("users")) != fmt.Sprint(b.Expected("users")) {
		t.Fatal("users differ between equal servers")
	}
}

// TestDemo: the demo starter's connector is accepted by the salesforce type
// and passes its check against the simulator.
func TestDemo(t *testing.T) {
	v, err := Demo(synth.Generate(synth.Params{Seed: 5, People: 50, Date: testDate}))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	cs := v.Connectors()
	if len(cs) != 1 || cs[0].Name != "salesforce" || cs[0].Type != "salesforce" {
		t.Fatalf("connectors %+v", cs)
	}
	settings := extract.Settings{}
	for k, val := range cs[0].Settings {
		settings[k] = val
	}
	for k, val := range cs[0].Secrets {
		settings[k] = val
	}
	conn, err := salesforce.New(extract.Instance{Name: "salesforce", Type: "salesforce", Settings: settings}, extract.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}
