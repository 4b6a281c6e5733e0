package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

// fixture is a simulated org and a connector pointed at it.
type fixture struct {
	sim   *oktasim.Server
	conn  extract.Connector
	stats *httpx.Stats
	trace *tracer
}

type fixtureOpts struct {
	people   int
	sim      oktasim.Options
	settings extract.Settings
	now      func() time.Time
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	if o.people == 0 {
		o.people = 400
	}
	org := synth.Generate(synth.Params{Seed: 21, People: o.people, Date: testDate})
	sim := oktasim.New(org, o.sim)
	base, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	settings := extract.Settings{
		"org_url":    "https://acme.okta.example",
		"api_token":  sim.Token(),
		"base_url":   base,
		"allow_http": true,
		"page_size":  50,
	}
	for k, v := range o.settings {
		settings[k] = v
	}
	f := &fixture{sim: sim, stats: &httpx.Stats{}, trace: &tracer{}}
	now := o.now
	if now == nil {
		now = org.End
	}
	env := extract.Env{
		Now: now,
		HTTP: func(ho httpx.Options) *http.Client {
			ho.MaxRetries = 3
			ho.BaseBackoff = 10 * time.Millisecond
			ho.MaxBackoff = 3 * time.Second
			ho.Stats = f.stats
			f.trace.next = http.DefaultTransport
			ho.Transport = f.trace
			return httpx.New(ho)
		},
	}
	conn, err := New(extract.Instance{Name: "okta-test", Type: "okta", Settings: settings}, env)
	if err != nil {
		t.Fatal(err)
	}
	f.conn = conn
	return f
}

// tracer records every request URL and the next link of its response.
type tracer struct {
	next  http.RoundTripper
	mu    sync.Mutex
	reqs  []string
	nexts map[string]bool
}

func (tr *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.next.RoundTrip(req)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.reqs = append(tr.reqs, req.URL.String())
	if tr.nexts == nil {
		tr.nexts = map[string]bool{}
	}
	if err == nil {
		if n := httpx.NextLink(resp.Header); n != "" {
			tr.nexts[n] = true
		}
	}
	return resp, err
}

func (f *fixture) entity(t *testing.T, name string) extract.Entity {
	t.Helper()
	for _, e := range f.conn.Entities() {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no entity %s", name)
	return extract.Entity{}
}

// run fetches one entity and returns its records in order.
func (f *fixture) run(t *testing.T, name, cur string) ([]extract.Record, string, error) {
	t.Helper()
	var recs []extract.Record
	next, err := f.entity(t, name).Fetch(context.Background(), cur, extract.SinkFunc(func(_ context.Context, r extract.Record) error {
		recs = append(recs, extract.Record{SourceID: r.SourceID, Payload: bytes.Clone(r.Payload)})
		return nil
	}))
	return recs, next, err
}

func ids(recs []extract.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.SourceID
	}
	return out
}

func TestEntitiesMatchSimulatedOrg(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	tests := []struct {
		entity string
		prefix string // payload must start as Okta sent it, not re-encoded
	}{
		{extract.Users, `{"id":"00u`},
		{extract.Groups, `{"id":"00g`},
		{extract.Applications, `{"_links":`},
		{extract.AppAssignments, `{"_links":`},
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
			want := f.sim.Expected(tt.entity)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%d records, want %d; first got %v", len(got), len(want), got[:min(3, len(got))])
			}
			for _, r := range recs {
				if !json.Valid(r.Payload) || !bytes.HasPrefix(r.Payload, []byte(tt.prefix)) {
					t.Fatalf("%s payload not as served: %.80s", r.SourceID, r.Payload)
				}
			}
		})
	}
	statuses := map[string]bool{}
	recs, _, _ := f.run(t, extract.Users, "")
	for _, r := range recs {
		statuses[f.sim.Status(r.SourceID)] = true
	}
	if len(statuses) != 8 {
		t.Errorf("users cover statuses %v, want all eight", statuses)
	}
	if n := f.sim.Requests()["/api/v1/users"]; n < 6 {
		t.Errorf("users took %d requests; page_size 50 over %d users should page", n, len(recs))
	}
	if u := f.sim.Unexpected(); len(u) > 0 {
		t.Fatalf("simulator saw unexpected requests: %v", u)
	}
}

