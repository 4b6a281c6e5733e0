package slacksim

import (
	"encoding/base64"
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
// server receives (1-based), retries included; oauth.v2.access is not
// counted.
type Faults struct {
	// Throttle answers 429 {"ok":false,"error":"ratelimited"} with
	// Retry-After: 1.
	Throttle Burst
	// ServerError answers 503 with an HTML body, as Slack's edge does.
	ServerError Burst
	// MalformedPage sends the Nth successful listing page (1-based) cut in
	// half with status 200.
	MalformedPage int
	// RepeatCursor makes every users.list page reached through a cursor
	// hand out that same cursor again.
	RepeatCursor bool
	// ExpireToken answers the Nth request token_expired and revokes the
	// access token in use, as an expiring token does after 12 hours.
	ExpireToken int
}

// Rotation enables token rotation: the access token then comes from
// oauth.v2.access with the refresh token and the app's client credentials,
// and each exchange revokes the refresh token it was given.
type Rotation struct {
	ClientID, ClientSecret, RefreshToken string
}

// Options configure a Server.
type Options struct {
	// Token is the access token accepted (default: derived from the seed).
	// With Rotation it is accepted too, until it expires.
	Token string
	// Plan is team.billing.info's plan: "" (free), "std", "plus",
	// "compliance", "enterprise". Default "plus"; Free makes it "".
	Plan string
	Free bool
	// Tier2PerMinute limits each Tier 2 method per window (0: unlimited).
	Tier2PerMinute int
	// RateWindow is the rate-limit window (default one minute).
	RateWindow time.Duration
	// Clock is "now" for the data (default: the end of the org's day).
	Clock    func() time.Time
	Faults   Faults
	Rotation *Rotation
}

// Server is one simulated Slack workspace.
type Server struct {
	org     *synth.Org
	opts    Options
	data    *dataset
	builtAt time.Time

	ln   net.Listener
	srv  *http.Server
	base string

	mu         sync.Mutex
	requests   int
	pages      int
	counts     map[string]int
	unexpected []string
	windows    map[string]*window
	tokens     map[string]bool // access tokens currently valid
	refresh    string          // the refresh token currently valid
	issued     int
}

type window struct {
	start time.Time
	used  int
}

// New builds a server for org; it listens only after Start.
func New(org *synth.Org, opts Options) *Server {
	if opts.Token == "" {
		opts.Token = fmt.Sprintf("xoxp-sim-%016x", uint64(org.Params.Seed)*0x9e3779b97f4a7c15)
	}
	if opts.Plan == "" && !opts.Free {
		opts.Plan = "plus"
	}
	if opts.Free {
		opts.Plan = ""
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = time.Minute
	}
	if opts.Clock == nil {
		end := org.End()
		opts.Clock = func() time.Time { return end }
	}
	s := &Server{org: org, opts: opts, counts: map[string]int{}, windows: map[string]*window{},
		tokens: map[string]bool{opts.Token: true}}
	if opts.Rotation != nil {
		s.refresh = opts.Rotation.RefreshToken
	}
	s.builtAt = opts.Clock()
	s.data = build(org, s.builtAt)
	return s
}

// Start listens on 127.0.0.1 on a free port and serves in the background;
// the URL it returns stands for https://slack.com/api.
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening for the slack simulator: %w", err)
	}
	s.ln = ln
	s.base = "http://" + ln.Addr().String() + "/api"
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

// Token is the access token the server accepts from the start.
func (s *Server) Token() string { return s.opts.Token }

// TeamID is the workspace's team id.
func (s *Server) TeamID() string { return s.data.teamID }

// Unexpected lists requests a real workspace would reject or the simulator
// does not model; tests assert it is empty.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unexpected)
}

// Requests counts requests per method, and in total under "".
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

// tier2 are the methods Slack limits to about 20 requests a minute.
var tier2 = map[string]bool{"users.list": true, "team.billableInfo": true, "team.accessLogs": true}

type handler func(w http.ResponseWriter, r *http.Request, q url.Values)

func (s *Server) route(method string) (handler, []string) {
	switch method {
	case "auth.test":
		return s.authTest, nil
	case "team.info":
		return s.teamInfo, []string{"team", "domain"}
	case "team.billing.info":
		return s.billingInfo, nil
	case "users.list":
		return s.usersList, []string{"cursor", "limit", "include_locale", "team_id"}
	case "team.billableInfo":
		return s.billableInfo, []string{"cursor", "limit", "team_id", "user"}
	case "team.accessLogs":
		return s.accessLogs, []string{"before", "count", "page", "team_id"}
	}
	return nil, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		s.flag("%s %s: not under /api/", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if method == "oauth.v2.access" {
		s.mu.Lock()
		s.counts[method]++
		s.mu.Unlock()
		s.oauthAccess(w, r)
		return
	}
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.counts[method]++
	s.mu.Unlock()
	h, params := s.route(method)
	if h == nil {
		s.flag("%s %s: no such method", r.Method, method)
		writeErr(w, "unknown_method")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		s.flag("%s %s: method not allowed", r.Method, method)
		writeErr(w, "method_not_supported_for_channel_type")
		return
	}
	q := r.URL.Query()
	if q.Get("token") != "" {
		s.flag("%s: token in the query string", method)
	}
	for k := range q {
		if !slices.Contains(params, k) {
			s.flag("%s: unsupported parameter %q", method, k)
		}
	}
	f := s.opts.Faults
	if f.Throttle.Hit(n) || s.overLimit(method) {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
		return
	}
	if f.ServerError.Hit(n) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("<html><body>Service Unavailable</body></html>"))
		return
	}
	if code := s.authorize(r, n); code != "" {
		writeErr(w, code)
		return
	}
	h(w, r, q)
}

