package oktasim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Burst is the shared fault schedule (simulate.Burst).
type Burst = simulate.Burst

// Faults are deterministic misbehaviours, counted over every request the
// server receives (1-based), retries included.
type Faults struct {
	// Throttle answers 429 E0000047 with quota headers showing nothing left
	// and a reset about a second ahead.
	Throttle Burst
	// RetryAfter adds a Retry-After header (seconds) to injected 429s.
	RetryAfter time.Duration
	// ServerError answers 500 E0000009.
	ServerError Burst
	// Delay holds every listing response this long (a slow org).
	Delay time.Duration
	// MalformedPage sends the Nth successful listing page (1-based) as
	// truncated JSON with status 200.
	MalformedPage int
	// RepeatCursor makes every page reached through a cursor point its next
	// link back at itself, as a buggy cursor would.
	RepeatCursor bool
}

// Options configure a Server.
type Options struct {
	// Token is the API token accepted as "SSWS <token>" (default: one
	// derived from the org's seed).
	Token string
	// RequestsPerMinute is the limit of each endpoint's bucket per window
	// (0: effectively unlimited, headers still sent).
	RequestsPerMinute int
	// RateWindow is the length of a rate-limit window (default one minute;
	// tests shorten it).
	RateWindow time.Duration
	// Clock is "now" for the data (default: the last millisecond of the
	// org's snapshot day). Rate-limit windows use the wall clock.
	Clock func() time.Time
	// MaxConcurrent is the org's limit of requests in flight at once
	// (default 35, the smallest Okta documents: the Integrator Free plan;
	// Workforce orgs have 75). One more is answered 429 as Okta answers
	// it.
	MaxConcurrent int
	Faults        Faults
	// ServiceApp enables the OAuth 2.0 token endpoint for one service app.
	ServiceApp *ServiceApp
}

// Server is one simulated Okta org.
type Server struct {
	org  *synth.Org
	opts Options
	data *dataset
	// userCache holds each user's encoding once it has been served,
	// indexed like data.users.
	userCache []atomic.Pointer[[]byte]

	ln   net.Listener
	srv  *http.Server
	base string

	inFlight, peakInFlight atomic.Int32

	mu         sync.Mutex
	requests   int
	pages      int
	counts     map[string]int
	unexpected []string
	buckets    map[string]*bucket
	tokens     map[string]*issued
	jtis       map[string]bool
	issuedN    int
}

type bucket struct {
	start time.Time
	used  int
}

const unlimited = 100000

// New builds a server for org; it listens only after Start.
func New(org *synth.Org, opts Options) *Server {
	if opts.Token == "" {
		opts.Token = fmt.Sprintf("00sim%016x", uint64(org.Params.Seed)*0x9e3779b97f4a7c15)
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	if opts.Clock == nil {
		end := org.End()
		opts.Clock = func() time.Time { return end }
	}
	s := &Server{org: org, opts: opts, counts: map[string]int{}, buckets: map[string]*bucket{}, tokens: map[string]*issued{}, jtis: map[string]bool{}}
	s.data = build(org, opts.Clock())
	s.userCache = make([]atomic.Pointer[[]byte], len(s.data.users))
	return s
}

// Start listens on 127.0.0.1 on a free port and serves in the background.
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening for the okta simulator: %w", err)
	}
	s.ln = ln
	s.base = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s.base, nil
}

// Close stops the server and its connections.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// Token is the API token the server accepts.
func (s *Server) Token() string { return s.opts.Token }

// Unexpected lists requests a real org would reject or the simulator does
// not model (unknown paths, methods, parameters, filters); tests assert it is
// empty.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unexpected)
}

// PeakInFlight is the most requests the server has had in flight at once.
func (s *Server) PeakInFlight() int { return int(s.peakInFlight.Load()) }

// Requests is the number of requests received, per endpoint bucket
// ("/api/v1/users", "/api/v1/apps/{appId}/users", …) and in total under "".
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts)+1)
	for k, v := range s.counts {
		out[k] = v
	}
	out[""] = s.requests
	return out
}

