package googleworkspace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/googleworkspace/gwsim"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

type fixture struct {
	sim   *gwsim.Server
	conn  extract.Connector
	stats *httpx.Stats
	key   string
}

type fixtureOpts struct {
	people   int
	sim      gwsim.Options
	settings extract.Settings
	now      func() time.Time
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	if o.people == 0 {
		o.people = 300
	}
	org := synth.Generate(synth.Params{Seed: 21, People: o.people, Date: testDate})
	sim, err := gwsim.New(org, o.sim)
	if err != nil {
		t.Fatal(err)
	}
	base, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	f := &fixture{sim: sim, stats: &httpx.Stats{}, key: sim.ServiceAccountKey()}
	settings := extract.Settings{
		"customer_id":         sim.CustomerID(),
		"service_account_key": f.key,
		"admin_email":         sim.Admin(),
		"product_ids":         []string{gwsim.ProductWorkspace, gwsim.ProductArchived},
		"base_url":            base,
		"licensing_url":       base,
		"token_url":           sim.TokenURL(),
		"allow_http":          true,
		"page_size":           40,
	}
	for k, v := range o.settings {
		settings[k] = v
	}
	now := o.now
	if now == nil {
		now = org.End
	}
	env := extract.Env{Now: now, HTTP: func(ho httpx.Options) *http.Client {
		ho.MaxRetries = 3
		ho.BaseBackoff = 5 * time.Millisecond
		ho.MaxBackoff = 50 * time.Millisecond
		ho.Stats = f.stats
		return httpx.New(ho)
	}}
	conn, err := New(extract.Instance{Name: "gw-test", Type: "google_workspace", Settings: settings}, env)
	if err != nil {
		t.Fatal(err)
	}
	f.conn = conn
	return f
}

func (f *fixture) run(t *testing.T, name, cur string) ([]extract.Record, string, error) {
	t.Helper()
	for _, e := range f.conn.Entities() {
		if e.Name == name {
			var recs []extract.Record
			next, err := e.Fetch(context.Background(), cur, extract.SinkFunc(func(_ context.Context, r extract.Record) error {
				recs = append(recs, extract.Record{SourceID: r.SourceID, Payload: bytes.Clone(r.Payload)})
				return nil
			}))
			return recs, next, err
		}
	}
	t.Fatalf("no entity %s", name)
	return nil, "", nil
}

func ids(recs []extract.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.SourceID
	}
	return out
}

