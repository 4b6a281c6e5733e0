package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const oktaThrottleBody = `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"sampleQPivGUj_ND5v78vbYWW","errorCauses":[]}`

func TestRetryStatuses(t *testing.T) {
	const base = 10 * time.Millisecond
	clk0 := newFakeClock().Now()
	ok := reply(200, `{}`)
	googleThrottle := reply(403, `{"error":{"code":403,"message":"Quota exceeded","errors":[{"domain":"usageLimits","reason":"rateLimitExceeded"}]}}`)
	googleDenied := reply(403, `{"error":{"code":403,"message":"Not authorized","errors":[{"domain":"global","reason":"forbidden"}]}}`)
	tests := []struct {
		name          string
		policy        RateLimitPolicy
		maxBackoff    time.Duration
		steps         []http.HandlerFunc
		wantStatus    int
		wantWaits     []time.Duration
		wantThrottled int64
	}{
		{
			name:          "429 Retry-After seconds",
			steps:         []http.HandlerFunc{reply(429, oktaThrottleBody, "Retry-After", "3"), ok},
			wantStatus:    200,
			wantWaits:     []time.Duration{3 * time.Second},
			wantThrottled: 1,
		},
		{
			name:          "429 Retry-After fractional (Graph)",
			steps:         []http.HandlerFunc{reply(429, `{"error":{"code":"TooManyRequests"}}`, "Retry-After", "2.128"), ok},
			wantStatus:    200,
			wantWaits:     []time.Duration{2128 * time.Millisecond},
			wantThrottled: 1,
		},
		{
			name:          "429 Retry-After HTTP date",
			steps:         []http.HandlerFunc{reply(429, "", "Retry-After", clk0.Add(7*time.Second).UTC().Format(http.TimeFormat)), ok},
			wantStatus:    200,
			wantWaits:     []time.Duration{7 * time.Second},
			wantThrottled: 1,
		},
		{
			name:   "429 without Retry-After waits for the Okta reset",
			policy: OktaPolicy,
			steps: []http.HandlerFunc{reply(429, oktaThrottleBody,
				"X-Rate-Limit-Limit", "600", "X-Rate-Limit-Remaining", "0",
				"X-Rate-Limit-Reset", strconv.FormatInt(clk0.Unix()+12, 10)), ok},
			wantStatus:    200,
			wantWaits:     []time.Duration{12*time.Second + resetMargin},
			wantThrottled: 1,
		},
		{
			name:          "429 without any hint backs off",
			steps:         []http.HandlerFunc{reply(429, ""), ok},
			wantStatus:    200,
			wantWaits:     []time.Duration{base},
			wantThrottled: 1,
		},
		{
			name:       "Retry-After beyond MaxBackoff is capped and still retried",
			maxBackoff: 5 * time.Second,
			steps:      []http.HandlerFunc{reply(429, "", "Retry-After", "120"), reply(429, "", "Retry-After", "120"), ok},
			wantStatus: 200,
			wantWaits:  []time.Duration{5 * time.Second, 5 * time.Second},

			wantThrottled: 2,
		},
		{
			name:       "503 burst then success, doubling backoff",
			steps:      append(repeat(3, reply(503, "")), ok),
			wantStatus: 200,
			wantWaits:  []time.Duration{base, 2 * base, 4 * base},
		},
		{
			name:       "503 with Retry-After",
			steps:      []http.HandlerFunc{reply(503, "", "Retry-After", "1"), ok},
			wantStatus: 200,
			wantWaits:  []time.Duration{time.Second},
		},
		{
			name:       "500 502 504 retried",
			steps:      []http.HandlerFunc{reply(500, ""), reply(502, ""), reply(504, ""), ok},
			wantStatus: 200,
			wantWaits:  []time.Duration{base, 2 * base, 4 * base},
		},
		{name: "400 final", steps: []http.HandlerFunc{reply(400, `{"errorCode":"E0000001"}`)}, wantStatus: 400},
		{name: "401 final without authorizer", steps: []http.HandlerFunc{reply(401, "")}, wantStatus: 401},
		{name: "403 final", steps: []http.HandlerFunc{reply(403, "")}, wantStatus: 403},
		{name: "404 final", steps: []http.HandlerFunc{reply(404, "")}, wantStatus: 404},
		{name: "501 final", steps: []http.HandlerFunc{reply(501, "")}, wantStatus: 501},
		{
			name:          "403 rateLimitExceeded classified as throttling",
			policy:        GooglePolicy,
			steps:         []http.HandlerFunc{googleThrottle, ok},
			wantStatus:    200,
			wantWaits:     []time.Duration{base},
			wantThrottled: 1,
		},
		{
			name:       "403 forbidden under the same policy is final",
			policy:     GooglePolicy,
			steps:      []http.HandlerFunc{googleDenied},
			wantStatus: 403,
		},
		{
			name:   "GitHub 403 with exhausted quota waits for the reset",
			policy: GitHubPolicy,
			steps: []http.HandlerFunc{reply(403, `{"message":"API rate limit exceeded"}`,
				"X-Ratelimit-Limit", "5000", "X-Ratelimit-Remaining", "0",
				"X-Ratelimit-Reset", strconv.FormatInt(clk0.Unix()+30, 10)), ok},
			wantStatus:    200,
			wantWaits:     []time.Duration{30*time.Second + resetMargin},
			wantThrottled: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, http.MethodGet, "/api/v1/users", tc.steps...)
			clk := newFakeClock()
			var st Stats
			maxBackoff := tc.maxBackoff
			if maxBackoff == 0 {
				maxBackoff = time.Minute
			}
			c := newClient(Options{RateLimit: tc.policy, BaseBackoff: base, MaxBackoff: maxBackoff, Stats: &st}, clk.clock())
			resp, err := get(t, c, s.URL())
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if s.Hits() != len(tc.steps) {
				t.Errorf("server saw %d attempts, want %d", s.Hits(), len(tc.steps))
			}
			if got := clk.Waits(); !equalDurations(got, tc.wantWaits) {
				t.Errorf("waits %v, want %v", got, tc.wantWaits)
			}
			if got, want := st.Requests.Load(), int64(len(tc.steps)); got != want {
				t.Errorf("Stats.Requests %d, want %d", got, want)
			}
			if got, want := st.Retries.Load(), int64(len(tc.steps)-1); got != want {
				t.Errorf("Stats.Retries %d, want %d", got, want)
			}
			if got := st.Throttled.Load(); got != tc.wantThrottled {
				t.Errorf("Stats.Throttled %d, want %d", got, tc.wantThrottled)
			}
			var total time.Duration
			for _, w := range tc.wantWaits {
				total += w
			}
			if got := time.Duration(st.WaitNanos.Load()); got != total {
				t.Errorf("Stats.WaitNanos %v, want %v", got, total)
			}
		})
	}
}

