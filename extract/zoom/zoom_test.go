package zoom

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
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/zoom/zoomsim"
	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

type fixture struct {
	sim   *zoomsim.Server
	conn  extract.Connector
	stats *httpx.Stats
	caps  map[string]string
}

type fixtureOpts struct {
	people   int
	sim      zoomsim.Options
	settings extract.Settings
	now      func() time.Time
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	if o.people == 0 {
		o.people = 300
	}
	org := synth.Generate(synth.Params{Seed: 21, People: o.people, Date: testDate})
	sim := zoomsim.New(org, o.sim)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	f := &fixture{sim: sim, stats: &httpx.Stats{}, caps: map[string]string{}}
	settings := extract.Settings{
		"account_id": sim.AccountID(), "client_id": sim.ClientID(), "client_secret": sim.ClientSecret(),
		"base_url": sim.APIURL(), "token_url": sim.TokenURL(), "allow_http": true, "page_size": 40,
	}
	for k, v := range o.settings {
		settings[k] = v
	}
	now := o.now
	if now == nil {
		now = org.End
	}
	var mu sync.Mutex
	env := extract.Env{Now: now,
		HTTP: func(ho httpx.Options) *http.Client {
			ho.MaxRetries = 3
			ho.BaseBackoff = 5 * time.Millisecond
			ho.MaxBackoff = 1100 * time.Millisecond
			ho.Stats = f.stats
			return httpx.New(ho)
		},
		Capability: func(name string, available bool, reason string) {
			mu.Lock()
			f.caps[name] = reason
			mu.Unlock()
		},
	}
	conn, err := New(extract.Instance{Name: "zoom-test", Type: "zoom", Settings: settings}, env)
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

func sorted(recs []extract.Record) []string {
	out := ids(recs)
	slices.Sort(out)
	return out
}

func TestEntitiesMatchSimulatedAccount(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	for _, tt := range []struct{ entity, prefix string }{
		{extract.Users, `{"created_at":`},
		{extract.Subscriptions, `{"`},
	} {
		t.Run(tt.entity, func(t *testing.T) {
			recs, next, err := f.run(t, tt.entity, "")
			if err != nil {
				t.Fatal(err)
			}
			if next != "" {
				t.Errorf("full entity returned cursor %q", next)
			}
			if got, want := sorted(recs), f.sim.Expected(tt.entity); !slices.Equal(got, want) || len(got) == 0 {
				t.Fatalf("%d records %v…, want %d", len(got), got[:min(3, len(got))], len(want))
			}
			for _, r := range recs {
				if !json.Valid(r.Payload) || !bytes.HasPrefix(r.Payload, []byte(tt.prefix)) {
					t.Fatalf("%s payload not as served: %.80s", r.SourceID, r.Payload)
				}
			}
		})
	}
	users, _, _ := f.run(t, extract.Users, "")
	seen := map[string]bool{}
	for _, r := range users {
		st, typ := f.sim.User(r.SourceID)
		seen[st] = true
		seen[map[int]string{1: "basic", 2: "licensed"}[typ]] = true
	}
	for _, want := range []string{zoomsim.Active, zoomsim.Inactive, zoomsim.Pending, "basic", "licensed"} {
		if !seen[want] {
			t.Errorf("users lack %s ones: %v", want, seen)
		}
	}
	if n := f.sim.Requests()["users"]; n < 6 {
		t.Errorf("users took %d requests; page_size 40 should page", n)
	}
	if n := f.sim.Requests()["/oauth/token"]; n != 1 {
		t.Errorf("%d token requests; the token should be reused", n)
	}
	if u := f.sim.Unexpected(); len(u) > 0 {
		t.Fatalf("simulator saw unexpected requests: %v", u)
	}
}

// TestExpiredPageTokenRestarts: a listing whose next_page_token expired
// starts again and still yields every user exactly once.
func TestExpiredPageTokenRestarts(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		f := newFixture(t, fixtureOpts{sim: zoomsim.Options{Faults: zoomsim.Faults{ExpireToken: n}}, settings: extract.Settings{"page_size": 30}})
		recs, _, err := f.run(t, extract.Users, "")
		if err != nil {
			t.Fatal(err)
		}
		got := ids(recs)
		if slices.Sort(got); slices.Compact(slices.Clone(got)) == nil || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("expiry at %d: duplicates emitted", n)
		}
		if want := f.sim.Expected(extract.Users); !slices.Equal(got, want) {
			t.Fatalf("expiry at %d: %d users, want %d", n, len(got), len(want))
		}
		if first := f.sim.Requests()["users/active first pages"] + f.sim.Requests()["users/inactive first pages"] + f.sim.Requests()["users/pending first pages"]; first != 4 {
			t.Fatalf("expiry at %d: %d first-page requests, want 3 listings + 1 restart", n, first)
		}
	}
	// A token that keeps expiring ends the listing with Zoom's error after the
	// restart cap.
	f := newFixture(t, fixtureOpts{sim: zoomsim.Options{PageTokenTTL: time.Nanosecond}, settings: extract.Settings{"page_size": 30}})
	_, _, err := f.run(t, extract.Users, "")
	if err == nil || !expiredToken(err) || !strings.Contains(err.Error(), "zoom active users") {
		t.Fatalf("endless expiry: %v", err)
	}
}