func TestEntitiesMatchSimulatedCustomer(t *testing.T) {
	f := newFixture(t, fixtureOpts{settings: extract.Settings{"purchased_seats": []string{gwsim.SkuStandard + "=500", "1010020020=5"}}})
	products := []string{gwsim.ProductWorkspace, gwsim.ProductArchived}
	tests := []struct {
		entity, prefix string
		want           []string
	}{
		{extract.Users, `{"addresses":`, f.sim.Expected("users")},
		{extract.LicenseAssignments, `{"etags":`, f.sim.Expected("license_assignments", products...)},
		{extract.Subscriptions, `{"kind":"saaspipe#googleSku"`, append(f.sim.Expected("subscriptions", products...), gwsim.ProductWorkspace+"/1010020020")},
	}
	for _, tt := range tests {
		t.Run(tt.entity, func(t *testing.T) {
			recs, next, err := f.run(t, tt.entity, "")
			if err != nil {
				t.Fatal(err)
			}
			if next != "" {
				t.Errorf("full entity returned cursor %q", next)
			}
			got := ids(recs)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) || len(got) == 0 {
				t.Fatalf("%d records, want %d; first %v", len(got), len(want), got[:min(3, len(got))])
			}
			for _, r := range recs {
				if !json.Valid(r.Payload) || !bytes.HasPrefix(r.Payload, []byte(tt.prefix)) {
					t.Fatalf("%s payload not as served: %.80s", r.SourceID, r.Payload)
				}
			}
		})
	}
	states := map[string]int{}
	users, _, _ := f.run(t, extract.Users, "")
	for _, r := range users {
		states[f.sim.State(r.SourceID)]++
	}
	if states[gwsim.Active] == 0 || states[gwsim.Suspended] == 0 || states[gwsim.Archived] == 0 {
		t.Errorf("users cover states %v, want active, suspended and archived", states)
	}
	if n := f.sim.Requests()["users"]; n < 3 {
		t.Errorf("users took %d requests; page_size 40 should page", n)
	}
	subs, _, _ := f.run(t, extract.Subscriptions, "")
	for _, r := range subs {
		var s sku
		json.Unmarshal(r.Payload, &s)
		switch s.SkuID {
		case gwsim.SkuStandard:
			if s.PurchasedSeats == nil || *s.PurchasedSeats != 500 || s.AssignedLicenses == 0 || s.SkuName == "" {
				t.Errorf("standard sku = %+v", s)
			}
		case "1010020020":
			if s.AssignedLicenses != 0 || s.PurchasedSeats == nil || *s.PurchasedSeats != 5 {
				t.Errorf("configured sku without assignments = %+v", s)
			}
		case gwsim.SkuPlus:
			if s.PurchasedSeats != nil {
				t.Errorf("unconfigured sku has purchased seats %d", *s.PurchasedSeats)
			}
		}
	}
	if u := f.sim.Unexpected(); len(u) > 0 {
		t.Fatalf("simulator saw unexpected requests: %v", u)
	}
	if n := f.sim.Requests()["/token"]; n != 1 {
		t.Errorf("%d token requests; the token should be reused", n)
	}
}

func TestActivityIncremental(t *testing.T) {
	var mu sync.Mutex
	now := testDate.Add(11 * time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, fixtureOpts{people: 200, sim: gwsim.Options{Clock: clock},
		settings: extract.Settings{"activity_lookback": "72h", "activity_overlap": "2h", "page_size": 100}, now: clock})
	first, cur, err := f.run(t, extract.Activity, "")
	if err != nil {
		t.Fatal(err)
	}
	var c cursor
	if err := json.Unmarshal([]byte(cur), &c); err != nil || c.Last.IsZero() || len(c.Seen) == 0 {
		t.Fatalf("cursor %s after first run: %v", cur, err)
	}
	// Usage: the lag is three days, so the connector stepped back from two.
	if want := testDate.AddDate(0, 0, -3).Format(time.DateOnly); c.UsageDate != want {
		t.Errorf("usage date %s, want %s", c.UsageDate, want)
	}
	logins := func(recs []extract.Record) (out []string, usage int) {
		for _, r := range recs {
			if strings.HasPrefix(r.SourceID, "usage/") {
				usage++
				continue
			}
			out = append(out, r.SourceID)
		}
		slices.Sort(out)
		return out, usage
	}
	got1, usage1 := logins(first)
	start := now.Add(-72 * time.Hour)
	if want := f.sim.ExpectedLogins(start, now); !slices.Equal(got1, want) || len(want) == 0 {
		t.Fatalf("first run: %d login events, want %d", len(got1), len(want))
	}
	if usage1 == 0 {
		t.Fatal("no usage observations emitted")
	}

	mu.Lock()
	now = testDate.Add(23 * time.Hour)
	mu.Unlock()
	second, cur2, err := f.run(t, extract.Activity, cur)
	if err != nil {
		t.Fatal(err)
	}
	got2, usage2 := logins(second)
	if len(got2) == 0 {
		t.Fatal("second run emitted no logins; the test does not cover the increment")
	}
	if usage2 != 0 {
		t.Errorf("second run re-read the usage report of the same date (%d records)", usage2)
	}
	all := append(slices.Clone(got1), got2...)
	slices.Sort(all)
	if want := f.sim.ExpectedLogins(start, now); !slices.Equal(all, want) {
		t.Fatalf("two runs: %d events, want %d (duplicates or a gap)", len(all), len(want))
	}
	// A window beyond Google's retention is cut, not sent.
	old := newFixture(t, fixtureOpts{people: 50, settings: extract.Settings{"activity_lookback": "8760h"}})
	if _, _, err := old.run(t, extract.Activity, ""); err != nil || len(old.sim.Unexpected()) > 0 {
		t.Fatalf("year-long lookback: %v %v", err, old.sim.Unexpected())
	}
	third, cur3, err := f.run(t, extract.Activity, cur2)
	if err != nil || len(third) != 0 || cur3 != cur2 {
		t.Fatalf("idle run: %d events, cursor changed %v, err %v", len(third), cur3 != cur2, err)
	}
	if u := f.sim.Unexpected(); len(u) > 0 {
		t.Fatalf("unexpected requests: %v", u)
	}
}