// TestAppAssignmentsConcurrently: with app_concurrency 3, several apps'
// users are listed at once, and every assignment still arrives exactly once,
// each app's in page order.
func TestAppAssignmentsConcurrently(t *testing.T) {
	f := newFixture(t, fixtureOpts{settings: extract.Settings{"app_concurrency": 3, "page_size": 20},
		sim: oktasim.Options{Faults: oktasim.Faults{Delay: 5 * time.Millisecond}}})
	recs, _, err := f.run(t, extract.AppAssignments, "")
	if err != nil {
		t.Fatal(err)
	}
	got := ids(recs)
	byApp := map[string][]string{}
	for _, id := range got {
		app, user, _ := strings.Cut(id, "/")
		byApp[app] = append(byApp[app], user)
	}
	for app, users := range byApp {
		if !slices.IsSorted(users) { // Okta pages an app's users by id
			t.Fatalf("app %s: users out of page order", app)
		}
	}
	slices.Sort(got)
	want := f.sim.Expected(extract.AppAssignments)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%d assignments, want %d", len(got), len(want))
	}
	if p := f.sim.PeakInFlight(); p < 2 || p > 3 {
		t.Fatalf("at most %d requests in flight, want 2 or 3 (app_concurrency 3)", p)
	}
}

// TestLinkHeaderOnlyPaging: every request with a cursor is a URL the server
// handed out as rel="next"; the connector builds only first pages.
func TestLinkHeaderOnlyPaging(t *testing.T) {
	f := newFixture(t, fixtureOpts{settings: extract.Settings{"page_size": 20, "logs_lookback": "30h"}})
	for _, e := range []string{extract.Users, extract.AppAssignments, extract.Activity} {
		if _, _, err := f.run(t, e, ""); err != nil {
			t.Fatal(err)
		}
	}
	cursored := 0
	for _, u := range f.trace.reqs {
		if strings.Contains(u, "after=") {
			cursored++
			if !f.trace.nexts[u] {
				t.Fatalf("request %s was not a next link the server sent", u)
			}
		}
	}
	if cursored < 10 {
		t.Fatalf("only %d cursored requests; the test does not exercise paging", cursored)
	}
}

