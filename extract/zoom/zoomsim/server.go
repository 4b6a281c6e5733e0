package zoomsim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
	segjson "github.com/segmentio/encoding/json"
)

// Burst is the shared fault schedule (simulate.Burst).
type Burst = simulate.Burst

// Faults are deterministic misbehaviours, counted over the API requests the
// server receives (1-based, token requests excluded), retries included.
type Faults struct {
	// Throttle answers 429 with Retry-After: 1 and nothing remaining.
	Throttle Burst
	// ServerError answers 500 code 500.
	ServerError Burst
	// ExpireToken answers the Nth request carrying a next_page_token
	// (1-based) as if the token had outlived its 15 minutes.
	ExpireToken int
	// ExpireAccess answers the Nth API request 401 code 124, as for an
	// access token revoked or past its hour.
	ExpireAccess int
	// NoBilling answers plan usage 400 code 200 (not a master account).
	NoBilling bool
	// MalformedPage sends the Nth successful listing page as truncated JSON.
	MalformedPage int
	// RepeatCursor makes every page reached through a token hand it out
	// again.
	RepeatCursor bool
}

// Options configure a Server.
type Options struct {
	AccountID    string // default derived from the seed
	ClientID     string
	ClientSecret string
	// RequestsPerSecond is the per-category limit of each one-second window
	// (0: effectively unlimited, headers still sent).
	RequestsPerSecond int
	// PageTokenTTL is how long a next_page_token stays valid (default 15
	// minutes, as Zoom).
	PageTokenTTL time.Duration
	// Clock is "now" for the data (default: the org's End). Token lifetimes
	// and rate windows use the wall clock.
	Clock  func() time.Time
	Faults Faults
}

// Server is one simulated Zoom account.
type Server struct {
	org  *synth.Org
	opts Options
	data *dataset

	ln   net.Listener
	srv  *http.Server
	base string

	mu         sync.Mutex
	requests   int
	cursored   int
	pages      int
	counts     map[string]int
	unexpected []string
	tokens     map[string]bool
	buckets    map[string]*bucket

	// reports caches the entries of recent report windows: a client paging
	// through one window asks for it once per page, and recomputing the
	// window from the organisation each time made the simulator, not the
	// client, the bottleneck.
	reportMu   sync.Mutex
	reports    map[[3]time.Time][]entry
	reportKeys [][3]time.Time
}

type bucket struct {
	start time.Time
	used  int
}

const unlimited = 100000

// New builds a server for org; it listens only after Start.
func New(org *synth.Org, opts Options) *Server {
	seed := uint64(org.Params.Seed)
	if opts.AccountID == "" {
		opts.AccountID = fmt.Sprintf("sIm%019d", seed*2654435761%10000000000000000000)
	}
	if opts.ClientID == "" {
		opts.ClientID = fmt.Sprintf("zsim%012x", seed*0x9e3779b97f4a7c15>>16)
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = fmt.Sprintf("zsecret%024x", seed*0xbf58476d1ce4e5b9)
	}
	if opts.PageTokenTTL <= 0 {
		opts.PageTokenTTL = 15 * time.Minute
	}
	if opts.Clock == nil {
		end := org.End()
		opts.Clock = func() time.Time { return end }
	}
	s := &Server{org: org, opts: opts, counts: map[string]int{}, tokens: map[string]bool{}, buckets: map[string]*bucket{}}
	s.data = build(org, opts.Clock())
	return s
}

// Start listens on 127.0.0.1 on a free port and serves in the background.
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening for the zoom simulator: %w", err)
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

// APIURL is the API root the connector's base_url takes.
func (s *Server) APIURL() string { return s.base + "/v2" }

// TokenURL is the OAuth token endpoint.
func (s *Server) TokenURL() string { return s.base + "/oauth/token" }

// AccountID, ClientID and ClientSecret are the credentials it accepts.
func (s *Server) AccountID() string    { return s.opts.AccountID }
func (s *Server) ClientID() string     { return s.opts.ClientID }
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// Unexpected lists requests Zoom would reject or the simulator does not
// model; tests assert it is empty.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unexpected)
}

// Requests is the number of requests per route ("/oauth/token", "users",
// "users first pages", "plans", "activities") and in total under "".
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{"": s.requests}
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

func (s *Server) flag(format string, args ...any) {
	s.mu.Lock()
	s.unexpected = append(s.unexpected, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

// route maps a path to its name, rate-limit category and handler.
func (s *Server) route(path string) (string, string, func(w http.ResponseWriter, r *http.Request, q url.Values)) {
	switch path {
	case "/v2/users":
		return "users", "Medium", s.listUsers
	case "/v2/accounts/me/plans/usage":
		return "plans", "Light", s.planUsage
	case "/v2/report/activities":
		return "activities", "Heavy", s.listActivities
	}
	return "", "", nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token" {
		s.mu.Lock()
		s.counts["/oauth/token"]++
		s.mu.Unlock()
		s.token(w, r)
		return
	}
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.mu.Unlock()
	name, category, handle := s.route(r.URL.Path)
	if handle == nil || r.Method != http.MethodGet {
		s.flag("%s %s: no such endpoint", r.Method, r.URL.Path)
		writeError(w, http.StatusNotFound, 404, "The requested resource was not found.")
		return
	}
	s.mu.Lock()
	s.counts[name]++
	auth := r.Header.Get("Authorization")
	ok := strings.HasPrefix(auth, "Bearer ") && s.tokens[strings.TrimPrefix(auth, "Bearer ")]
	s.mu.Unlock()
	limited, remaining, limit := s.rate(category)
	h := w.Header()
	h.Set("X-RateLimit-Category", category)
	h.Set("X-RateLimit-Type", "QPS")
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	f := s.opts.Faults
	if !ok || n == f.ExpireAccess {
		if ok {
			s.mu.Lock()
			delete(s.tokens, strings.TrimPrefix(auth, "Bearer "))
			s.mu.Unlock()
		}
		writeError(w, http.StatusUnauthorized, 124, "Invalid access token.")
		return
	}
	switch {
	case limited || f.Throttle.Hit(n):
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, 429, "You have reached the maximum per-second rate limit for this API. Try again later.")
		return
	case f.ServerError.Hit(n):
		writeError(w, http.StatusInternalServerError, 500, "Internal server error.")
		return
	}
	handle(w, r, r.URL.Query())
}

