package microsoft365

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/msgraph/graphsim"
	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

func testOrg() *synth.Org {
	return synth.Generate(synth.Params{Seed: 21, People: 300, Date: testDate})
}

// sim starts a simulated Graph with the main and subsidiary tenants.
func sim(t testing.TB, org *synth.Org, o graphsim.Options) *graphsim.Server {
	t.Helper()
	if o.Tenants == nil {
		o.Tenants = []graphsim.Tenant{graphsim.MainTenant(org), graphsim.SubsidiaryTenant(org)}
	}
	s := graphsim.New(org, o)
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// run is one connector instance against a simulated tenant, with the
// capabilities it reported and the HTTP layer's counters.
type run struct {
	conn  extract.Connector
	stats *httpx.Stats
	mu    sync.Mutex
	caps  map[string]extract.CapabilityState
}

func connect(t testing.TB, s *graphsim.Server, tenantID string, extra extract.Settings) *run {
	t.Helper()
	clientID, secret := s.Credentials(tenantID)
	settings := extract.Settings{"tenant_id": tenantID, "client_id": clientID, "client_secret": secret,
		"graph_url": s.URL(), "login_url": s.URL(), "allow_http": true, "page_size": 40}
	for k, v := range extra {
		settings[k] = v
	}
	r := &run{stats: &httpx.Stats{}, caps: map[string]extract.CapabilityState{}}
	env := extract.Env{
		Now: func() time.Time { return testDate },
		HTTP: func(o httpx.Options) *http.Client {
			o.MaxRetries = 4
			o.BaseBackoff = 2 * time.Millisecond
			o.MaxBackoff = time.Second
			o.Stats = r.stats
			return httpx.New(o)
		},
		Capability: func(name string, ok bool, reason string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.caps[name] = extract.CapabilityState{Available: ok, Reason: reason}
		},
	}
	conn, err := New(extract.Instance{Name: "m365-test", Type: "microsoft365", Settings: settings}, env)
	if err != nil {
		t.Fatal(err)
	}
	r.conn = conn
	return r
}

// fetch runs one entity and returns its records by source id, failing on
// a source id emitted twice.
func (r *run) fetch(t testing.TB, entity string) map[string]json.RawMessage {
	t.Helper()
	out, err := r.try(entity)
	if err != nil {
		t.Fatalf("fetching %s: %v", entity, err)
	}
	return out
}

func (r *run) try(entity string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for _, e := range r.conn.Entities() {
		if e.Name != entity {
			continue
		}
		var dup []string
		_, err := e.Fetch(context.Background(), "", extract.SinkFunc(func(_ context.Context, rec extract.Record) error {
			if _, ok := out[rec.SourceID]; ok {
				dup = append(dup, rec.SourceID)
			}
			out[rec.SourceID] = append(json.RawMessage(nil), rec.Payload...)
			return nil
		}))
		if len(dup) > 0 {
			return out, &dupError{dup}
		}
		return out, err
	}
	return nil, &dupError{[]string{"no entity " + entity}}
}

type dupError struct{ ids []string }

func (e *dupError) Error() string { return "emitted twice: " + strings.Join(e.ids, ", ") }

func keys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func noUnexpected(t testing.TB, s *graphsim.Server) {
	t.Helper()
	if u := s.Unexpected(); len(u) > 0 {
		t.Errorf("the simulator saw unexpected requests:\n%s", strings.Join(u, "\n"))
	}
}

// TestEntitiesMatchTenants reads a premium tenant with names in reports and
// a tenant without premium that conceals them, over several pages, and
// compares every entity with the ground truth.
func TestEntitiesMatchTenants(t *testing.T) {
	org := testOrg()
	s := sim(t, org, graphsim.Options{})
	ids := s.TenantIDs()
	tests := []struct {
		name       string
		tenant     string
		premium    bool
		concealed  bool
		wantCaps   []string
		minUserReq int
	}{
		{"premium", ids[0], true, false, nil, 3},
		{"non-premium concealed", ids[1], false, true, []string{extract.CapIdentifiers, extract.CapLastLogin}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Requests()["/v1.0/users"]
			r := connect(t, s, tc.tenant, nil)
			if r.conn.Tenant() != tc.tenant {
				t.Errorf("Tenant() = %q, want %q", r.conn.Tenant(), tc.tenant)
			}
			if err := r.conn.Check(context.Background()); err != nil {
				t.Fatalf("Check: %v", err)
			}
			for _, entity := range []string{extract.Users, extract.Subscriptions, extract.Activity} {
				got := keys(r.fetch(t, entity))
				want := s.Expected(tc.tenant, entity)
				if len(want) == 0 || !slices.Equal(got, want) {
					t.Errorf("%s: got %d source ids, want %d (equal: %v)", entity, len(got), len(want), slices.Equal(got, want))
				}
			}
			// 40 per page without premium, at most 40 with it: several pages.
			if n := s.Requests()["/v1.0/users"] - before; n < tc.minUserReq {
				t.Errorf("users took %d requests, want at least %d pages", n, tc.minUserReq)
			}
			users := r.fetch(t, extract.Users)
			withSignIn := 0
			for _, p := range users {
				if strings.Contains(string(p), `"signInActivity"`) {
					withSignIn++
				}
				if !strings.Contains(string(p), `"licenseAssignmentStates"`) {
					t.Fatalf("user without licenseAssignmentStates: %s", p)
				}
			}
			if tc.premium != (withSignIn == len(users)) {
				t.Errorf("%d of %d users carry signInActivity, premium %v", withSignIn, len(users), tc.premium)
			}
			var got []string
			for k, st := range r.caps {
				if st.Available || st.Reason == "" {
					t.Errorf("capability %s reported %+v; only unavailable ones with a reason are expected", k, st)
				}
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.wantCaps) {
				t.Errorf("capabilities reported %v, want %v", got, tc.wantCaps)
			}
			noUnexpected(t, s)
		})
	}
}

