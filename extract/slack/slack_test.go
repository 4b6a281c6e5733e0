package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/slack/slacksim"
	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

type fixture struct {
	sim   *slacksim.Server
	conn  extract.Connector
	stats *httpx.Stats
	caps  map[string]extract.CapabilityState
	mu    sync.Mutex
}

type fixtureOpts struct {
	people   int
	sim      slacksim.Options
	settings extract.Settings
	now      func() time.Time
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	if o.people == 0 {
		o.people = 300
	}
	org := synth.Generate(synth.Params{Seed: 7, People: o.people, Date: testDate})
	sim := slacksim.New(org, o.sim)
	base, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	settings := extract.Settings{
		"team_id": sim.TeamID(), "token": sim.Token(), "base_url": base, "allow_http": true,
		"page_size": 40, "tier2_per_minute": 60000.0,
	}
	for k, v := range o.settings {
		if v == nil {
			delete(settings, k)
		} else {
			settings[k] = v
		}
	}
	f := &fixture{sim: sim, stats: &httpx.Stats{}, caps: map[string]extract.CapabilityState{}}
	now := o.now
	if now == nil {
		now = org.End
	}
	env := extract.Env{
		Now: now,
		HTTP: func(ho httpx.Options) *http.Client {
			ho.MaxRetries = 3
			ho.BaseBackoff = 5 * time.Millisecond
			ho.MaxBackoff = 2 * time.Second
			ho.Stats = f.stats
			return httpx.New(ho)
		},
		Capability: func(name string, ok bool, why string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.caps[name] = extract.CapabilityState{Available: ok, Reason: why}
		},
	}
	conn, err := New(extract.Instance{Name: "slack-test", Type: "slack", Settings: settings}, env)
	if err != nil {
		t.Fatal(err)
	}
	f.conn = conn
	return f
}