// rate counts a request against its category's one-second window.
func (s *Server) rate(category string) (limited bool, remaining, limit int) {
	limit = s.opts.RequestsPerSecond
	if limit <= 0 {
		limit = unlimited
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[category]
	if b == nil || now.Sub(b.start) >= time.Second {
		b = &bucket{start: now}
		s.buckets[category] = b
	}
	b.used++
	return b.used > limit, max(0, limit-b.used), limit
}

// token answers the account_credentials grant: query grant_type and
// account_id, client id and secret as HTTP Basic credentials.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code, reason string) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"reason": reason, "error": code})
	}
	q := r.URL.Query()
	if r.Method != http.MethodPost || q.Get("grant_type") != "account_credentials" {
		s.flag("%s /oauth/token: grant_type %q", r.Method, q.Get("grant_type"))
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.opts.ClientID || secret != s.opts.ClientSecret {
		oauthErr(http.StatusBadRequest, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	if q.Get("account_id") != s.opts.AccountID {
		oauthErr(http.StatusBadRequest, "invalid_request", "Invalid account_id")
		return
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := "eyJzaW0iOiJ6b29tIn0." + base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = true
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": 3599,
		"scope": "user:read:admin report:read:admin billing:master", "api_url": "https://api.zoom.us",
	})
}

// checkParams flags query parameters the endpoint does not take.
func (s *Server) checkParams(r *http.Request, allowed ...string) {
	for k := range r.URL.Query() {
		if !slices.Contains(allowed, k) {
			s.flag("GET %s: unsupported parameter %q", r.URL.Path, k)
		}
	}
}

// pageSize parses page_size; Zoom caps it at 300.
func (s *Server) pageSize(w http.ResponseWriter, r *http.Request, def int) (int, bool) {
	v := r.URL.Query().Get("page_size")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		s.flag("GET %s: page_size %q", r.URL.Path, v)
		writeError(w, http.StatusBadRequest, 300, "Invalid field: page_size")
		return 0, false
	}
	if n > 300 {
		s.flag("GET %s: page_size %d beyond 300", r.URL.Path, n)
		n = 300
	}
	return n, true
}

// cursor decodes a next_page_token: "<listing>|<offset>|<issued unix ms>".
// A token of another listing is invalid; one older than PageTokenTTL, or
// the one chosen by Faults.ExpireToken, is expired.
func (s *Server) cursor(w http.ResponseWriter, r *http.Request, listing string) (int, bool) {
	t := r.URL.Query().Get("next_page_token")
	if t == "" {
		s.mu.Lock()
		s.counts[listing+" first pages"]++
		s.mu.Unlock()
		return 0, true
	}
	s.mu.Lock()
	s.cursored++
	expire := s.cursored == s.opts.Faults.ExpireToken
	s.mu.Unlock()
	b, err := base64.RawURLEncoding.DecodeString(t)
	parts := strings.Split(string(b), "|")
	if err != nil || len(parts) != 3 || parts[0] != listing {
		s.flag("GET %s: foreign next_page_token", r.URL.Path)
		writeError(w, http.StatusBadRequest, 300, "The next page token is invalid or expired.")
		return 0, false
	}
	off, err1 := strconv.Atoi(parts[1])
	issued, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || off < 0 {
		s.flag("GET %s: malformed next_page_token", r.URL.Path)
		writeError(w, http.StatusBadRequest, 300, "The next page token is invalid or expired.")
		return 0, false
	}
	if expire || time.Since(time.UnixMilli(issued)) > s.opts.PageTokenTTL {
		writeError(w, http.StatusBadRequest, 300, "The next page token is invalid or expired.")
		return 0, false
	}
	return off, true
}

func token(listing string, off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(listing + "|" + strconv.Itoa(off) + "|" + strconv.FormatInt(time.Now().UnixMilli(), 10)))
}

// page writes a listing body with Zoom's paging fields; next_page_token is
// "" on the last page.
func (s *Server) page(w http.ResponseWriter, r *http.Request, listing string, body map[string]any, key string, items []any, size, total, off int) {
	next := ""
	if off+len(items) < total {
		next = token(listing, off+len(items))
		if s.opts.Faults.RepeatCursor && r.URL.Query().Get("next_page_token") != "" {
			next = r.URL.Query().Get("next_page_token")
		}
	}
	if items == nil {
		items = []any{}
	}
	body[key] = items
	body["page_size"] = size
	body["next_page_token"] = next
	b, err := segjson.Marshal(body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, 500, "Internal server error.")
		return
	}
	s.mu.Lock()
	s.pages++
	malformed := s.pages == s.opts.Faults.MalformedPage
	s.mu.Unlock()
	if malformed {
		b = b[:len(b)/2]
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Write(b)
}