func TestRetryCap(t *testing.T) {
	tests := []struct {
		name         string
		maxRetries   int
		wantAttempts int
	}{
		{"default cap", 0, DefaultMaxRetries + 1},
		{"cap of 3", 3, 4},
		{"cap of 1", 1, 2},
		{"retries disabled", -1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One more step than allowed: the script fails the test if the
			// layer sends it.
			s := newScript(t, http.MethodGet, "/v1/people", repeat(tc.wantAttempts+1, reply(503, `{"message":"down"}`))...)
			s.steps = s.steps[:tc.wantAttempts]
			var st Stats
			c := newClient(Options{Vendor: "webex", MaxRetries: tc.maxRetries, BaseBackoff: time.Millisecond, Stats: &st}, newFakeClock().clock())
			var out struct{}
			_, err := GetJSON(t.Context(), c, s.URL(), nil, &out)
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != 503 || ae.Vendor != "webex" {
				t.Fatalf("GetJSON error %v, want a webex *APIError with status 503", err)
			}
			if s.Hits() != tc.wantAttempts {
				t.Errorf("server saw %d attempts, want %d", s.Hits(), tc.wantAttempts)
			}
			if got := st.Retries.Load(); got != int64(tc.wantAttempts-1) {
				t.Errorf("Stats.Retries %d, want %d", got, tc.wantAttempts-1)
			}
		})
	}
}