func (f *fixture) run(t *testing.T, name, cur string) ([]extract.Record, string, error) {
	t.Helper()
	for _, e := range f.conn.Entities() {
		if e.Name != name {
			continue
		}
		var recs []extract.Record
		next, err := e.Fetch(context.Background(), cur, extract.SinkFunc(func(_ context.Context, r extract.Record) error {
			recs = append(recs, extract.Record{SourceID: r.SourceID, Payload: bytes.Clone(r.Payload)})
			return nil
		}))
		return recs, next, err
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

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestEntitiesMatchSimulatedWorkspace(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	tests := []struct {
		entity string
		prefix string
		min    int
	}{
		{extract.Users, `{"color":`, 250},
		{extract.Subscriptions, `{"ok":true,"plan":"plus"}`, 1},
		{extract.LicenseAssignments, `{"billing_active":true}`, 50},
		{extract.Activity, `{"count":`, 100},
	}
	for _, tt := range tests {
		t.Run(tt.entity, func(t *testing.T) {
			recs, _, err := f.run(t, tt.entity, "")
			if err != nil {
				t.Fatal(err)
			}
			got, want := sorted(ids(recs)), sorted(f.sim.Expected(tt.entity))
			if tt.entity == extract.Activity {
				// The first run reads the lookback window only.
				want = sorted(f.sim.ExpectedAccess(testDate.Add(24*time.Hour - 720*time.Hour).Unix()))
			}
			if !slices.Equal(got, want) || len(got) < tt.min {
				t.Fatalf("%d records, want %d (at least %d)", len(got), len(want), tt.min)
			}
			for _, r := range recs {
				if !bytes.HasPrefix(r.Payload, []byte(tt.prefix)) {
					t.Fatalf("%s payload not as served: %.80s", r.SourceID, r.Payload)
				}
			}
		})
	}
	kinds := map[string]int{}
	recs, _, _ := f.run(t, extract.Users, "")
	for _, r := range recs {
		kinds[f.sim.Kind(r.SourceID)]++
	}
	for _, k := range []string{"bot", "guest", "single_channel_guest", "deleted", "member"} {
		if kinds[k] == 0 {
			t.Errorf("users cover kinds %v, lacking %s", kinds, k)
		}
	}
	// page_size 40 over ~300 members, with short pages in between.
	if n := f.sim.Requests()["users.list"]; n < 9 {
		t.Errorf("users took %d requests; it should page", n)
	}
	if u := f.sim.Unexpected(); len(u) > 0 {
		t.Fatalf("simulator saw unexpected requests: %v", u)
	}
}

func TestActivityIncremental(t *testing.T) {
	var mu sync.Mutex
	now := testDate.Add(-20 * 24 * time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := newFixture(t, fixtureOpts{people: 150, sim: slacksim.Options{Clock: clock}, now: clock,
		settings: extract.Settings{"access_logs_lookback": "240h", "access_logs_overlap": "2h", "page_size": 7}})
	first, cur, err := f.run(t, extract.Activity, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(first), f.sim.ExpectedAccess(now.Add(-240*time.Hour).Unix())) || len(first) == 0 {
		t.Fatalf("first run: %d entries", len(first))
	}
	var c accessCursor
	if json.Unmarshal([]byte(cur), &c) != nil || c.DateLast == 0 || c.DateLast > now.Unix() {
		t.Fatalf("cursor %q", cur)
	}
	mu.Lock()
	now = testDate
	mu.Unlock()
	second, cur2, err := f.run(t, extract.Activity, cur)
	if err != nil {
		t.Fatal(err)
	}
	// Every entry touched since the cursor (minus the overlap) is re-read;
	// entries whose date_last did not move are not.
	want := f.sim.ExpectedAccess(c.DateLast - 7200)
	if !slices.Equal(ids(second), want) || len(second) == 0 {
		t.Fatalf("second run: %d entries, want %d", len(second), len(want))
	}
	third, cur3, err := f.run(t, extract.Activity, cur2)
	if err != nil || cur3 != cur2 || len(third) > len(second) {
		t.Fatalf("idle run: %d entries, cursor moved %v, err %v", len(third), cur3 != cur2, err)
	}
	if _, _, err := f.run(t, extract.Activity, `{"date_last":0}`); err == nil {
		t.Fatal("a foreign cursor was accepted")
	}
	if u := f.sim.Unexpected(); len(u) > 0 {
		t.Fatalf("unexpected requests: %v", u)
	}
}

// TestAccessLogsPastPageLimit: with a tiny page size the window spans more
// than the 100 pages Slack serves per query, and the connector continues
// with before.
func TestAccessLogsPastPageLimit(t *testing.T) {
	f := newFixture(t, fixtureOpts{people: 300, settings: extract.Settings{"page_size": 2, "access_logs_lookback": "2160h"}})
	recs, _, err := f.run(t, extract.Activity, "")
	if err != nil {
		t.Fatal(err)
	}
	want := f.sim.ExpectedAccess(testDate.Add(24*time.Hour - 2160*time.Hour).Unix())
	if len(want) <= 2*100 {
		t.Fatalf("only %d entries: the test does not pass the page limit", len(want))
	}
	if !slices.Equal(sorted(ids(recs)), sorted(want)) {
		t.Fatalf("%d entries, want %d", len(recs), len(want))
	}
	if u := f.sim.Unexpected(); len(u) > 0 {
		t.Fatalf("unexpected requests: %v", u)
	}
}

func TestFaultsAndErrors(t *testing.T) {
	rot := &slacksim.Rotation{ClientID: "123.456", ClientSecret: "s3cret-client", RefreshToken: "xoxe-1-first-refresh"}
	tests := []struct {
		name      string
		sim       slacksim.Options
		settings  extract.Settings
		entity    string
		wantErr   func(error) bool
		errHas    []string
		throttled bool
		paced     bool
		refreshed bool
		capOff    string
	}{
		{name: "429 ratelimited bursts", sim: slacksim.Options{Faults: slacksim.Faults{Throttle: slacksim.Burst{Every: 4, Count: 1}}}, entity: extract.Users, throttled: true},
		{name: "503 bursts", sim: slacksim.Options{Faults: slacksim.Faults{ServerError: slacksim.Burst{Every: 3, Count: 2}}}, entity: extract.LicenseAssignments},
		{name: "tier 2 pacing keeps under the limit", sim: slacksim.Options{Tier2PerMinute: 5, RateWindow: 300 * time.Millisecond},
			settings: extract.Settings{"tier2_per_minute": 600.0, "page_size": 100}, entity: extract.Users, paced: true},
		{name: "token expires, rotated once", sim: slacksim.Options{Rotation: rot, Faults: slacksim.Faults{ExpireToken: 4}},
			settings: extract.Settings{"refresh_token": rot.RefreshToken, "client_id": rot.ClientID, "client_secret": rot.ClientSecret}, entity: extract.Users, refreshed: true},
		{name: "refresh token only", sim: slacksim.Options{Rotation: rot},
			settings: extract.Settings{"token": nil, "refresh_token": rot.RefreshToken, "client_id": rot.ClientID, "client_secret": rot.ClientSecret}, entity: extract.Users},
		{name: "free plan has no access logs", sim: slacksim.Options{Free: true}, entity: extract.Activity, capOff: extract.CapActivity},
		{name: "token expires without rotation", sim: slacksim.Options{Faults: slacksim.Faults{ExpireToken: 3}}, entity: extract.Users,
			wantErr: func(err error) bool { return httpx.HasCode(err, "token_expired") }, errHas: []string{"slack", "users.list", "token_expired", "token"}},
		{name: "bad token", settings: extract.Settings{"token": "xoxp-not-the-token"}, entity: extract.Users,
			wantErr: func(err error) bool { return httpx.HasCode(err, "invalid_auth") }, errHas: []string{"slack", "team.info", "invalid_auth"}},
		{name: "wrong team", settings: extract.Settings{"team_id": "T0OTHER"}, entity: extract.Users,
			wantErr: func(err error) bool { return err != nil }, errHas: []string{"team.info", "T0OTHER"}},
		{name: "bad client secret", sim: slacksim.Options{Rotation: rot, Faults: slacksim.Faults{ExpireToken: 2}},
			settings: extract.Settings{"refresh_token": rot.RefreshToken, "client_id": rot.ClientID, "client_secret": "wrong-secret"}, entity: extract.Users,
			wantErr: func(err error) bool { return httpx.HasCode(err, "bad_client_secret") }, errHas: []string{"oauth.v2.access", "bad_client_secret"}},
		{name: "repeated cursor", sim: slacksim.Options{Faults: slacksim.Faults{RepeatCursor: true}}, entity: extract.Users,
			wantErr: func(err error) bool { return errors.Is(err, httpx.ErrCursorLoop) }, errHas: []string{"slack users"}},
		{name: "malformed page", sim: slacksim.Options{Faults: slacksim.Faults{MalformedPage: 2}}, entity: extract.Users,
			wantErr: func(err error) bool { return err != nil }, errHas: []string{"slack users page 2", "decoding"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{people: 120, sim: tt.sim, settings: tt.settings})
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
				for _, secret := range []string{f.sim.Token(), "xoxp-not-the-token", "wrong-secret", rot.RefreshToken, rot.ClientSecret} {
					if strings.Contains(err.Error(), secret) {
						t.Fatalf("error leaks a secret: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := f.sim.Expected(tt.entity)
			if tt.entity == extract.Activity {
				want = f.sim.ExpectedAccess(testDate.Add(24*time.Hour - 720*time.Hour).Unix())
			}
			if !slices.Equal(sorted(ids(recs)), sorted(want)) {
				t.Fatalf("%d records, want %d", len(recs), len(want))
			}
			if tt.throttled && f.stats.Throttled.Load() == 0 {
				t.Fatal("no throttled response was counted; the fault did not fire")
			}
			if tt.paced && f.stats.Throttled.Load() != 0 {
				t.Fatalf("%d requests were throttled: the limiter did not pace", f.stats.Throttled.Load())
			}
			if tt.refreshed && f.sim.Requests()["oauth.v2.access"] != 1 {
				t.Fatalf("oauth.v2.access called %d times, want 1", f.sim.Requests()["oauth.v2.access"])
			}
			if tt.capOff != "" {
				if c, ok := f.caps[tt.capOff]; !ok || c.Available || !strings.Contains(c.Reason, "free plan") {
					t.Fatalf("capability %s = %+v, %v", tt.capOff, c, ok)
				}
			}
			if u := f.sim.Unexpected(); len(u) > 0 {
				t.Fatalf("unexpected requests: %v", u)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	f := newFixture(t, fixtureOpts{people: 20})
	if err := f.conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := f.sim.Requests()["auth.test"]; n != 1 {
		t.Fatalf("check made %d auth.test requests", n)
	}
	bad := newFixture(t, fixtureOpts{people: 20, settings: extract.Settings{"token": "xoxp-wrong"}})
	err := bad.conn.Check(context.Background())
	if err == nil || !httpx.HasCode(err, "invalid_auth") || strings.Contains(err.Error(), "xoxp-wrong") {
		t.Fatalf("check with a bad token: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	ok := extract.Settings{"team_id": "T012AB3C4", "token": "xoxb-1"}
	with := func(kv ...any) extract.Settings {
		s := extract.Settings{}
		for a, b := range ok {
			s[a] = b
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(s, kv[i].(string))
			} else {
				s[kv[i].(string)] = kv[i+1]
			}
		}
		return s
	}
	tests := []struct {
		name    string
		s       extract.Settings
		wantErr string
	}{
		{"valid", ok, ""},
		{"no team", with("team_id", nil), "team_id"},
		{"bad team", with("team_id", "acme"), "team_id"},
		{"no token", with("token", nil), "token"},
		{"refresh without client", with("token", nil, "refresh_token", "xoxe-1"), "client_id"},
		{"http base_url", with("base_url", "http://127.0.0.1:1"), "base_url"},
		{"zero pace", with("tier2_per_minute", 0.0), "tier2_per_minute"},
		{"negative overlap", with("access_logs_overlap", "-1h"), "access_logs_overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(extract.Instance{Name: "x", Type: "slack", Settings: tt.s}, extract.Env{})
			if tt.wantErr == "" {
				if err != nil || c.Tenant() != "T012AB3C4" {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want mention of %s", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "xoxb-1") {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
}

func samplesDir() string {
	return filepath.Join("..", "..", "..", "shared", "vendor-samples", "slack")
}

// TestPublishedSamples feeds Slack's published examples through the page
// decoders the connector uses.
func TestPublishedSamples(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(samplesDir(), name))
		if err != nil {
			t.Skipf("vendor samples not present: %v", err)
		}
		return b
	}
	users := read("users-list.json")
	p, uids, err := decodeUsersPage(users)
	if err != nil || !slices.Equal(uids, []string{"W012A3CDE", "W07QCRPA4"}) || p.Metadata.NextCursor != "dXNlcjpVMEc5V0ZYTlo=" {
		t.Fatalf("users-list: %v %v %+v", err, uids, p.Metadata)
	}
	for _, m := range p.Members {
		if !bytes.Contains(users, m) {
			t.Fatal("member is not a slice of the page")
		}
	}
	_, bids, active, err := decodeBillablePage(read("team-billableInfo.json"))
	if err != nil || !slices.Equal(bids, []string{"U02UCPE1R", "U02UEBSD2", "U0632EWRW"}) || !slices.Equal(active, []bool{true, true, false}) {
		t.Fatalf("billableInfo: %v %v %v", err, bids, active)
	}
	lp, logins, err := decodeLogsPage(read("team-accessLogs.json"))
	if err != nil || len(logins) != 2 || logins[0].UserID != "U45678" || lp.Paging.Pages != 1 {
		t.Fatalf("accessLogs: %v %+v", err, logins)
	}
	if id := accessID(logins[0]); !strings.HasPrefix(id, "U45678:1422922864:") {
		t.Fatalf("access id %s", id)
	}
	errBody := read("error-users-list-invalid_cursor.json")
	if _, _, err := decodeUsersPage(errBody); err == nil {
		t.Fatal("an error body decoded as a users page")
	}
	if httpx.ErrorCode(errBody) != "invalid_cursor" {
		t.Fatalf("error code %q", httpx.ErrorCode(errBody))
	}
}

func seeds(f *testing.F, extra ...string) {
	for _, s := range extra {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob(filepath.Join(samplesDir(), "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

func FuzzDecodeUsersPage(f *testing.F) {
	seeds(f, `{"ok":true,"members":[]}`, `{"ok":true,"members":null}`, `{"members":[{"id":1}]}`, `{"members":[{"id":"U1"},[]]}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, got, err := decodeUsersPage(body)
		if err != nil {
			return
		}
		if !json.Valid(body) || len(got) != len(p.Members) {
			t.Fatal("accepted an invalid page")
		}
		for i, id := range got {
			if id == "" || !json.Valid(p.Members[i]) {
				t.Fatalf("member %d: id %q", i, id)
			}
		}
	})
}

func FuzzDecodeBillablePage(f *testing.F) {
	seeds(f, `{"ok":true,"billable_info":{}}`, `{"billable_info":{"U1":{"billing_active":"yes"}}}`, `{"billable_info":{"":{"billing_active":true}}}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, got, active, err := decodeBillablePage(body)
		if err != nil {
			return
		}
		if len(got) != len(p.Info) || len(active) != len(got) || !slices.IsSorted(got) {
			t.Fatal("inconsistent page")
		}
	})
}

func FuzzDecodeLogsPage(f *testing.F) {
	seeds(f, `{"ok":true,"logins":[],"paging":{"page":1,"pages":1}}`, `{"logins":[{"user_id":"U1"}],"paging":{"page":1}}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, got, err := decodeLogsPage(body)
		if err != nil {
			return
		}
		if len(got) != len(p.Logins) || p.Paging.Page < 1 {
			t.Fatal("inconsistent page")
		}
		for _, l := range got {
			if l.UserID == "" || l.DateLast <= 0 {
				t.Fatalf("entry %+v accepted", l)
			}
		}
	})
}

// BenchmarkFetchUsers measures listing 10,000 members from the simulator
// over loopback at 1,000 a page (with the simulator's short pages), pacing
// lifted.
func BenchmarkFetchUsers(b *testing.B) {
	org := synth.Generate(synth.Params{Seed: 7, People: 10_000, Date: testDate})
	sim := slacksim.New(org, slacksim.Options{})
	base, err := sim.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	conn, err := New(extract.Instance{Name: "bench", Type: "slack", Settings: extract.Settings{
		"team_id": sim.TeamID(), "token": sim.Token(), "base_url": base, "allow_http": true, "page_size": 1000, "tier2_per_minute": 1e9,
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

// TestEnvelope: every answer is judged by its ok and error members alone:
// ok:true decodes, ok:false with an error is an APIError with that code,
// anything else fails decoding.
func TestEnvelope(t *testing.T) {
	for _, tc := range []struct {
		body, code, errHas string
		wantTeam           string
	}{
		{body: `{"ok":true,"team":{"id":"T1"}}`, wantTeam: "T1"},
		{body: `{"team":{"id":"T1"},"ok":true}`, wantTeam: "T1"},
		{body: `{"ok":false,"error":"invalid_auth"}`, code: "invalid_auth"},
		{body: `{"error":"not_authed"}`, code: "not_authed"},
		{body: `{"ok":false}`, errHas: "neither ok:true nor an error"},
		{body: `{"ok":"yes","team":{"id":"T1"}}`, errHas: "not a boolean"},
		{body: `[{"ok":true}]`, errHas: "not a JSON object"},
		{body: `{"ok":true,"team":{"id":7}}`, errHas: "decoding slack team.info"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(tc.body))
		}))
		c := &client{http: httpx.New(httpx.Options{Vendor: "slack"}), base: srv.URL}
		var out struct {
			Team struct {
				ID string `json:"id"`
			} `json:"team"`
		}
		err := c.once(t.Context(), "team.info", nil, &out)
		srv.Close()
		switch {
		case tc.wantTeam != "":
			if err != nil || out.Team.ID != tc.wantTeam {
				t.Errorf("%s: team %q, %v", tc.body, out.Team.ID, err)
			}
		case tc.code != "":
			if !httpx.HasCode(err, tc.code) {
				t.Errorf("%s: %v, want an API error %s", tc.body, err, tc.code)
			}
		case err == nil || !strings.Contains(err.Error(), tc.errHas):
			t.Errorf("%s: %v, want an error mentioning %q", tc.body, err, tc.errHas)
		}
	}
}