// TestConcealedReport: rows of a concealing tenant carry no name that could
// join an account, and the capability says why.
func TestConcealedReport(t *testing.T) {
	org := testOrg()
	s := sim(t, org, graphsim.Options{})
	sub := s.TenantIDs()[1]
	r := connect(t, s, sub, nil)
	recs := r.fetch(t, extract.Activity)
	upns := s.UPNs(sub)
	names := map[string]bool{}
	for _, u := range upns {
		names[strings.ToLower(u)] = true
	}
	for id, p := range recs {
		var row map[string]string
		if err := json.Unmarshal(p, &row); err != nil {
			t.Fatal(err)
		}
		upn := row["User Principal Name"]
		if !Concealed(upn) || names[strings.ToLower(upn)] || len(upn) != 32 {
			t.Errorf("row %s: user principal name %q is not concealed", id, upn)
		}
		if len(row) != 24 {
			t.Errorf("row %s has %d columns, want the report's 24", id, len(row))
		}
	}
	st, ok := r.caps[extract.CapIdentifiers]
	if !ok || st.Available || !strings.Contains(st.Reason, "conceals") {
		t.Errorf("identifiers capability = %+v, %v", st, ok)
	}
	if n := s.Requests()["download"]; n != 1 {
		t.Errorf("report downloads = %d, want 1", n)
	}
	noUnexpected(t, s)
}