func TestRetryCapOnNetworkErrors(t *testing.T) {
	// Every attempt is cut off; the error after the cap names the attempts
	// and still wraps the cause.
	s := newScript(t, http.MethodGet, "/x", repeat(3, hangUp(false))...)
	c := newClient(Options{MaxRetries: 2, BaseBackoff: time.Millisecond}, newFakeClock().clock())
	_, err := get(t, c, s.URL())
	if err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") || !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error %v, want giving up after 3 attempts wrapping EOF", err)
	}
	if s.Hits() != 3 {
		t.Errorf("server saw %d attempts, want 3", s.Hits())
	}
}

// hangUp closes the connection without answering; with rst it makes the
// kernel send a TCP reset instead of a FIN.
func hangUp(rst bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		if tcp, ok := conn.(*net.TCPConn); ok && rst {
			_ = tcp.SetLinger(0)
		}
		conn.Close()
	}
}

func TestConnectionErrorsRetried(t *testing.T) {
	for _, tc := range []struct {
		name string
		rst  bool
	}{{"closed", false}, {"reset", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, http.MethodGet, "/users", hangUp(tc.rst), reply(200, `{}`))
			var st Stats
			c := newClient(Options{BaseBackoff: time.Millisecond, Stats: &st}, newFakeClock().clock())
			resp, err := get(t, c, s.URL())
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			if resp.StatusCode != 200 || s.Hits() != 2 || st.Retries.Load() != 1 {
				t.Errorf("status %d after %d attempts, %d retries; want 200 after 2, 1 retry", resp.StatusCode, s.Hits(), st.Retries.Load())
			}
		})
	}
}

func TestPostBodyReplayed(t *testing.T) {
	const payload = `{"cursor":"AAE"}`
	check := func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if string(b) != payload {
				t.Errorf("attempt got body %q, want %q", b, payload)
			}
			next(w, r)
		}
	}
	tests := []struct {
		name         string
		body         func() io.Reader
		steps        []http.HandlerFunc
		wantAttempts int
		wantStatus   int
	}{
		{
			name:         "replayable body is sent again",
			body:         func() io.Reader { return strings.NewReader(payload) },
			steps:        []http.HandlerFunc{check(reply(503, "")), check(reply(429, "", "Retry-After", "0")), check(reply(200, `{}`))},
			wantAttempts: 3,
			wantStatus:   200,
		},
		{
			// A body without GetBody cannot be rewound: the first answer is
			// final rather than a retry with an empty body.
			name:         "one-shot body is not retried",
			body:         func() io.Reader { return io.MultiReader(strings.NewReader(payload)) },
			steps:        []http.HandlerFunc{check(reply(503, ""))},
			wantAttempts: 1,
			wantStatus:   503,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, http.MethodPost, "/2/team/members/list/continue_v2", tc.steps...)
			c := newClient(Options{BaseBackoff: time.Millisecond}, newFakeClock().clock())
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL(), tc.body())
			if err != nil {
				t.Fatal(err)
			}
			resp, err := Do(c, req)
			if err != nil {
				t.Fatalf("POST: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus || s.Hits() != tc.wantAttempts {
				t.Errorf("status %d after %d attempts, want %d after %d", resp.StatusCode, s.Hits(), tc.wantStatus, tc.wantAttempts)
			}
		})
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	arrived := make(chan struct{})
	s := newScript(t, http.MethodGet, "/slow", func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		reply(503, "")(w, r)
	})
	// Real sleeps and an hour of backoff: only the context can end the wait.
	c := New(Options{BaseBackoff: time.Hour, MaxBackoff: 2 * time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL(), nil)
		_, err := Do(c, req)
		done <- err
	}()
	<-arrived
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("request still waiting after its context was cancelled")
	}
	if s.Hits() != 1 {
		t.Errorf("server saw %d attempts, want 1", s.Hits())
	}
}

