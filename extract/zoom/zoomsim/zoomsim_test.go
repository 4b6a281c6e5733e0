package zoomsim

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

func start(t *testing.T, people int, opts Options) *Server {
	t.Helper()
	s := New(synth.Generate(synth.Params{Seed: 4, People: people, Date: testDate}), opts)
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func do(t *testing.T, req *http.Request) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return resp, m
}

func accessToken(t *testing.T, s *Server) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.TokenURL()+"?grant_type=account_credentials&account_id="+s.AccountID(), nil)
	req.SetBasicAuth(s.ClientID(), s.ClientSecret())
	resp, m := do(t, req)
	if resp.StatusCode != 200 || m["token_type"] != "bearer" || m["expires_in"].(float64) != 3599 {
		t.Fatalf("token: %d %v", resp.StatusCode, m)
	}
	return m["access_token"].(string)
}

func TestTokenGrant(t *testing.T) {
	s := start(t, 10, Options{})
	tests := []struct {
		name, query, id, secret string
		status                  int
		code                    string
	}{
		{"valid", "grant_type=account_credentials&account_id=" + s.AccountID(), s.ClientID(), s.ClientSecret(), 200, ""},
		{"bad secret", "grant_type=account_credentials&account_id=" + s.AccountID(), s.ClientID(), "x", 400, "invalid_client"},
		{"bad account", "grant_type=account_credentials&account_id=other", s.ClientID(), s.ClientSecret(), 400, "invalid_request"},
		{"client credentials grant", "grant_type=client_credentials", s.ClientID(), s.ClientSecret(), 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.TokenURL()+"?"+tt.query, nil)
			req.SetBasicAuth(tt.id, tt.secret)
			resp, m := do(t, req)
			if resp.StatusCode != tt.status || (tt.code != "" && m["error"] != tt.code) {
				t.Fatalf("%d %v", resp.StatusCode, m)
			}
		})
	}
}

func TestListingsHeadersAndErrors(t *testing.T) {
	s := start(t, 200, Options{RequestsPerSecond: 1000})
	tok := accessToken(t, s)
	get := func(path, bearer string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, s.APIURL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		return do(t, req)
	}
	resp, m := get("/users?status=pending&page_size=300", tok)
	if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Category") != "Medium" || resp.Header.Get("X-RateLimit-Type") != "QPS" ||
		resp.Header.Get("X-RateLimit-Limit") != "1000" || resp.Header.Get("X-RateLimit-Remaining") == "" {
		t.Fatalf("users: %d headers %v", resp.StatusCode, resp.Header)
	}
	if m["next_page_token"] != "" || m["total_records"].(float64) != float64(len(m["users"].([]any))) {
		t.Fatalf("one-page listing: %v", m)
	}
	tests := []struct {
		name, path, bearer string
		status             int
		code               float64
	}{
		{"bad token", "/users", "nope", 401, 124},
		{"foreign page token", "/users?next_page_token=" + token("activities/x/y", 1), tok, 400, 300},
		{"range beyond a month", "/report/activities?from=2026-01-01&to=2026-03-01", tok, 400, 300},
		{"unknown path", "/groups", tok, 404, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, m := get(tt.path, tt.bearer)
			if resp.StatusCode != tt.status || m["code"] != tt.code || m["message"] == "" {
				t.Fatalf("%d %v", resp.StatusCode, m)
			}
		})
	}
	if len(s.Unexpected()) != 3 {
		t.Fatalf("unexpected: %v", s.Unexpected())
	}
}

func TestPageTokenExpires(t *testing.T) {
	s := start(t, 200, Options{PageTokenTTL: 50 * time.Millisecond})
	tok := accessToken(t, s)
	req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"/users?status=active&page_size=10", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	_, m := do(t, req)
	next := m["next_page_token"].(string)
	if next == "" {
		t.Fatal("no second page")
	}
	time.Sleep(60 * time.Millisecond)
	req, _ = http.NewRequest(http.MethodGet, s.APIURL()+"/users?status=active&page_size=10&next_page_token="+next, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, m := do(t, req)
	if resp.StatusCode != 400 || m["code"] != float64(300) {
		t.Fatalf("stale token: %d %v", resp.StatusCode, m)
	}
	if len(s.Unexpected()) != 0 {
		t.Fatalf("an expired token is normal use: %v", s.Unexpected())
	}
}

// TestOrgVariation: accounts are people's primary e-mails; some people have
// none, some accounts are unused, equal inputs give equal answers.
func TestOrgVariation(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 9, People: 600, Date: testDate})
	a, b := New(org, Options{}), New(org, Options{})
	if !slices.Equal(a.Expected("users"), b.Expected("users")) {
		t.Fatal("two servers over one org disagree")
	}
	z := org.AppByKey("zoom")
	unused, lacking := 0, 0
	for _, u := range a.data.users {
		if org.Unused(u.person, z) {
			unused++
		}
	}
	for i := range org.People {
		if _, ok := a.data.byPerson[i]; !ok && org.Exists(i, testDate) {
			lacking++
		}
	}
	if unused == 0 || lacking == 0 {
		t.Fatalf("%d unused accounts, %d people without one", unused, lacking)
	}
}