// TestThrottling: 429 and 503 bursts with a fractional Retry-After are
// waited out as Graph asks; without it the layer backs off exponentially
// from its base, far shorter here.
func TestThrottling(t *testing.T) {
	const ra = 150 * time.Millisecond
	tests := []struct {
		name       string
		faults     graphsim.Faults
		retryAfter bool
	}{
		{"429 with Retry-After", graphsim.Faults{Throttle: graphsim.Burst{Every: 4, Count: 1}, RetryAfter: ra}, true},
		{"429 without Retry-After", graphsim.Faults{Throttle: graphsim.Burst{Every: 4, Count: 2}}, false},
		{"503 with Retry-After", graphsim.Faults{Unavailable: graphsim.Burst{Every: 3, Count: 1}, RetryAfter: ra}, true},
		{"503 without Retry-After", graphsim.Faults{Unavailable: graphsim.Burst{Every: 5, Count: 2}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			org := testOrg()
			s := sim(t, org, graphsim.Options{Faults: tc.faults})
			main := s.TenantIDs()[0]
			r := connect(t, s, main, nil)
			got := keys(r.fetch(t, extract.Users))
			if want := s.Expected(main, extract.Users); !slices.Equal(got, want) {
				t.Fatalf("users: got %d, want %d", len(got), len(want))
			}
			retries := r.stats.Retries.Load()
			if retries == 0 {
				t.Fatal("no retries: the faults were not injected")
			}
			wait := time.Duration(r.stats.WaitNanos.Load())
			if tc.retryAfter && wait < time.Duration(retries)*ra {
				t.Errorf("waited %v over %d retries, want at least %v each (Retry-After)", wait, retries, ra)
			}
			if !tc.retryAfter && wait >= time.Duration(retries)*ra {
				t.Errorf("waited %v over %d retries without Retry-After; the backoff base is 2ms", wait, retries)
			}
			noUnexpected(t, s)
		})
	}
}

// TestTokenExpiry: a token that expires in the middle of a listing (Graph
// answers 401 InvalidAuthenticationToken) is refreshed once and the
// listing goes on; a token whose lifetime is within the client's margin is
// renewed before use and never refused.
func TestTokenExpiry(t *testing.T) {
	tests := []struct {
		name          string
		tenant        func(graphsim.Tenant) graphsim.Tenant
		wantRefreshes bool
	}{
		{"expires mid-listing", func(tn graphsim.Tenant) graphsim.Tenant { tn.TokenMaxUses = 3; return tn }, true},
		{"short lifetime renewed ahead", func(tn graphsim.Tenant) graphsim.Tenant { tn.TokenLifetime = 5 * time.Second; return tn }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			org := testOrg()
			s := sim(t, org, graphsim.Options{Tenants: []graphsim.Tenant{tc.tenant(graphsim.MainTenant(org))}})
			main := s.TenantIDs()[0]
			r := connect(t, s, main, extract.Settings{"page_size": 20})
			got := keys(r.fetch(t, extract.Users))
			if want := s.Expected(main, extract.Users); !slices.Equal(got, want) {
				t.Fatalf("users: got %d, want %d", len(got), len(want))
			}
			pages := s.Requests()["/v1.0/users"]
			refreshes := r.stats.Refreshes.Load()
			if tc.wantRefreshes != (refreshes > 0) {
				t.Errorf("refreshes after 401 = %d", refreshes)
			}
			// Every token but the first was fetched because Graph refused its
			// predecessor in the middle of the listing.
			if tc.wantRefreshes && (refreshes < 2 || int64(s.TokensIssued()) != refreshes+1) {
				t.Errorf("%d tokens issued, %d refreshes after 401 over %d requests", s.TokensIssued(), refreshes, pages)
			}
			if !tc.wantRefreshes && s.TokensIssued() != pages {
				t.Errorf("%d tokens issued for %d pages; each should be renewed ahead of expiry", s.TokensIssued(), pages)
			}
			noUnexpected(t, s)
		})
	}
}

// TestDomainsFilter: only users at the listed domains, through Graph's
// advanced query (the simulator refuses the filter without $count and
// ConsistencyLevel).
func TestDomainsFilter(t *testing.T) {
	org := testOrg()
	s := sim(t, org, graphsim.Options{})
	main := s.TenantIDs()[0]
	r := connect(t, s, main, extract.Settings{"domains": []string{strings.ToUpper(org.Domain)}})
	got := keys(r.fetch(t, extract.Users))
	var want []string
	guests := 0
	for id, upn := range s.UPNs(main) {
		if graphsim.HasSuffix(upn, org.Domain) {
			want = append(want, id)
		} else {
			guests++
		}
	}
	slices.Sort(want)
	if guests == 0 || len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("got %d users, want %d (excluded guests %d)", len(got), len(want), guests)
	}
	noUnexpected(t, s)
}

