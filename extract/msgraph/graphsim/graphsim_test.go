package graphsim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/entra"
	"github.com/saaspipe/saaspipe/extract/microsoft365"
	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

func start(t testing.TB, o Options) (*synth.Org, *Server) {
	t.Helper()
	org := synth.Generate(synth.Params{Seed: 5, People: 150, Date: testDate})
	if o.Tenants == nil {
		o.Tenants = []Tenant{MainTenant(org), SubsidiaryTenant(org)}
	}
	s := New(org, o)
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return org, s
}

// token gets an access token for tenant with its credentials.
func token(t testing.TB, s *Server, tenant string) string {
	t.Helper()
	id, secret := s.Credentials(tenant)
	resp, err := http.PostForm(s.URL()+"/"+tenant+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {id}, "client_secret": {secret}, "scope": {s.URL() + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 || body.AccessToken == "" || body.ExpiresIn != 3600 {
		t.Fatalf("token: %d %+v %v", resp.StatusCode, body, err)
	}
	return body.AccessToken
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func get(t testing.TB, s *Server, tok, path string, hdr map[string]string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	json.Unmarshal(raw, &a.body)
	return a
}

func errCode(a answer) string {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// TestAnswersLikeGraph covers the rules a connector must follow, each the
// way Graph enforces it.
func TestAnswersLikeGraph(t *testing.T) {
	_, s := start(t, Options{})
	main, sub := s.TenantIDs()[0], s.TenantIDs()[1]
	tokMain, tokSub := token(t, s, main), token(t, s, sub)
	eventual := map[string]string{"ConsistencyLevel": "eventual"}
	filter := url.QueryEscape("endswith(userPrincipalName,'@" + s.Domain(main) + "')")
	tests := []struct {
		name       string
		tok        string
		path       string
		hdr        map[string]string
		status     int
		code       string
		unexpected bool
	}{
		{"no token", "", "/v1.0/users", nil, 401, "InvalidAuthenticationToken", false},
		{"forged token", "abc", "/v1.0/users", nil, 401, "InvalidAuthenticationToken", false},
		{"count without header", tokMain, "/v1.0/users?$count=true", nil, 400, "Request_BadRequest", true},
		{"endswith without count", tokMain, "/v1.0/users?$filter=" + filter, eventual, 400, "Request_UnsupportedQuery", true},
		{"endswith advanced", tokMain, "/v1.0/users?$count=true&$filter=" + filter, eventual, 200, "", false},
		{"signInActivity non-premium", tokSub, "/v1.0/users?$select=id,signInActivity", nil, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", false},
		{"signInActivity page too big", tokMain, "/v1.0/users?$select=id,signInActivity&$top=999", nil, 400, "Request_BadRequest", true},
		{"signInActivity premium", tokMain, "/v1.0/users?$select=id,signInActivity&$top=120", nil, 200, "", false},
		{"top too big", tokMain, "/v1.0/users?$top=1000", nil, 400, "Request_BadRequest", true},
		{"unknown property", tokMain, "/v1.0/users?$select=id,favouriteColour", nil, 400, "Request_BadRequest", true},
		{"skus take no top", tokMain, "/v1.0/subscribedSkus?$top=5", nil, 400, "BadRequest", true},
		{"unknown path", tokMain, "/v1.0/me/drive", nil, 400, "BadRequest", true},
		{"forged skiptoken", tokMain, "/v1.0/users?$skiptoken=abc", nil, 400, "Directory_ExpiredPageToken", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(s.Unexpected())
			a := get(t, s, tc.tok, tc.path, tc.hdr)
			if a.status != tc.status || errCode(a) != tc.code {
				t.Fatalf("got %d %q, want %d %q: %s", a.status, errCode(a), tc.status, tc.code, a.raw)
			}
			if flagged := len(s.Unexpected()) > before; flagged != tc.unexpected {
				t.Errorf("recorded as unexpected: %v, want %v (%v)", flagged, tc.unexpected, s.Unexpected())
			}
		})
	}
	// Tokens are bound to their tenant: the subsidiary's token lists the
	// subsidiary's organization.
	a := get(t, s, tokSub, "/v1.0/organization", nil)
	if v, _ := a.body["value"].([]any); len(v) != 1 || v[0].(map[string]any)["id"] != sub {
		t.Errorf("organization for the subsidiary's token: %s", a.raw)
	}
}

// TestPagingAndShapes walks the users listing by @odata.nextLink and checks
// records against the published samples' keys.
func TestPagingAndShapes(t *testing.T) {
	_, s := start(t, Options{DefaultPageSize: 25})
	main := s.TenantIDs()[0]
	tok := token(t, s, main)
	var ids []string
	next := "/v1.0/users"
	pages := 0
	sample := sampleKeys(t, "users-list.json")
	for next != "" {
		a := get(t, s, tok, next, nil)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", next, a.status, a.raw)
		}
		pages++
		for _, v := range a.body["value"].([]any) {
			m := v.(map[string]any)
			ids = append(ids, m["id"].(string))
			if got := sortedKeys(m); !slices.Equal(got, sample) {
				t.Fatalf("default user properties %v, sample has %v", got, sample)
			}
		}
		n, _ := a.body["@odata.nextLink"].(string)
		next = strings.TrimPrefix(n, s.URL())
	}
	if pages < 3 || !slices.Equal(ids, s.Expected(main, "users")) {
		t.Errorf("%d pages, %d ids, want %d", pages, len(ids), len(s.Expected(main, "users")))
	}
	skus := get(t, s, tok, "/v1.0/subscribedSkus", nil)
	want := sampleKeys(t, "subscribedSkus-list.json")
	for _, v := range skus.body["value"].([]any) {
		if got := sortedKeys(v.(map[string]any)); !slices.Equal(got, want) {
			t.Errorf("subscribedSku keys %v, sample has %v", got, want)
		}
	}
	sps := get(t, s, tok, "/v1.0/servicePrincipals?$top=999", nil)
	for _, k := range sampleKeys(t, "servicePrincipals-list.json") {
		if _, ok := sps.body["value"].([]any)[0].(map[string]any)[k]; !ok {
			t.Errorf("servicePrincipal lacks sample key %q", k)
		}
	}
	if u := s.Unexpected(); len(u) > 0 {
		t.Errorf("unexpected: %v", u)
	}
}

// TestReportDownload: 302 to the second listener, which refuses a token.
func TestReportDownload(t *testing.T) {
	_, s := start(t, Options{})
	sub := s.TenantIDs()[1]
	tok := token(t, s, sub)
	a := get(t, s, tok, "/v1.0/reports/getOffice365ActiveUserDetail(period='D30')", nil)
	loc := a.header.Get("Location")
	if a.status != http.StatusFound || loc == "" || strings.HasPrefix(loc, s.URL()) {
		t.Fatalf("got %d Location %q", a.status, loc)
	}
	fetch := func(auth bool) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, loc, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := fetch(true); code != http.StatusBadRequest || len(s.Unexpected()) != 1 {
		t.Errorf("download with Authorization: %d, unexpected %v", code, s.Unexpected())
	}
	code, body := fetch(false)
	header := strings.TrimSpace(string(sampleBytes(t, "reports-getOffice365ActiveUserDetail-D7.csv")))
	lines := strings.Split(strings.TrimPrefix(string(body), "\ufeff"), "\r\n")
	if code != 200 || lines[0] != header || len(lines) < 3 {
		t.Fatalf("download: %d, header %q", code, lines[0])
	}
	if strings.Contains(string(body), "@") {
		t.Error("a concealed report shows a name")
	}
}

// TestDeterministic: equal orgs and options give equal tenants.
func TestDeterministic(t *testing.T) {
	_, a := start(t, Options{})
	_, b := start(t, Options{})
	for _, e := range []string{"users", "groups", "subscriptions", "license_assignments", "applications", "app_assignments", "activity"} {
		if !slices.Equal(a.Expected(a.TenantIDs()[0], e), b.Expected(b.TenantIDs()[0], e)) || len(a.Expected(a.TenantIDs()[0], e)) == 0 {
			t.Errorf("%s differs or is empty", e)
		}
	}
}

func sampleBytes(t testing.TB, name string) []byte {
	dir := "../../../../shared/vendor-samples/msgraph"
	if _, err := os.Stat(dir); err != nil {
		dir = "/work/shared/vendor-samples/msgraph"
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleKeys is the sorted key set of the sample listing's records.
func sampleKeys(t testing.TB, name string) []string {
	var page struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(sampleBytes(t, name), &page); err != nil {
		t.Fatal(err)
	}
	return sortedKeys(page.Value[0])
}

func sortedKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func BenchmarkNew(b *testing.B) {
	org := synth.Generate(synth.Params{Seed: 5, People: 2000, Date: testDate})
	for b.Loop() {
		New(org, Options{Tenants: []Tenant{MainTenant(org), SubsidiaryTenant(org)}})
	}
}

// TestDemo: the demo starter's instances are configured well enough that
// each passes its type's Check, with the settings and secrets the demo
// config will hold; one of them authenticates with a certificate.
func TestDemo(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 42, People: 60, Date: testDate})
	v, err := Demo(org)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	types := map[string]extract.Type{entra.Type.Name: entra.Type, microsoft365.Type.Name: microsoft365.Type}
	conns := v.Connectors()
	counts := map[string]int{}
	tenants := map[string]bool{}
	certs := 0
	for _, c := range conns {
		typ, ok := types[c.Type]
		if !ok {
			t.Fatalf("%s: unknown type %q", c.Name, c.Type)
		}
		counts[c.Type]++
		s := extract.Settings{}
		for k, val := range c.Settings {
			s[k] = val
		}
		for k, val := range c.Secrets {
			s[k] = val
			if k == "client_certificate" {
				certs++
			}
		}
		conn, err := typ.New(extract.Instance{Name: c.Name, Type: c.Type, Settings: s}, extract.Env{})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if err := conn.Check(context.Background()); err != nil {
			t.Fatalf("%s: Check: %v", c.Name, err)
		}
		if c.Type == microsoft365.Type.Name {
			tenants[conn.Tenant()] = true
		}
	}
	if counts["entra"] < 1 || len(tenants) < 2 || certs != 1 {
		t.Errorf("instances %v over %d Microsoft 365 tenants, %d with a certificate", counts, len(tenants), certs)
	}
}