func TestActivityIncremental(t *testing.T) {
	var mu sync.Mutex
	now := testDate.Add(11 * time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, fixtureOpts{people: 150, sim: zoomsim.Options{Clock: clock},
		settings: extract.Settings{"activity_lookback": "1000h", "activity_overlap": "2h", "page_size": 300}, now: clock})
	first, cur, err := f.run(t, extract.Activity, "")
	if err != nil {
		t.Fatal(err)
	}
	start := now.Add(-1000 * time.Hour)
	if want := f.sim.ExpectedEvents(start, now.Add(time.Second)); !slices.Equal(sorted(first), want) || len(want) == 0 {
		t.Fatalf("first run: %d events, want %d", len(first), len(want))
	}
	if n := f.sim.Requests()["activities/2026-02-02/2026-03-03 first pages"]; n != 1 {
		t.Errorf("a 1000 h lookback should be read in month-long spans: %v", f.sim.Requests())
	}
	mu.Lock()
	now = testDate.Add(23 * time.Hour)
	mu.Unlock()
	second, cur2, err := f.run(t, extract.Activity, cur)
	if err != nil {
		t.Fatal(err)
	}
	if len(second) == 0 {
		t.Fatal("second run emitted nothing; the test does not cover the increment")
	}
	all := append(ids(first), ids(second)...)
	slices.Sort(all)
	if want := f.sim.ExpectedEvents(start, now.Add(time.Second)); !slices.Equal(all, want) {
		t.Fatalf("two runs: %d events, want %d (duplicates or a gap)", len(all), len(want))
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
		sim       zoomsim.Options
		settings  extract.Settings
		entity    string
		wantErr   func(error) bool
		errHas    []string
		throttled bool
		refreshed bool
	}{
		{name: "429 bursts", sim: zoomsim.Options{Faults: zoomsim.Faults{Throttle: zoomsim.Burst{Every: 5, Count: 1}}}, entity: extract.Users, throttled: true},
		{name: "per-second limit", sim: zoomsim.Options{RequestsPerSecond: 4}, entity: extract.Users, settings: extract.Settings{"page_size": 10}, throttled: true},
		{name: "500 bursts", sim: zoomsim.Options{Faults: zoomsim.Faults{ServerError: zoomsim.Burst{Every: 4, Count: 2}}}, entity: extract.Users},
		{name: "access token expired", sim: zoomsim.Options{Faults: zoomsim.Faults{ExpireAccess: 3}}, entity: extract.Users, refreshed: true},
		{name: "bad secret", settings: extract.Settings{"client_secret": "not-the-secret"}, entity: extract.Users,
			wantErr: func(err error) bool { return httpx.HasCode(err, "invalid_client") }, errHas: []string{"zoom", "/oauth/token", "client_secret"}},
		{name: "repeated cursor", sim: zoomsim.Options{Faults: zoomsim.Faults{RepeatCursor: true}}, entity: extract.Users,
			wantErr: func(err error) bool { return errors.Is(err, httpx.ErrCursorLoop) }, errHas: []string{"zoom active users"}},
		{name: "malformed JSON", sim: zoomsim.Options{Faults: zoomsim.Faults{MalformedPage: 2}}, entity: extract.Users,
			wantErr: func(err error) bool { return err != nil }, errHas: []string{"zoom active users page 2"}},
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
				if strings.Contains(err.Error(), f.sim.ClientSecret()) || strings.Contains(err.Error(), "not-the-secret") || strings.Contains(err.Error(), "eyJ") {
					t.Fatalf("error leaks a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := sorted(recs), f.sim.Expected(tt.entity); !slices.Equal(got, want) {
				t.Fatalf("%d records, want %d", len(got), len(want))
			}
			if tt.throttled && f.stats.Throttled.Load() == 0 {
				t.Fatal("no throttled response counted; the fault did not fire")
			}
			if tt.refreshed && (f.stats.Refreshes.Load() != 1 || f.sim.Requests()["/oauth/token"] != 2) {
				t.Fatalf("%d refreshes, %d token requests; want one refresh", f.stats.Refreshes.Load(), f.sim.Requests()["/oauth/token"])
			}
		})
	}
}