func TestActivityIncremental(t *testing.T) {
	var mu sync.Mutex
	now := testDate.Add(11 * time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, fixtureOpts{
		people:   150,
		sim:      oktasim.Options{Clock: clock},
		settings: extract.Settings{"logs_lookback": "72h", "logs_overlap": "2h", "page_size": 100},
		now:      clock,
	})
	first, cur, err := f.run(t, extract.Activity, "")
	if err != nil {
		t.Fatal(err)
	}
	var c extract.OverlapCursor
	if err := json.Unmarshal([]byte(cur), &c); err != nil || c.Last.After(now) || len(c.Seen) == 0 {
		t.Fatalf("cursor %s after first run: %v", cur, err)
	}
	want1 := f.sim.ExpectedEvents(now.Add(-72*time.Hour), now)
	if !slices.Equal(ids(first), want1) {
		t.Fatalf("first run: %d events, want %d", len(first), len(want1))
	}

	mu.Lock()
	start := now.Add(-72 * time.Hour)
	now = testDate.Add(23 * time.Hour)
	mu.Unlock()
	second, cur2, err := f.run(t, extract.Activity, cur)
	if err != nil {
		t.Fatal(err)
	}
	all := append(ids(first), ids(second)...)
	want := f.sim.ExpectedEvents(start, now)
	if !slices.Equal(all, want) {
		dup := map[string]int{}
		for _, id := range all {
			dup[id]++
		}
		for id, n := range dup {
			if n > 1 {
				t.Fatalf("event %s emitted %d times", id, n)
			}
		}
		t.Fatalf("two runs: %d events, want %d (gap)", len(all), len(want))
	}
	if len(second) == 0 {
		t.Fatal("second run emitted nothing; the test does not cover the increment")
	}

	// A third run with nothing new emits nothing and keeps the cursor.
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
		sim       oktasim.Options
		settings  extract.Settings
		entity    string
		wantErr   func(error) bool
		errHas    []string
		throttled bool
		paced     bool
	}{
		{name: "429 bursts with Retry-After", sim: oktasim.Options{Faults: oktasim.Faults{Throttle: oktasim.Burst{Every: 4, Count: 2}, RetryAfter: time.Second}}, entity: extract.Users, throttled: true},
		{name: "429 bursts without Retry-After", sim: oktasim.Options{Faults: oktasim.Faults{Throttle: oktasim.Burst{Every: 3, Count: 1}}}, entity: extract.Users, throttled: true},
		{name: "rate limit window with reset header", sim: oktasim.Options{RequestsPerMinute: 3, RateWindow: time.Second}, entity: extract.Users, paced: true},
		{name: "5xx bursts", sim: oktasim.Options{Faults: oktasim.Faults{ServerError: oktasim.Burst{Every: 5, Count: 2}}}, entity: extract.Groups, settings: extract.Settings{"page_size": 3}},
		{name: "slow pages", sim: oktasim.Options{Faults: oktasim.Faults{Delay: 20 * time.Millisecond}}, entity: extract.Applications},
		{name: "bad token", sim: oktasim.Options{}, settings: extract.Settings{"api_token": "not-the-token"}, entity: extract.Users,
			wantErr: func(err error) bool { return httpx.HasStatus(err, 401) }, errHas: []string{"okta", "/api/v1/users", "401", "api_token"}},
		{name: "repeated cursor", sim: oktasim.Options{Faults: oktasim.Faults{RepeatCursor: true}}, entity: extract.Users,
			wantErr: func(err error) bool { return errors.Is(err, httpx.ErrCursorLoop) }, errHas: []string{"okta users"}},
		{name: "malformed JSON", sim: oktasim.Options{Faults: oktasim.Faults{MalformedPage: 2}}, entity: extract.Users,
			wantErr: func(err error) bool { return err != nil }, errHas: []string{"okta users page 2", "decoding"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{people: 200, sim: tt.sim, settings: tt.settings})
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
				t.Logf("error: %v", err)
				if strings.Contains(err.Error(), f.sim.Token()) || strings.Contains(err.Error(), "not-the-token") {
					t.Fatalf("error leaks the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ids(recs)
			slices.Sort(got)
			want := f.sim.Expected(tt.entity)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%d records, want %d", len(got), len(want))
			}
			if tt.throttled && f.stats.Throttled.Load() == 0 {
				t.Fatal("no throttled response was counted; the fault did not fire")
			}
			if tt.paced && f.stats.WaitNanos.Load() == 0 {
				t.Fatal("the client never waited for the rate-limit window")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	f := newFixture(t, fixtureOpts{people: 20})
	if err := f.conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	bad := newFixture(t, fixtureOpts{people: 20, settings: extract.Settings{"api_token": "wrong"}})
	err := bad.conn.Check(context.Background())
	if err == nil || !httpx.HasStatus(err, 401) || !strings.Contains(err.Error(), "okta") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("check with a bad token: %v", err)
	}
	if n := f.sim.Requests()["/api/v1/users"]; n != 1 {
		t.Fatalf("check made %d requests", n)
	}
}

func TestNewValidates(t *testing.T) {
	ok := extract.Settings{"org_url": "https://Acme.okta.com", "api_token": "t"}
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
	}{
		{"valid", ok, ""},
		{"no org_url", with("org_url", nil), "org_url"},
		{"http org_url", with("org_url", "http://acme.okta.com"), "org_url"},
		{"no token", with("api_token", nil), "api_token"},
		{"http base_url", with("base_url", "http://127.0.0.1:1"), "base_url"},
		{"negative overlap", with("logs_overlap", "-1m"), "logs_overlap"},
		{"no app concurrency", with("app_concurrency", 0), "app_concurrency"},
		{"app concurrency over Okta's limit", with("app_concurrency", 36), "app_concurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(extract.Instance{Name: "x", Type: "okta", Settings: tt.s}, extract.Env{})
			if tt.wantErr == "" {
				if err != nil || c.Tenant() != "acme.okta.com" {
					t.Fatalf("New: %v, tenant %v", err, c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want mention of %s", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), `"t"`) {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
}

// TestPublishedSamples feeds Okta's published examples through the page
// decoder the connector uses.
func TestPublishedSamples(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "vendor-samples", "okta")
	tests := []struct {
		file, key string
		wantIDs   []string
		wantErr   bool
	}{
		{"users-list.json", "id", []string{"00u118oQYT4TBTemp0g4"}, false},
		{"groups-list.json", "id", []string{"00g1emaKYZTWRYYRRTSK", "00garwpuyxHaWOkdV0g4"}, false},
		{"apps-list-example1.json", "id", []string{"0oa1gjh63g214q0Hq0g4"}, false},
		{"app-users-list.json", "id", []string{"00u1dnq5S0CfjlkpABCD"}, false},
		{"logs-list.json", "uuid", []string{"dc9fd3c0-598c-11ef-8478-2b7584bf8d5a"}, false},
		{"error-429-too-many-requests.json", "id", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Skipf("vendor samples not present: %v", err)
			}
			recs, err := decodePage(body)
			if tt.wantErr {
				if err == nil {
					t.Fatal("an error body decoded as a page")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The listing reads the key while it splits the page.
			_, vals, err := splitPage(body, tt.key)
			if err != nil || len(vals) != len(recs) {
				t.Fatalf("splitPage: %d keys for %d records, %v", len(vals), len(recs), err)
			}
			var got []string
			for i, r := range recs {
				id, err := recordKey(r, tt.key)
				if err != nil {
					t.Fatal(err)
				}
				if listed, err := keyString(vals[i], tt.key); listed != id || err != nil {
					t.Fatalf("record %d: listing read key %q (%v), recordKey %q", i, listed, err, id)
				}
				got = append(got, id)
				// The record is the sample's own bytes, not a re-encoding.
				if !bytes.Contains(body, r) {
					t.Fatalf("record %s is not a slice of the page", id)
				}
			}
			if !slices.Equal(got, tt.wantIDs) {
				t.Fatalf("ids %v, want %v", got, tt.wantIDs)
			}
		})
	}
}

func FuzzDecodePage(f *testing.F) {
	for _, s := range []string{`[]`, `[{"id":"a"}]`, `null`, `{"errorCode":"E0000047"}`, `[{"id":1},2]`, `[{"id":"x","n":[1,{"a":null}]}]`} {
		f.Add([]byte(s))
	}
	if files, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "vendor-samples", "okta", "*.json")); len(files) > 0 {
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := decodePage(body)
		if err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatal("accepted invalid JSON")
		}
		_, vals, err := splitPage(body, "id")
		if err != nil || len(vals) != len(recs) {
			t.Fatalf("splitPage with a key: %d keys for %d records, %v", len(vals), len(recs), err)
		}
		for i, r := range recs {
			var m map[string]json.RawMessage
			if json.Unmarshal(r, &m) != nil {
				t.Fatalf("record %q is not an object", r)
			}
			id, err := recordKey(r, "id")
			if err == nil && m["id"] == nil {
				t.Fatal("recordKey found an id that is not there")
			}
			if listed, lerr := keyString(vals[i], "id"); listed != id || (lerr == nil) != (err == nil) {
				t.Fatalf("record %q: listing read id %q (%v), recordKey %q (%v)", r, listed, lerr, id, err)
			}
		}
	})
}

// BenchmarkFetchUsers measures listing 10,000 users (all statuses) from the
// simulator over loopback at Okta's maximum page size.
func BenchmarkFetchUsers(b *testing.B) {
	org := synth.Generate(synth.Params{Seed: 21, People: 10_000, Date: testDate})
	sim := oktasim.New(org, oktasim.Options{})
	base, err := sim.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	conn, err := New(extract.Instance{Name: "bench", Type: "okta", Settings: extract.Settings{
		"org_url": "https://acme.okta.example", "api_token": sim.Token(), "base_url": base, "allow_http": true, "page_size": 200,
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

// TestEventKey reads the uuid and publication time of System Log events:
// the published sample, keys in any order, a repeated key (the last one
// counts, as for encoding/json), and events the connector must refuse.
func TestEventKey(t *testing.T) {
	type eventCase struct {
		name, event string
		uuid        string
		published   time.Time
		err         string
	}
	tests := []eventCase{
		{"order", `{"published":"2026-11-28T10:00:00.123Z","x":{"uuid":"nested"},"uuid":"u1"}`, "u1", time.Date(2026, 11, 28, 10, 0, 0, 123e6, time.UTC), ""},
		{"repeated", `{"uuid":"first","published":"2026-11-28T10:00:00Z","uuid":"last"}`, "last", time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), ""},
		{"escaped", `{"\u0075uid":"u\u0032","published":"2026-11-28T10:00:00Z"}`, "u2", time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), ""},
		{"no uuid", `{"published":"2026-11-28T10:00:00Z"}`, "", time.Time{}, "no uuid"},
		{"empty uuid", `{"uuid":"","published":"2026-11-28T10:00:00Z"}`, "", time.Time{}, "no uuid"},
		{"number uuid", `{"uuid":12,"published":"2026-11-28T10:00:00Z"}`, "", time.Time{}, "no uuid"},
		{"no published", `{"uuid":"u3"}`, "", time.Time{}, `event u3: published ""`},
		{"bad published", `{"uuid":"u4","published":"yesterday"}`, "", time.Time{}, `event u4: published "yesterday"`},
	}
	if body, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "vendor-samples", "okta", "logs-list.json")); err == nil {
		recs, err := decodePage(body)
		if err != nil || len(recs) != 1 {
			t.Fatalf("sample page: %d events, %v", len(recs), err)
		}
		tests = append(tests, eventCase{"published sample", string(recs[0]), "dc9fd3c0-598c-11ef-8478-2b7584bf8d5a", time.Date(2024, 8, 13, 15, 58, 20, 353e6, time.UTC), ""})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			uuid, pub, err := eventKey([]byte(tc.event))
			// The listing reads the same members while splitting a page.
			_, vals, serr := splitPage([]byte("["+tc.event+"]"), eventKeys[:]...)
			if serr != nil {
				t.Fatal(serr)
			}
			luuid, lpub, lerr := eventKeyOf(vals[0], vals[1])
			if luuid != uuid || !lpub.Equal(pub) || (lerr == nil) != (err == nil) {
				t.Fatalf("listing read %q, %v, %v; eventKey %q, %v, %v", luuid, lpub, lerr, uuid, pub, err)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("eventKey = %q, %v, %v; want an error containing %q", uuid, pub, err, tc.err)
				}
				return
			}
			if err != nil || uuid != tc.uuid || !pub.Equal(tc.published) {
				t.Fatalf("eventKey = %q, %v, %v; want %q, %v", uuid, pub, err, tc.uuid, tc.published)
			}
		})
	}
}