// overLimit counts a Tier 2 request against its method's window.
func (s *Server) overLimit(method string) bool {
	if s.opts.Tier2PerMinute <= 0 || !tier2[method] {
		return false
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	win := s.windows[method]
	if win == nil || now.Sub(win.start) >= s.opts.RateWindow {
		win = &window{start: now}
		s.windows[method] = win
	}
	win.used++
	return win.used > s.opts.Tier2PerMinute
}

// authorize returns Slack's error for the request's credentials, "" when
// they are good.
func (s *Server) authorize(r *http.Request, n int) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		s.flag("%s: no Bearer token", r.URL.Path)
		return "not_authed"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.tokens[tok] {
		return "invalid_auth"
	}
	if n == s.opts.Faults.ExpireToken {
		delete(s.tokens, tok)
		return "token_expired"
	}
	return ""
}

func (s *Server) oauthAccess(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.flag("%s oauth.v2.access: must be POST", r.Method)
		writeErr(w, "invalid_request")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeErr(w, "invalid_form_data")
		return
	}
	rot := s.opts.Rotation
	if rot == nil {
		s.flag("oauth.v2.access without rotation configured")
		writeErr(w, "token_rotation_not_enabled")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "refresh_token" {
		s.flag("oauth.v2.access: grant_type %q", f.Get("grant_type"))
		writeErr(w, "invalid_grant_type")
		return
	}
	if f.Get("client_id") != rot.ClientID {
		writeErr(w, "invalid_client_id")
		return
	}
	if f.Get("client_secret") != rot.ClientSecret {
		writeErr(w, "bad_client_secret")
		return
	}
	s.mu.Lock()
	if f.Get("refresh_token") != s.refresh || s.refresh == "" {
		s.mu.Unlock()
		writeErr(w, "invalid_refresh_token")
		return
	}
	s.issued++
	access := fmt.Sprintf("xoxe.xoxp-1-sim%d-%s", s.issued, s.data.teamID)
	s.refresh = fmt.Sprintf("xoxe-1-refresh%d-%s", s.issued, s.data.teamID)
	s.tokens[access] = true
	refresh := s.refresh
	s.mu.Unlock()
	writeJSON(w, map[string]any{
		"ok": true, "app_id": "A0SIMAPP01", "authed_user": map[string]any{"id": "U0SIMADMIN"},
		"scope": "admin,users:read,users:read.email,team:read,team.billing:read", "token_type": "user",
		"access_token": access, "refresh_token": refresh, "expires_in": 43200,
		"team": map[string]any{"id": s.data.teamID, "name": s.data.teamName}, "enterprise": nil, "is_enterprise_install": false,
	})
}

func writeErr(w http.ResponseWriter, code string) {
	writeJSON(w, map[string]any{"ok": false, "error": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := segjson.Marshal(v)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(b)
}

// listing writes a successful listing page, cut in half when the fault
// says so.
func (s *Server) listing(w http.ResponseWriter, v any) {
	b, err := segjson.Marshal(v)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	s.pages++
	bad := s.pages == s.opts.Faults.MalformedPage
	s.mu.Unlock()
	if bad {
		b = b[:len(b)/2]
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(b)
}

func (s *Server) authTest(w http.ResponseWriter, _ *http.Request, _ url.Values) {
	writeJSON(w, map[string]any{"ok": true, "url": "https://" + s.data.domain + ".slack.com/", "team": s.data.teamName,
		"user": "saaspipe", "team_id": s.data.teamID, "user_id": "U0SIMADMIN", "is_enterprise_install": false})
}

func (s *Server) teamInfo(w http.ResponseWriter, _ *http.Request, _ url.Values) {
	writeJSON(w, map[string]any{"ok": true, "team": map[string]any{
		"id": s.data.teamID, "name": s.data.teamName, "url": "https://" + s.data.domain + ".slack.com/",
		"domain": s.data.domain, "email_domain": s.org.Domain, "is_verified": false,
		"icon": map[string]any{"image_default": true, "image_34": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-34.png"},
	}})
}

func (s *Server) billingInfo(w http.ResponseWriter, _ *http.Request, _ url.Values) {
	writeJSON(w, map[string]any{"ok": true, "plan": s.opts.Plan})
}

// cursorFor encodes a position as Slack does: base64 of "user:<id>".
func cursorFor(id string) string { return base64.StdEncoding.EncodeToString([]byte("user:" + id)) }

// decodeCursor returns the id a cursor points after.
func decodeCursor(cursor string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(cursor)
	if err != nil {
		return "", err
	}
	id, ok := strings.CutPrefix(string(b), "user:")
	if !ok {
		return "", fmt.Errorf("cursor is not a user cursor")
	}
	return id, nil
}

func limitOf(q url.Values, def, maxN int) (int, bool) {
	v := q.Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	if n == 0 {
		return def, true
	}
	return min(n, maxN), true
}