// TestTwoInstancesSameTenant: two instances with different settings reading
// one tenant emit the same tenant key and the same source ids, so the
// published datasets count each record once.
func TestTwoInstancesSameTenant(t *testing.T) {
	org := testOrg()
	s := sim(t, org, graphsim.Options{})
	main := s.TenantIDs()[0]
	a := connect(t, s, main, extract.Settings{"page_size": 25})
	clientID, secret := s.Credentials(main)
	b := connect(t, s, main, extract.Settings{"tenant_id": strings.ToUpper(main), "client_id": clientID, "client_secret": secret, "page_size": 999})
	if a.conn.Tenant() != b.conn.Tenant() {
		t.Fatalf("tenants differ: %q and %q", a.conn.Tenant(), b.conn.Tenant())
	}
	for _, entity := range []string{extract.Users, extract.Subscriptions, extract.Activity} {
		ra, rb := a.fetch(t, entity), b.fetch(t, entity)
		if !slices.Equal(keys(ra), keys(rb)) {
			t.Errorf("%s: the instances emitted different source ids", entity)
		}
		for id, p := range ra {
			if string(p) != string(rb[id]) {
				t.Errorf("%s %s: payloads differ", entity, id)
				break
			}
		}
	}
	noUnexpected(t, s)
}

// TestErrors: failures name the vendor and what was being done, and never
// carry the secret.
func TestErrors(t *testing.T) {
	org := testOrg()
	s := sim(t, org, graphsim.Options{})
	main, sub := s.TenantIDs()[0], s.TenantIDs()[1]
	_, secret := s.Credentials(main)
	subID, _ := s.Credentials(sub)
	tests := []struct {
		name     string
		settings extract.Settings
		want     []string
	}{
		{"wrong secret", extract.Settings{"client_secret": "not-the-secret"}, []string{"microsoft365", "access token", "invalid_client", "rejected"}},
		{"unknown tenant", extract.Settings{"tenant_id": "00000000-0000-4000-8000-000000000000"}, []string{"microsoft365", "access token"}},
		{"another tenant's app", extract.Settings{"client_id": subID}, []string{"unauthorized_client"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := connect(t, s, main, tc.settings)
			err := r.conn.Check(context.Background())
			if err == nil {
				t.Fatal("Check succeeded")
			}
			_, ferr := r.try(extract.Users)
			for _, e := range []error{err, ferr} {
				msg := e.Error()
				if strings.Contains(msg, secret) || strings.Contains(msg, "not-the-secret") {
					t.Errorf("error carries the secret: %s", msg)
				}
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q lacks %q", msg, w)
					}
				}
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	const secret = "s3cr3t~value"
	good := extract.Settings{"tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47", "client_id": "c", "client_secret": secret}
	tests := []struct {
		name string
		set  extract.Settings
		err  string
	}{
		{"ok", nil, ""},
		{"tenant not a guid", extract.Settings{"tenant_id": "contoso.onmicrosoft.com"}, "tenant_id:"},
		{"no secret", extract.Settings{"client_secret": ""}, "client_secret:"},
		{"http graph", extract.Settings{"graph_url": "http://graph.example"}, "graph_url:"},
		{"bad domain", extract.Settings{"domains": []string{"a'b.com"}}, "domains:"},
		{"star and list", extract.Settings{"domains": []string{"*", "a.com"}}, "domains:"},
		{"period", extract.Settings{"report_period": "D1"}, "report_period:"},
		{"page size", extract.Settings{"page_size": 1000}, "page_size:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := extract.Settings{}
			for k, v := range good {
				s[k] = v
			}
			for k, v := range tc.set {
				s[k] = v
			}
			_, err := New(extract.Instance{Name: "x", Type: "microsoft365", Settings: s}, extract.Env{})
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
				t.Fatalf("error = %v, want prefix %q", err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the secret: %v", err)
			}
		})
	}
}

func BenchmarkFetchUsers(b *testing.B) {
	org := synth.Generate(synth.Params{Seed: 21, People: 2000, Date: testDate})
	s := sim(b, org, graphsim.Options{})
	r := connect(b, s, s.TenantIDs()[0], extract.Settings{"page_size": 120})
	b.ResetTimer()
	for b.Loop() {
		r.fetch(b, extract.Users)
	}
}
