package entra

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/msgraph/graphsim"
	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

func start(t testing.TB, people int, o graphsim.Options) (*synth.Org, *graphsim.Server) {
	t.Helper()
	org := synth.Generate(synth.Params{Seed: 21, People: people, Date: testDate})
	if o.Tenants == nil {
		o.Tenants = []graphsim.Tenant{graphsim.MainTenant(org), graphsim.SubsidiaryTenant(org)}
	}
	s := graphsim.New(org, o)
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return org, s
}

func connect(t testing.TB, s *graphsim.Server, tenantID string, extra extract.Settings) (extract.Connector, *httpx.Stats) {
	t.Helper()
	clientID, secret := s.Credentials(tenantID)
	settings := extract.Settings{"tenant_id": tenantID, "client_id": clientID, "client_secret": secret,
		"graph_url": s.URL(), "login_url": s.URL(), "allow_http": true, "page_size": 30}
	for k, v := range extra {
		settings[k] = v
	}
	stats := &httpx.Stats{}
	env := extract.Env{HTTP: func(o httpx.Options) *http.Client {
		o.MaxRetries, o.BaseBackoff, o.MaxBackoff, o.Stats = 4, 2*time.Millisecond, time.Second, stats
		return httpx.New(o)
	}}
	conn, err := New(extract.Instance{Name: "entra-test", Type: "entra", Settings: settings}, env)
	if err != nil {
		t.Fatal(err)
	}
	return conn, stats
}

func fetch(t testing.TB, conn extract.Connector, entity string) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for _, e := range conn.Entities() {
		if e.Name != entity {
			continue
		}
		_, err := e.Fetch(context.Background(), "", extract.SinkFunc(func(_ context.Context, r extract.Record) error {
			if _, dup := out[r.SourceID]; dup {
				t.Errorf("%s %s emitted twice", entity, r.SourceID)
			}
			out[r.SourceID] = append(json.RawMessage(nil), r.Payload...)
			return nil
		}))
		if err != nil {
			t.Fatalf("fetching %s: %v", entity, err)
		}
		return out
	}
	t.Fatalf("no entity %s", entity)
	return nil
}

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

// TestEntitiesMatchDirectory reads every entity over several pages and
// compares it with the ground truth; managers come from the same listing.
func TestEntitiesMatchDirectory(t *testing.T) {
	_, s := start(t, 300, graphsim.Options{Faults: graphsim.Faults{Throttle: graphsim.Burst{Every: 7, Count: 1}, RetryAfter: 20 * time.Millisecond}})
	main := s.TenantIDs()[0]
	conn, stats := connect(t, s, main, nil)
	if err := conn.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	for _, entity := range []string{extract.Users, extract.Groups, extract.Applications, extract.AppAssignments} {
		got := keys(fetch(t, conn, entity))
		want := s.Expected(main, entity)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: got %d source ids, want %d", entity, len(got), len(want))
		}
	}
	if stats.Throttled.Load() == 0 {
		t.Error("no throttling seen: the faults were not injected")
	}
	if n := s.Requests()["/v1.0/users"]; n < 5 {
		t.Errorf("users took %d requests; at 30 a page it takes several", n)
	}
	managers, guests := 0, 0
	for id, p := range fetch(t, conn, extract.Users) {
		var u struct {
			UserType string `json:"userType"`
			Manager  *struct {
				ID string `json:"id"`
			} `json:"manager"`
			Proxy []string `json:"proxyAddresses"`
		}
		if err := json.Unmarshal(p, &u); err != nil {
			t.Fatal(err)
		}
		got := ""
		if u.Manager != nil {
			got = u.Manager.ID
			managers++
		}
		if want := s.Manager(main, id); got != want {
			t.Errorf("user %s: manager %q, want %q", id, got, want)
		}
		if u.UserType == "Guest" {
			guests++
		}
		if len(u.Proxy) == 0 {
			t.Errorf("user %s has no proxyAddresses", id)
		}
	}
	if managers == 0 || guests == 0 {
		t.Errorf("%d users with a manager, %d guests: the listing lacks them", managers, guests)
	}
	noUnexpected(t, s)
}

// TestApplicationsAreSSOApps: first-party services, managed identities and
// other non-SSO principals are left out.
func TestApplicationsAreSSOApps(t *testing.T) {
	_, s := start(t, 60, graphsim.Options{})
	main := s.TenantIDs()[0]
	conn, _ := connect(t, s, main, extract.Settings{"page_size": 999})
	for id, p := range fetch(t, conn, extract.Applications) {
		for _, bad := range []string{`"Microsoft Graph"`, `"ManagedIdentity"`, `"Office 365 Exchange Online"`} {
			if strings.Contains(string(p), bad) {
				t.Errorf("application %s is not an SSO app: %s", id, p)
			}
		}
	}
	if got := len(fetch(t, conn, extract.AppAssignments)); got != len(s.Expected(main, extract.AppAssignments)) {
		t.Errorf("app assignments: got %d", got)
	}
	noUnexpected(t, s)
}

func TestDomainsFilter(t *testing.T) {
	org, s := start(t, 200, graphsim.Options{})
	main := s.TenantIDs()[0]
	conn, _ := connect(t, s, main, extract.Settings{"domains": []string{org.Domain, "unused.example"}})
	got := keys(fetch(t, conn, extract.Users))
	var want []string
	for id, upn := range s.UPNs(main) {
		if graphsim.HasSuffix(upn, org.Domain) {
			want = append(want, id)
		}
	}
	slices.Sort(want)
	if len(want) == len(s.Expected(main, extract.Users)) || !slices.Equal(got, want) {
		t.Errorf("got %d users, want %d of %d", len(got), len(want), len(s.Expected(main, extract.Users)))
	}
	noUnexpected(t, s)
}

// TestTwoInstancesSameTenant: the same tenant key and source ids whatever
// the page size.
func TestTwoInstancesSameTenant(t *testing.T) {
	_, s := start(t, 120, graphsim.Options{})
	main := s.TenantIDs()[0]
	a, _ := connect(t, s, main, extract.Settings{"page_size": 7})
	b, _ := connect(t, s, main, extract.Settings{"page_size": 999})
	if a.Tenant() != b.Tenant() || a.Tenant() != main {
		t.Fatalf("tenants %q and %q, want %q", a.Tenant(), b.Tenant(), main)
	}
	for _, entity := range []string{extract.Users, extract.Groups, extract.Applications, extract.AppAssignments} {
		if !slices.Equal(keys(fetch(t, a, entity)), keys(fetch(t, b, entity))) {
			t.Errorf("%s: source ids differ between the instances", entity)
		}
	}
	noUnexpected(t, s)
}

// TestCheckFailures: refused credentials fail
// Check with the vendor and the step named, never the secret.
func TestCheckFailures(t *testing.T) {
	_, s := start(t, 20, graphsim.Options{})
	main := s.TenantIDs()[0]
	_, secret := s.Credentials(main)
	conn, _ := connect(t, s, main, extract.Settings{"client_secret": "wrong"})
	err := conn.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "entra") || !strings.Contains(err.Error(), "token") || strings.Contains(err.Error(), secret) {
		t.Fatalf("Check error = %v", err)
	}
}
