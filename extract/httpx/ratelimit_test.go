package httpx

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestHeaderPolicyQuota(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	delta := HeaderPolicy{RemainingHeader: "X-Remaining", ResetHeader: "X-Reset", ResetIsDelta: true, Now: func() time.Time { return now }}
	tests := []struct {
		name   string
		policy HeaderPolicy
		hdr    []string
		want   Quota
	}{
		{
			name:   "okta epoch reset",
			policy: OktaPolicy,
			hdr:    []string{"X-Rate-Limit-Limit", "600", "X-Rate-Limit-Remaining", "17", "X-Rate-Limit-Reset", "1700000042"},
			want:   Quota{Known: true, Limit: 600, Remaining: 17, Reset: now.Add(42 * time.Second)},
		},
		{
			name:   "github lower-case headers",
			policy: GitHubPolicy,
			hdr:    []string{"x-ratelimit-limit", "5000", "x-ratelimit-remaining", "4999", "x-ratelimit-reset", "1700003600"},
			want:   Quota{Known: true, Limit: 5000, Remaining: 4999, Reset: now.Add(time.Hour)},
		},
		{
			name:   "zoom without reset",
			policy: ZoomPolicy,
			hdr:    []string{"X-RateLimit-Limit", "30", "X-RateLimit-Remaining", "2"},
			want:   Quota{Known: true, Limit: 30, Remaining: 2},
		},
		{
			name:   "reset in seconds from now",
			policy: delta,
			hdr:    []string{"X-Remaining", "5", "X-Reset", "1.5"},
			want:   Quota{Known: true, Remaining: 5, Reset: now.Add(1500 * time.Millisecond)},
		},
		{name: "no headers", policy: OktaPolicy, want: Quota{}},
		{name: "malformed remaining", policy: OktaPolicy, hdr: []string{"X-Rate-Limit-Remaining", "many"}, want: Quota{}},
		{name: "negative remaining", policy: OktaPolicy, hdr: []string{"X-Rate-Limit-Remaining", "-1"}, want: Quota{}},
		{
			name:   "malformed reset keeps the count",
			policy: OktaPolicy,
			hdr:    []string{"X-Rate-Limit-Remaining", "3", "X-Rate-Limit-Reset", "soon"},
			want:   Quota{Known: true, Remaining: 3},
		},
		{name: "zero policy reads nothing", hdr: []string{"X-Rate-Limit-Remaining", "3"}, want: Quota{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{Header: http.Header{}}
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				resp.Header.Set(tc.hdr[i], tc.hdr[i+1])
			}
			got := tc.policy.Quota(resp)
			if got.Known != tc.want.Known || got.Limit != tc.want.Limit || got.Remaining != tc.want.Remaining || !got.Reset.Equal(tc.want.Reset) {
				t.Errorf("Quota = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"3", 3 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"2.128", 2128 * time.Millisecond, true},
		{"0", 0, true},
		{now.Add(90 * time.Second).UTC().Format(http.TimeFormat), 90 * time.Second, true},
		{"Tue, 14 Nov 2023 22:13:11 GMT", 0, true}, // a date in the past: retry at once
		{"-1", 0, false},
		{"NaN", 0, false},
		{"+Inf", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		got, ok := retryAfter(h, now)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.value, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestPacerReserve(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	sec := time.Second
	tests := []struct {
		name  string
		quota Quota
		n     int // reservations made without an answer in between (in flight)
		want  []time.Duration
	}{
		{
			name:  "plenty left: no pacing",
			quota: Quota{Known: true, Limit: 100, Remaining: 90, Reset: now.Add(10 * sec)},
			n:     3,
			want:  []time.Duration{0, 0, 0},
		},
		{
			name:  "low: the last ten spread over the window, then the reset",
			quota: Quota{Known: true, Limit: 100, Remaining: 10, Reset: now.Add(10 * sec)},
			n:     11,
			want:  []time.Duration{0, sec, 2 * sec, 3 * sec, 4 * sec, 5 * sec, 6 * sec, 7 * sec, 8 * sec, 9 * sec, 10*sec + resetMargin},
		},
		{
			name:  "crossing half the limit starts pacing",
			quota: Quota{Known: true, Limit: 8, Remaining: 6, Reset: now.Add(4 * sec)},
			n:     4,
			// 6 and 5 left are over half of 8; at 4 left the rest is spread.
			want: []time.Duration{0, 0, 0, sec},
		},
		{
			name:  "exhausted: wait for the reset",
			quota: Quota{Known: true, Limit: 600, Remaining: 0, Reset: now.Add(30 * sec)},
			n:     2,
			want:  []time.Duration{30*sec + resetMargin, 30*sec + resetMargin},
		},
		{
			name:  "reset passed: the quota is stale",
			quota: Quota{Known: true, Limit: 600, Remaining: 0, Reset: now.Add(-sec)},
			n:     1,
			want:  []time.Duration{0},
		},
		{
			name:  "no reset known: nothing to spread over",
			quota: Quota{Known: true, Limit: 30, Remaining: 0},
			n:     1,
			want:  []time.Duration{0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &pacer{q: tc.quota}
			var got []time.Duration
			for range tc.n {
				got = append(got, p.reserve(now))
			}
			if !equalDurations(got, tc.want) {
				t.Errorf("delays %v, want %v", got, tc.want)
			}
		})
	}
}

// quotaVendor is a fake vendor with Okta's fixed-window rate limit on the
// fake clock: limit requests per window, answered with X-Rate-Limit-*
// headers, and 429 E0000047 beyond the limit.
type quotaVendor struct {
	t      *testing.T
	clk    *fakeClock
	limit  int
	window int64 // seconds

	mu        sync.Mutex
	start     int64 // current window's start, Unix seconds
	used      int
	served    int
	rejected  int
	streak    int // consecutive rejections
	maxStreak int
}

func (v *quotaVendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/logs" || r.Header.Get("Authorization") != "SSWS t0ken" {
		v.t.Errorf("fake okta: unexpected request %s %s", r.Method, r.URL.Path)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.clk.Now()
	if start := now.Unix() / v.window * v.window; start != v.start {
		v.start, v.used = start, 0
	}
	reset := strconv.FormatInt(v.start+v.window, 10)
	w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(v.limit))
	w.Header().Set("X-Rate-Limit-Reset", reset)
	if v.used >= v.limit {
		v.rejected++
		v.streak++
		v.maxStreak = max(v.maxStreak, v.streak)
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		reply(429, oktaThrottleBody)(w, r)
		return
	}
	v.used++
	v.served++
	v.streak = 0
	w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(v.limit-v.used))
	reply(200, `[]`)(w, r)
}

func TestPacingKeepsTheVendorRate(t *testing.T) {
	tests := []struct {
		name      string
		exhausted bool // another client has spent the first window
		requests  int
		want429   int
	}{
		{name: "fresh quota", requests: 100},
		{name: "quota spent by someone else", exhausted: true, requests: 100, want429: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			v := &quotaVendor{t: t, clk: clk, limit: 20, window: 10}
			if tc.exhausted {
				v.start, v.used = clk.Now().Unix(), v.limit
			}
			srv := httptest.NewServer(v)
			t.Cleanup(srv.Close)
			var st Stats
			c := newClient(Options{Auth: StaticHeader("Authorization", "SSWS t0ken"), RateLimit: OktaPolicy, Stats: &st}, clk.clock())
			begin := clk.Now()
			for i := range tc.requests {
				resp, err := get(t, c, srv.URL+"/api/v1/logs")
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			elapsed := clk.Now().Sub(begin).Seconds()
			allowed := float64(v.limit) / float64(v.window)
			// A spent first window is lost to the client whatever it does;
			// the rate counts from its reset on.
			if tc.exhausted {
				elapsed -= float64(v.window)
			}
			achieved := float64(tc.requests) / elapsed
			if achieved < 0.9*allowed {
				t.Errorf("%d requests took %.1fs of vendor time: %.2f/s, want at least 0.9 of %.2f/s", tc.requests, elapsed, achieved, allowed)
			}
			if v.rejected != tc.want429 || v.maxStreak > 1 {
				t.Errorf("vendor rejected %d requests (at most %d in a row), want %d and never twice in a row", v.rejected, v.maxStreak, tc.want429)
			}
			if st.Throttled.Load() != int64(tc.want429) {
				t.Errorf("Stats.Throttled %d, want %d", st.Throttled.Load(), tc.want429)
			}
		})
	}
}

func TestRequestsPerSecondCeiling(t *testing.T) {
	s := newScript(t, http.MethodGet, "/users", repeat(5, reply(200, `{}`))...)
	clk := newFakeClock()
	var st Stats
	c := newClient(Options{RequestsPerSecond: 4, Stats: &st}, clk.clock())
	for range 5 {
		if _, err := get(t, c, s.URL()); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}
	if got := clk.Waits(); !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if got := time.Duration(st.WaitNanos.Load()); got != time.Second {
		t.Errorf("Stats.WaitNanos %v, want 1s", got)
	}
}

func TestPacingConcurrentClient(t *testing.T) {
	// Many goroutines on one client with the real clock: the quota and
	// in-flight bookkeeping must hold up under the race detector, and the
	// vendor's quota must not be overrun.
	clk := newFakeClock()
	v := &quotaVendor{t: t, clk: clk, limit: 1000, window: 1 << 40}
	srv := httptest.NewServer(v)
	t.Cleanup(srv.Close)
	c := newClient(Options{Auth: StaticHeader("Authorization", "SSWS t0ken"), RateLimit: OktaPolicy}, clk.clock())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if _, err := get(t, c, srv.URL+"/api/v1/logs"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if v.served != 200 || v.rejected != 0 {
		t.Errorf("served %d, rejected %d; want 200 and 0", v.served, v.rejected)
	}
	if p := c.Transport.(*authTransport).cfg.pacer; p.inflight != 0 {
		t.Errorf("%d attempts still counted in flight after all answered", p.inflight)
	}
}