func (s *Server) flag(format string, args ...any) {
	s.mu.Lock()
	s.unexpected = append(s.unexpected, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// route maps a path to its rate-limit bucket and handler.
func (s *Server) route(path string) (string, func(w http.ResponseWriter, r *http.Request, q url.Values) bool) {
	switch {
	case path == "/api/v1/users":
		return path, s.listUsers
	case path == "/api/v1/groups":
		return path, s.listGroups
	case path == "/api/v1/apps":
		return path, s.listApps
	case path == "/api/v1/logs":
		return path, s.listLogs
	case strings.HasPrefix(path, "/api/v1/apps/") && strings.HasSuffix(path, "/users"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/api/v1/apps/"), "/users")
		if id == "" || strings.Contains(id, "/") {
			return "", nil
		}
		return "/api/v1/apps/{appId}/users", func(w http.ResponseWriter, r *http.Request, q url.Values) bool {
			return s.listAppUsers(w, r, q, id)
		}
	}
	return "", nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.mu.Unlock()

	if r.URL.Path == "/oauth2/v1/token" && r.Method == http.MethodPost {
		s.mu.Lock()
		s.counts[r.URL.Path]++
		s.mu.Unlock()
		if s.rateHeaders(w, r.URL.Path) {
			writeError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
			return
		}
		s.token(w, r)
		return
	}
	name, handle := s.route(r.URL.Path)
	if handle == nil || r.Method != http.MethodGet {
		s.flag("%s %s: no such endpoint", r.Method, r.URL.Path)
		s.rateHeaders(w, "unknown")
		writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path+" (Resource)")
		return
	}
	s.mu.Lock()
	s.counts[name]++
	s.mu.Unlock()
	limit := s.opts.MaxConcurrent
	if limit <= 0 {
		limit = defaultMaxConcurrent
	}
	n32 := s.inFlight.Add(1)
	if n32 > int32(limit) {
		s.inFlight.Add(-1)
		s.concurrencyLimited(w)
		return
	}
	storeMax(&s.peakInFlight, n32)
	defer s.inFlight.Add(-1)
	limited := s.rateHeaders(w, name)
	if !s.authorized(r) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="`+s.base+`/oauth2/v1/authorize", realm="`+s.base+`", scope="okta.users.read", error="invalid_token", error_description="The access token is invalid.", resource="`+r.URL.Path+`"`)
		}
		writeError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
		return
	}
	f := s.opts.Faults
	switch {
	case limited:
		writeError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
		return
	case f.Throttle.Hit(n):
		// An injected burst looks like Okta's concurrency limit.
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
		}
		s.concurrencyLimited(w)
		return
	case f.ServerError.Hit(n):
		writeError(w, http.StatusInternalServerError, "E0000009", "Internal Server Error")
		return
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	handle(w, r, r.URL.Query())
}

// storeMax raises v to n when n is larger.
func storeMax(v *atomic.Int32, n int32) {
	for {
		old := v.Load()
		if n <= old || v.CompareAndSwap(old, n) {
			return
		}
	}
}

// defaultMaxConcurrent is the Integrator Free plan's concurrency limit.
const defaultMaxConcurrent = 35

// concurrencyLimited answers a request over the concurrency limit as Okta
// does: 429 E0000047, nothing remaining and a reset that is only an
// estimate, one second ahead.
func (s *Server) concurrencyLimited(w http.ResponseWriter) {
	w.Header().Set("X-Rate-Limit-Remaining", "0")
	w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Unix()+1, 10))
	writeError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
}

// rateHeaders counts the request against its bucket's window and sets
// Okta's X-Rate-Limit-* headers; it reports whether the limit is exceeded.
func (s *Server) rateHeaders(w http.ResponseWriter, name string) bool {
	limit := s.opts.RequestsPerMinute
	if limit <= 0 {
		limit = unlimited
	}
	now := time.Now()
	s.mu.Lock()
	b := s.buckets[name]
	if b == nil || now.Sub(b.start) >= s.opts.RateWindow {
		b = &bucket{start: now}
		s.buckets[name] = b
	}
	b.used++
	used := b.used
	reset := b.start.Add(s.opts.RateWindow)
	s.mu.Unlock()
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(max(0, limit-used)))
	// Okta reports the reset as whole epoch seconds; round up so a client
	// waiting until then is never early.
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt((reset.UnixNano()+int64(time.Second)-1)/int64(time.Second), 10))
	return used > limit
}

type oktaError struct {
	ErrorCode    string   `json:"errorCode"`
	ErrorSummary string   `json:"errorSummary"`
	ErrorLink    string   `json:"errorLink"`
	ErrorID      string   `json:"errorId"`
	ErrorCauses  []string `json:"errorCauses"`
}

func writeError(w http.ResponseWriter, status int, code, summary string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(oktaError{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: "oaesim" + strconv.Itoa(status), ErrorCauses: []string{}})
}

// page writes one listing page: the items as a JSON array, a self link and,
// when next is non-empty, a next link on the server's base with the request's
// query and after=next.
func (s *Server) page(w http.ResponseWriter, r *http.Request, items []any, next string) {
	if items == nil {
		items = []any{} // Okta answers an empty listing with [], never null
	}
	body, err := json.Marshal(items)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "E0000009", "Internal Server Error")
		return
	}
	s.pageBytes(w, r, body, next)
}

// pageBytes is page with the body already encoded: a JSON array.
func (s *Server) pageBytes(w http.ResponseWriter, r *http.Request, body []byte, next string) {
	self := s.base + r.URL.RequestURI()
	w.Header().Add("Link", "<"+self+">; rel=\"self\"")
	if s.opts.Faults.RepeatCursor && r.URL.Query().Get("after") != "" && next != "" {
		next = r.URL.Query().Get("after")
	}
	if next != "" {
		q := r.URL.Query()
		q.Set("after", next)
		w.Header().Add("Link", "<"+s.base+r.URL.Path+"?"+q.Encode()+">; rel=\"next\"")
	}
	s.mu.Lock()
	s.pages++
	malformed := s.pages == s.opts.Faults.MalformedPage
	s.mu.Unlock()
	if malformed {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// checkParams flags query parameters the endpoint does not take.
func (s *Server) checkParams(r *http.Request, allowed ...string) {
	for k := range r.URL.Query() {
		if !slices.Contains(allowed, k) {
			s.flag("GET %s: unsupported parameter %q", r.URL.Path, k)
		}
	}
}

// limitParam parses limit, clamping to max as Okta does.
func limitParam(q url.Values, def, maxLimit int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errors.New("limit must be a positive integer")
	}
	return min(n, maxLimit), nil
}

// pageAfter returns the items of ids (sorted) strictly after the cursor, at
// most limit of them, and the cursor of the next page ("" at the end).
func pageAfter(ids []string, after string, limit int) (lo, hi int, next string) {
	lo = 0
	if after != "" {
		lo, _ = slices.BinarySearch(ids, after)
		if lo < len(ids) && ids[lo] == after {
			lo++
		}
	}
	hi = min(lo+limit, len(ids))
	if hi < len(ids) {
		next = ids[hi-1]
	}
	return lo, hi, next
}

var _ = context.Background