func TestFaultsAndErrors(t *testing.T) {
	tests := []struct {
		name      string
		sim       gwsim.Options
		settings  extract.Settings
		entity    string
		wantErr   func(error) bool
		errHas    []string
		throttled bool
		refreshed bool
	}{
		{name: "403 rate and quota limits and 429", sim: gwsim.Options{Faults: gwsim.Faults{Throttle: gwsim.Burst{Every: 5, Count: 3}}}, settings: extract.Settings{"page_size": 10}, entity: extract.Users, throttled: true},
		{name: "access token expired", sim: gwsim.Options{Faults: gwsim.Faults{ExpireAccess: 2}}, entity: extract.Users, refreshed: true},
		{name: "503 bursts", sim: gwsim.Options{Faults: gwsim.Faults{ServerError: gwsim.Burst{Every: 4, Count: 1}}}, entity: extract.LicenseAssignments},
		{name: "403 forbidden is final", sim: gwsim.Options{Faults: gwsim.Faults{Forbidden: true}}, entity: extract.Users,
			wantErr: func(err error) bool { return httpx.HasStatus(err, 403) && httpx.HasCode(err, "forbidden") }, errHas: []string{"google", "/admin/directory/v1/users", "403", "privilege"}},
		{name: "wrong admin", settings: extract.Settings{"admin_email": "someone@acme.example"}, entity: extract.Users,
			wantErr: func(err error) bool { return err != nil }, errHas: []string{"google", "unauthorized_client", "domain-wide delegation"}},
		{name: "repeated cursor", sim: gwsim.Options{Faults: gwsim.Faults{RepeatCursor: true}}, settings: extract.Settings{"page_size": 5}, entity: extract.Users,
			wantErr: func(err error) bool { return errors.Is(err, httpx.ErrCursorLoop) }, errHas: []string{"google users"}},
		{name: "malformed JSON", sim: gwsim.Options{Faults: gwsim.Faults{MalformedPage: 2}}, entity: extract.Users,
			wantErr: func(err error) bool { return err != nil }, errHas: []string{"google users page 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{people: 150, sim: tt.sim, settings: tt.settings})
			recs, _, err := f.run(t, tt.entity, "")
			if tt.wantErr != nil {
				if err == nil || !tt.wantErr(err) {
					t.Fatalf("err = %v", err)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "ya29.") {
					t.Fatalf("error leaks a secret: %v", err)
				}
				if httpx.HasStatus(err, 403) && f.stats.Retries.Load() != 0 {
					t.Errorf("a final 403 was retried %d times", f.stats.Retries.Load())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ids(recs)
			slices.Sort(got)
			if want := f.sim.Expected(tt.entity, gwsim.ProductWorkspace, gwsim.ProductArchived); !slices.Equal(got, want) {
				t.Fatalf("%d records, want %d", len(got), len(want))
			}
			if tt.throttled && f.stats.Throttled.Load() < 4 {
				t.Fatalf("%d throttled responses counted; the faults did not all fire", f.stats.Throttled.Load())
			}
			if tt.refreshed && (f.stats.Refreshes.Load() != 1 || f.sim.Requests()["/token"] != 2) {
				t.Fatalf("%d refreshes, %d token requests; want one refresh", f.stats.Refreshes.Load(), f.sim.Requests()["/token"])
			}
		})
	}
}

func TestCheck(t *testing.T) {
	f := newFixture(t, fixtureOpts{people: 20})
	if err := f.conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := f.sim.Requests()["users"]; n != 1 {
		t.Fatalf("check made %d requests", n)
	}
	if got := f.conn.Tenant(); got != f.sim.CustomerID() {
		t.Errorf("tenant %q, want the customer id", got)
	}
}

func TestNewValidates(t *testing.T) {
	key := `{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com","private_key":"-----BEGIN PRIVATE KEY-----\nsecretbits\n-----END PRIVATE KEY-----\n"}`
	ok := extract.Settings{"customer_id": "C01abc", "service_account_key": key, "admin_email": "admin@acme.com"}
	with := func(k string, v any) extract.Settings {
		s := extract.Settings{}
		for a, b := range ok {
			s[a] = b
		}
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
		return s
	}
	tests := []struct {
		name    string
		s       extract.Settings
		wantErr string
		tenant  string
	}{
		{"valid", ok, "", "C01abc"},
		{"my_customer with domain", with("customer_id", "my_customer"), "domain", ""},
		{"domain as tenant", extract.Settings{"customer_id": "my_customer", "domain": "Acme.com", "service_account_key": key, "admin_email": "admin@acme.com"}, "", "acme.com"},
		{"not JSON key", with("service_account_key", "-----BEGIN PRIVATE KEY-----secretbits"), "service_account_key", ""},
		{"no admin", with("admin_email", nil), "admin_email", ""},
		{"bad seats", with("purchased_seats", []string{"1010020028"}), "purchased_seats[0]", ""},
		{"http base_url", with("base_url", "http://127.0.0.1:1"), "base_url", ""},
		{"negative overlap", with("activity_overlap", "-1m"), "activity_overlap", ""},
		{"empty products", with("product_ids", []string{}), "product_ids", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(extract.Instance{Name: "x", Type: "google_workspace", Settings: tt.s}, extract.Env{})
			if tt.wantErr == "" {
				if err != nil || c.Tenant() != tt.tenant {
					t.Fatalf("New: %v, tenant %v", err, c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want mention of %s", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secretbits") {
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
}

func TestDecodePage(t *testing.T) {
	tests := []struct {
		body    string
		l       listing
		n       int
		next    string
		wantErr bool
	}{
		{`{"kind":"admin#directory#users","etag":"x"}`, usersListing, 0, "", false},
		{`{"kind":"admin#directory#users","users":[{"id":"1"},{"id":"2"}],"nextPageToken":"t"}`, usersListing, 2, "t", false},
		{`{"kind":"licensing#licenseAssignmentList","items":[{"userId":"a"}]}`, licenseListing, 1, "", false},
		{`{"error":{"code":403,"errors":[{"reason":"forbidden"}]}}`, usersListing, 0, "", true},
		{`{"kind":"admin#reports#activities","items":null}`, activityListing, 0, "", true},
		{`{"kind":"admin#reports#activities","items":[1]}`, activityListing, 0, "", true},
		{`[]`, usersListing, 0, "", true},
		{`{"kind":"admin#directory#users","nextPageToken":5}`, usersListing, 0, "", true},
	}
	for _, tt := range tests {
		p, err := decodePage([]byte(tt.body), tt.l)
		if (err != nil) != tt.wantErr || len(p.records) != tt.n || p.next != tt.next {
			t.Errorf("%s: %d records, next %q, err %v", tt.body, len(p.records), p.next, err)
		}
	}
}

func FuzzDecodePage(f *testing.F) {
	for _, s := range []string{`{"kind":"admin#directory#users"}`, `{"kind":"admin#directory#users","users":[{"id":"1"}],"nextPageToken":"x"}`, `null`, `{"error":{}}`, `{"kind":"admin#directory#users","users":[{},2]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodePage(body, usersListing)
		if err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatal("accepted invalid JSON")
		}
		for _, r := range p.records {
			var m map[string]json.RawMessage
			if json.Unmarshal(r, &m) != nil {
				t.Fatalf("record %q is not an object", r)
			}
		}
	})
}

// BenchmarkFetchUsers measures listing the users of a 5,000-person org at
// Google's maximum page size over loopback.
func BenchmarkFetchUsers(b *testing.B) {
	org := synth.Generate(synth.Params{Seed: 21, People: 5000, Date: testDate})
	sim, err := gwsim.New(org, gwsim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	base, err := sim.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	conn, err := New(extract.Instance{Name: "bench", Type: "google_workspace", Settings: extract.Settings{
		"customer_id": sim.CustomerID(), "service_account_key": sim.ServiceAccountKey(), "admin_email": sim.Admin(),
		"base_url": base, "licensing_url": base, "token_url": sim.TokenURL(), "allow_http": true, "page_size": 500,
	}}, extract.Env{Now: org.End})
	if err != nil {
		b.Fatal(err)
	}
	fetch := conn.Entities()[0].Fetch
	n := 0
	sink := extract.SinkFunc(func(context.Context, extract.Record) error { n++; return nil })
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fetch(context.Background(), "", sink); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "records/op")
}

// TestDemo: the demo's connector instance, built from its settings and
// secrets as the config would give them, reads the simulated customer.
func TestDemo(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 3, People: 80, Date: testDate})
	v, err := gwsim.Demo(org)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	conns := v.Connectors()
	if len(conns) != 1 || conns[0].Name != "google-workspace" || conns[0].Type != Type.Name {
		t.Fatalf("demo connectors %+v", conns)
	}
	s := extract.Settings{}
	for k, val := range conns[0].Settings {
		s[k] = val
	}
	for k, val := range conns[0].Secrets {
		if _, leaked := conns[0].Settings[k]; leaked {
			t.Fatalf("secret %s also in settings", k)
		}
		s[k] = val
	}
	c, err := New(extract.Instance{Name: conns[0].Name, Type: conns[0].Type, Settings: s}, extract.Env{Now: org.End})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestActivityKey: a login activity is identified by id.time and
// id.uniqueQualifier, both non-empty strings, wherever they sit in the id
// object; anything else is no key.
func TestActivityKey(t *testing.T) {
	for _, tc := range []struct {
		rec, at, qualifier string
		ok                 bool
	}{
		{`{"kind":"admin#reports#activity","id":{"time":"2026-11-27T09:14:03.551Z","uniqueQualifier":"-4602183702245036131","applicationName":"login","customerId":"C03az79cb"},"actor":{"email":"a@acme.example"}}`,
			"2026-11-27T09:14:03.551Z", "-4602183702245036131", true},
		{`{"id":{"customerId":"C1","uniqueQualifier":"7","time":"2026-11-27T09:14:03Z"}}`, "2026-11-27T09:14:03Z", "7", true},
		{`{"id":{"time":"2026-11-27T09:14:03Z"}}`, "2026-11-27T09:14:03Z", "", false},
		{`{"id":{"time":"","uniqueQualifier":"7"}}`, "", "7", false},
		{`{"id":{"time":"2026-11-27T09:14:03Z","uniqueQualifier":7}}`, "2026-11-27T09:14:03Z", "", false},
		{`{"id":"2026-11-27T09:14:03Z/7"}`, "", "", false},
		{`{"actor":{"id":{"time":"t","uniqueQualifier":"q"}}}`, "", "", false},
		{`[]`, "", "", false},
	} {
		at, q, ok := activityKey([]byte(tc.rec))
		if at != tc.at || q != tc.qualifier || ok != tc.ok {
			t.Errorf("activityKey(%s) = %q, %q, %v; want %q, %q, %v", tc.rec, at, q, ok, tc.at, tc.qualifier, tc.ok)
		}
	}
}
