package httpx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeClock stands in for time in the layer: sleeps return at once, advance
// the clock and are recorded, so tests assert on the waits the layer chose
// instead of on wall time. Jitter always picks its upper bound.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
}

func newFakeClock() *fakeClock {
	// A whole multiple of ten seconds, so fake vendor windows align with it.
	return &fakeClock{t: time.Unix(1_700_000_000, 0)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waits = append(f.waits, d)
	f.t = f.t.Add(d)
	return nil
}

func (f *fakeClock) Waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

func (f *fakeClock) clock() clock {
	return clock{now: f.Now, sleep: f.Sleep, jitter: func(d time.Duration) time.Duration { return d }}
}

// script is a fake vendor that answers its requests with steps in order and
// fails the test on any request beyond them or to another method or path.
type script struct {
	t      *testing.T
	method string
	path   string
	steps  []http.HandlerFunc

	mu   sync.Mutex
	hits int
	srv  *httptest.Server
}

func newScript(t *testing.T, method, path string, steps ...http.HandlerFunc) *script {
	t.Helper()
	s := &script{t: t, method: method, path: path, steps: steps}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *script) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := s.hits
	s.hits++
	s.mu.Unlock()
	if r.Method != s.method || r.URL.Path != s.path {
		s.t.Errorf("fake vendor: unexpected request %s %s", r.Method, r.URL.Path)
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	if n >= len(s.steps) {
		s.t.Errorf("fake vendor: unexpected request #%d (script has %d steps)", n+1, len(s.steps))
		http.Error(w, "unexpected", http.StatusTeapot)
		return
	}
	s.steps[n](w, r)
}

func (s *script) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

func (s *script) URL() string { return s.srv.URL + s.path }

// reply answers with status, headers (name, value pairs) and body.
func reply(status int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		if body != "" && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func repeat(n int, h http.HandlerFunc) []http.HandlerFunc {
	out := make([]http.HandlerFunc, n)
	for i := range out {
		out[i] = h
	}
	return out
}

// get sends a GET through c and returns the status, or the error.
func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := Do(c, req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