// slowBody sends half a body, then stalls until the client gives up.
func slowBody(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "64")
	w.WriteHeader(200)
	_, _ = w.Write(bytes.Repeat([]byte(" "), 32))
	w.(http.Flusher).Flush()
	select {
	case <-r.Context().Done():
	case <-time.After(20 * time.Second):
	}
}

func TestAttemptTimeout(t *testing.T) {
	const full = `{"users":[]}`
	tests := []struct {
		name       string
		steps      []http.HandlerFunc
		maxRetries int
		wantErr    error
	}{
		{name: "slow body retried", steps: []http.HandlerFunc{slowBody, reply(200, full)}, maxRetries: 3},
		{name: "every attempt slow", steps: []http.HandlerFunc{slowBody, slowBody}, maxRetries: 1, wantErr: ErrAttemptTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, http.MethodGet, "/page", tc.steps...)
			c := newClient(Options{Timeout: 100 * time.Millisecond, MaxRetries: tc.maxRetries, BaseBackoff: time.Millisecond}, newFakeClock().clock())
			var out struct{ Users []any }
			_, err := GetJSON(t.Context(), c, s.URL(), nil, &out)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("GetJSON: %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("GetJSON error %v, want %v", err, tc.wantErr)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("attempt timeout %v must not look like the caller's deadline", err)
			}
			if s.Hits() != len(tc.steps) {
				t.Errorf("server saw %d attempts, want %d", s.Hits(), len(tc.steps))
			}
		})
	}
}

func TestResponseSizeCap(t *testing.T) {
	chunked := func(n int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for range n / 100 {
				_, _ = w.Write(bytes.Repeat([]byte("x"), 100))
				w.(http.Flusher).Flush()
			}
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr bool
	}{
		{"declared length over the cap", reply(200, strings.Repeat("x", 1500)), true},
		{"chunked body over the cap", chunked(1500), true},
		{"body exactly at the cap", reply(200, strings.Repeat("x", 1000)), false},
		{"error body over the cap", reply(500, strings.Repeat("x", 1500)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, http.MethodGet, "/big", tc.handler)
			var st Stats
			c := newClient(Options{MaxResponseBytes: 1000, Stats: &st}, newFakeClock().clock())
			resp, err := get(t, c, s.URL())
			if tc.wantErr {
				if !errors.Is(err, ErrResponseTooLarge) {
					t.Fatalf("error %v, want ErrResponseTooLarge", err)
				}
				if st.Retries.Load() != 0 {
					t.Errorf("an oversized body was retried %d times", st.Retries.Load())
				}
				return
			}
			if err != nil || resp.ContentLength != 1000 {
				t.Fatalf("GET: %v (length %d), want the 1000-byte body", err, resp.ContentLength)
			}
			if st.Bytes.Load() != 1000 {
				t.Errorf("Stats.Bytes %d, want 1000", st.Bytes.Load())
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	cfg := &config{baseBackoff: 100 * time.Millisecond, maxBackoff: 2 * time.Second, clock: realClock}
	cfg.pacer = &pacer{cfg: cfg}
	rt := &retryTransport{cfg: cfg}
	for attempt, full := range map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		5: 1600 * time.Millisecond, 6: 2 * time.Second, 60: 2 * time.Second, 1000: 2 * time.Second,
	} {
		for range 200 {
			got, _ := rt.backoff(nil, false, attempt)
			if got < full/2 || got > full {
				t.Fatalf("attempt %d: backoff %v outside [%v, %v]", attempt, got, full/2, full)
			}
		}
	}
}

func TestTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{io.EOF, true},
		{io.ErrUnexpectedEOF, true},
		{&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, true},
		{&net.DNSError{Err: "no such host", Name: "okta.invalid", IsNotFound: true}, false},
		{&net.DNSError{Err: "server misbehaving", Name: "okta.com", IsTemporary: true}, true},
		{ErrAttemptTimeout, true},
		{ErrResponseTooLarge, false},
		{errors.New("unsupported protocol scheme"), false},
	}
	for _, tc := range tests {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