func TestSubscriptionsWithoutBilling(t *testing.T) {
	f := newFixture(t, fixtureOpts{people: 50, sim: zoomsim.Options{Faults: zoomsim.Faults{NoBilling: true}}})
	recs, _, err := f.run(t, extract.Subscriptions, "")
	if err != nil || len(recs) != 0 {
		t.Fatalf("%d records, err %v", len(recs), err)
	}
	if !strings.Contains(f.caps[extract.CapLicenses], "seat counts unavailable") {
		t.Fatalf("capability reports %v", f.caps)
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
	if f.conn.Tenant() != f.sim.AccountID() {
		t.Fatalf("tenant %q", f.conn.Tenant())
	}
}

func TestNewValidates(t *testing.T) {
	ok := extract.Settings{"account_id": "acc", "client_id": "cid", "client_secret": "s3cr3t"}
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
		{"no account", with("account_id", nil), "account_id"},
		{"no client id", with("client_id", nil), "client_id"},
		{"no secret", with("client_secret", nil), "client_secret"},
		{"http base_url", with("base_url", "http://127.0.0.1:1/v2"), "base_url"},
		{"http token_url", with("token_url", "http://127.0.0.1:1/oauth/token"), "token_url"},
		{"negative overlap", with("activity_overlap", "-1h"), "activity_overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(extract.Instance{Name: "x", Type: "zoom", Settings: tt.s}, extract.Env{})
			if tt.wantErr == "" {
				if err != nil || c.Tenant() != "acc" {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("err = %v, want mention of %s and no secret", err, tt.wantErr)
			}
		})
	}
}

func TestDecodePage(t *testing.T) {
	tests := []struct {
		body    string
		n       int
		next    string
		wantErr bool
	}{
		{`{"page_size":300,"next_page_token":"","users":[]}`, 0, "", false},
		{`{"page_size":2,"next_page_token":"abc","users":[{"id":"a"},{"id":"b"}]}`, 2, "abc", false},
		{`{"page_size":300,"total_records":0}`, 0, "", false},
		{`{"code":124,"message":"Invalid access token."}`, 0, "", true},
		{`{"users":null}`, 0, "", true},
		{`{"users":[{"id":"a"},7]}`, 0, "", true},
		{`{"users":[],"next_page_token":3}`, 0, "", true},
		{`[]`, 0, "", true},
	}
	for _, tt := range tests {
		p, err := decodePage([]byte(tt.body), "users")
		if (err != nil) != tt.wantErr || len(p.records) != tt.n || p.next != tt.next {
			t.Errorf("%s: %d records, next %q, err %v", tt.body, len(p.records), p.next, err)
		}
	}
}

func TestDecodePlans(t *testing.T) {
	body := `{"plan_base":{"type":"monthly","hosts":120,"usage":98,"pending":2},
		"plan_webinar":[{"type":"webinar500","hosts":2,"usage":1}],"plan_recording":{"free_storage":"5 GB"},"plan_zoom_rooms":{"type":"zroom","hosts":3,"usage":3}}`
	recs, err := decodePlans([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); !slices.Equal(got, []string{"plan_base", "plan_webinar/webinar500", "plan_zoom_rooms"}) {
		t.Fatalf("plans %v", got)
	}
	if !bytes.Contains([]byte(body), recs[0].Payload) {
		t.Fatal("plan record is not the bytes received")
	}
	if _, err := decodePlans([]byte(`{"code":200,"message":"No permission."}`)); err == nil {
		t.Fatal("an error body decoded as plans")
	}
}

func FuzzDecodePage(f *testing.F) {
	for _, s := range []string{`{"page_size":1,"users":[]}`, `{"users":[{"id":"1"}],"next_page_token":"x"}`, `null`, `{"code":300}`, `{"users":[{},2]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return // the HTTP layer refuses it first
		}
		p, err := decodePage(body, "users")
		if err != nil {
			return
		}
		for _, r := range p.records {
			var m map[string]json.RawMessage
			if json.Unmarshal(r, &m) != nil {
				t.Fatalf("record %q is not an object", r)
			}
		}
	})
}

func FuzzDecodePlans(f *testing.F) {
	for _, s := range []string{`{"plan_base":{"type":"monthly","hosts":1,"usage":1}}`, `{"plan_webinar":[{"type":"w","hosts":1},3]}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := decodePlans(body)
		if err != nil {
			return
		}
		for _, r := range recs {
			var p plan
			if json.Unmarshal(r.Payload, &p) != nil || p.Type == "" || p.Hosts == nil || !strings.HasPrefix(r.SourceID, "plan_") {
				t.Fatalf("record %s %q is not a plan", r.SourceID, r.Payload)
			}
		}
	})
}

// BenchmarkFetchUsers measures listing the users of a 5,000-person org at
// Zoom's maximum page size over loopback.
func BenchmarkFetchUsers(b *testing.B) {
	org := synth.Generate(synth.Params{Seed: 21, People: 5000, Date: testDate})
	sim := zoomsim.New(org, zoomsim.Options{})
	if _, err := sim.Start(); err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	conn, err := New(extract.Instance{Name: "bench", Type: "zoom", Settings: extract.Settings{
		"account_id": sim.AccountID(), "client_id": sim.ClientID(), "client_secret": sim.ClientSecret(),
		"base_url": sim.APIURL(), "token_url": sim.TokenURL(), "allow_http": true, "page_size": 300,
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
// secrets as the config would give them, reads the simulated account.
func TestDemo(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 3, People: 80, Date: testDate})
	v, err := zoomsim.Demo(org)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	conns := v.Connectors()
	if len(conns) != 1 || conns[0].Name != "zoom" || conns[0].Type != Type.Name {
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
