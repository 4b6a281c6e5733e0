package gwsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
	segjson "github.com/segmentio/encoding/json"
)

// Burst is the shared fault schedule (simulate.Burst).
type Burst = simulate.Burst

// Faults are deterministic misbehaviours, counted over the API requests the
// server receives (1-based, token requests excluded), retries included.
type Faults struct {
	// Throttle answers in turn 403 rateLimitExceeded, 403
	// userRateLimitExceeded, 403 quotaExceeded and 429 RESOURCE_EXHAUSTED.
	Throttle Burst
	// ExpireAccess answers the Nth API request 401 and forgets its access
	// token, as for a token revoked or past its hour.
	ExpireAccess int
	// ServerError answers 503 backendError.
	ServerError Burst
	// Forbidden answers every API request 403 forbidden, as for an
	// administrator without the privilege.
	Forbidden bool
	// MalformedPage sends the Nth successful listing page (1-based) as
	// truncated JSON with status 200.
	MalformedPage int
	// RepeatCursor makes every page reached through a pageToken hand the same
	// token out again.
	RepeatCursor bool
}

// Options configure a Server.
type Options struct {
	// Admin is the administrator the service account must impersonate
	// (default admin@<org domain>).
	Admin string
	// UsageLagDays is how many days a usage report takes to be published
	// (default 3).
	UsageLagDays int
	// Clock is "now" for the data (default: the org's End).
	Clock  func() time.Time
	Faults Faults
}

// Server is one simulated Google Workspace customer.
type Server struct {
	org  *synth.Org
	opts Options
	data *dataset
	key  *rsa.PrivateKey
	mail string // service account e-mail

	ln   net.Listener
	srv  *http.Server
	base string

	mu         sync.Mutex
	requests   int
	pages      int
	counts     map[string]int
	unexpected []string
	tokens     map[string][]string // access token → granted scopes
	windows    map[[2]time.Time][]activity
}

// New builds a server for org with a fresh service account key; it listens
// only after Start.
func New(org *synth.Org, opts Options) (*Server, error) {
	if opts.Admin == "" {
		opts.Admin = "admin@" + org.Domain
	}
	if opts.UsageLagDays <= 0 {
		opts.UsageLagDays = 3
	}
	if opts.Clock == nil {
		end := org.End()
		opts.Clock = func() time.Time { return end }
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generating the google simulator's service account key: %w", err)
	}
	s := &Server{org: org, opts: opts, key: key, mail: "saaspipe-reader@acme-sim.iam.gserviceaccount.com",
		counts: map[string]int{}, tokens: map[string][]string{}, windows: map[[2]time.Time][]activity{}}
	s.data = build(org, opts.Clock())
	return s, nil
}

// Start listens on 127.0.0.1 on a free port and serves in the background.
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening for the google simulator: %w", err)
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

// TokenURL is the token endpoint, which is also the assertion's audience.
func (s *Server) TokenURL() string { return s.base + "/token" }

// Admin is the administrator the service account may impersonate.
func (s *Server) Admin() string { return s.opts.Admin }

// CustomerID is the customer's id (C0…).
func (s *Server) CustomerID() string { return s.data.customer }

// ServiceAccountKey renders the JSON key file of the service account the
// server trusts, as the Google Cloud console downloads it.
func (s *Server) ServiceAccountKey() string {
	der, _ := x509.MarshalPKCS8PrivateKey(s.key)
	b, _ := json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  "acme-sim",
		"private_key_id":              "5f3c0d9e2a4b6c8d0e1f2a3b4c5d6e7f80912345",
		"private_key":                 string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":                s.mail,
		"client_id":                   "104857600000000000001",
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   s.TokenURL(),
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
	}, "", "  ")
	return string(b)
}

// Unexpected lists requests Google would reject or the simulator does not
// model; tests assert it is empty.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unexpected)
}

// Requests is the number of requests received per route ("/token",
// "users", "licenses", "login", "usage") and in total under "".
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

// Google's error envelope.
type gError struct {
	Error struct {
		Code    int      `json:"code"`
		Message string   `json:"message"`
		Errors  []gCause `json:"errors"`
		Status  string   `json:"status"`
	} `json:"error"`
}

type gCause struct {
	Message string `json:"message"`
	Domain  string `json:"domain"`
	Reason  string `json:"reason"`
}

func writeError(w http.ResponseWriter, code int, status, reason, domain, msg string) {
	var e gError
	e.Error.Code, e.Error.Message, e.Error.Status = code, msg, status
	e.Error.Errors = []gCause{{Message: msg, Domain: domain, Reason: reason}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(e)
}

const scopePrefix = "https://www.googleapis.com/auth/"

// route maps a path to its name, the scope it needs and its handler.
func (s *Server) route(path string) (string, string, func(w http.ResponseWriter, r *http.Request, q url.Values)) {
	switch {
	case path == "/admin/directory/v1/users":
		return "users", "admin.directory.user.readonly", s.listUsers
	case path == "/admin/reports/v1/activity/users/all/applications/login":
		return "login", "admin.reports.audit.readonly", s.listLogins
	case strings.HasPrefix(path, "/admin/reports/v1/usage/users/all/dates/"):
		date := strings.TrimPrefix(path, "/admin/reports/v1/usage/users/all/dates/")
		return "usage", "admin.reports.usage.readonly", func(w http.ResponseWriter, r *http.Request, q url.Values) { s.listUsage(w, r, q, date) }
	case strings.HasPrefix(path, "/apps/licensing/v1/product/") && strings.HasSuffix(path, "/users"):
		product := strings.TrimSuffix(strings.TrimPrefix(path, "/apps/licensing/v1/product/"), "/users")
		return "licenses", "apps.licensing", func(w http.ResponseWriter, r *http.Request, q url.Values) { s.listLicenses(w, r, q, product) }
	}
	return "", "", nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" && r.Method == http.MethodPost {
		s.mu.Lock()
		s.counts["/token"]++
		s.mu.Unlock()
		s.token(w, r)
		return
	}
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.mu.Unlock()
	name, scope, handle := s.route(r.URL.Path)
	if handle == nil || r.Method != http.MethodGet {
		s.flag("%s %s: no such endpoint", r.Method, r.URL.Path)
		writeError(w, http.StatusNotFound, "NOT_FOUND", "notFound", "global", "Not Found")
		return
	}
	s.mu.Lock()
	s.counts[name]++
	granted, ok := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	s.mu.Unlock()
	if ok && n == s.opts.Faults.ExpireAccess {
		s.mu.Lock()
		delete(s.tokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		s.mu.Unlock()
		ok = false
	}
	if !ok || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "authError", "global",
			"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		return
	}
	if !slices.Contains(granted, scopePrefix+scope) {
		s.flag("GET %s: token lacks scope %s", r.URL.Path, scope)
		writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "insufficientPermissions", "global", "Request had insufficient authentication scopes.")
		return
	}
	f := s.opts.Faults
	switch {
	case f.Forbidden:
		writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "forbidden", "global", "Not Authorized to access this resource/api")
		return
	case f.Throttle.Hit(n):
		switch n % 4 {
		case 0:
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "rateLimitExceeded", "usageLimits", "Rate Limit Exceeded")
		case 1:
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "userRateLimitExceeded", "usageLimits", "User Rate Limit Exceeded")
		case 2:
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "quotaExceeded", "usageLimits", "Quota exceeded for quota group 'default' and limit 'Queries per user per 100 seconds'.")
		default:
			writeError(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED", "rateLimitExceeded", "usageLimits",
				"Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'.")
		}
		return
	case f.ServerError.Hit(n):
		writeError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "backendError", "global", "The service is currently unavailable.")
		return
	}
	handle(w, r, r.URL.Query())
}

// token answers the JWT bearer grant. The assertion must be signed RS256
// by the service account's key, issued by its e-mail for the admin, aimed at
// this endpoint, carry the scopes and be valid now (Google allows an hour).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code, desc string) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		s.flag("POST /token: grant_type %q", r.PostForm.Get("grant_type"))
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+r.PostForm.Get("grant_type"))
		return
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(r.PostForm.Get("assertion"), claims, func(*jwt.Token) (any, error) { return &s.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(s.TokenURL()), jwt.WithIssuer(s.mail),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		oauthErr(http.StatusBadRequest, "invalid_grant", "Invalid JWT Signature.")
		return
	}
	if sub, _ := claims["sub"].(string); sub != s.opts.Admin {
		oauthErr(http.StatusUnauthorized, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
		return
	}
	scope, _ := claims["scope"].(string)
	granted := strings.Fields(scope)
	for _, g := range granted {
		if !strings.HasPrefix(g, scopePrefix) || !strings.HasSuffix(g, ".readonly") && g != scopePrefix+"apps.licensing" {
			oauthErr(http.StatusUnauthorized, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
			return
		}
	}
	tok := make([]byte, 24)
	rand.Read(tok)
	access := "ya29.sim-" + base64.RawURLEncoding.EncodeToString(tok)
	s.mu.Lock()
	s.tokens[access] = granted
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]any{"access_token": access, "expires_in": 3599, "token_type": "Bearer"})
}

// checkParams flags query parameters the endpoint does not take.
func (s *Server) checkParams(r *http.Request, allowed ...string) {
	for k := range r.URL.Query() {
		if !slices.Contains(allowed, k) {
			s.flag("GET %s: unsupported parameter %q", r.URL.Path, k)
		}
	}
}

// maxResults parses maxResults; Google rejects values beyond the maximum.
func (s *Server) maxResults(w http.ResponseWriter, r *http.Request, def, maxN int) (int, bool) {
	v := r.URL.Query().Get("maxResults")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxN {
		s.flag("GET %s: maxResults %q", r.URL.Path, v)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid", "global", "Invalid value for maxResults: "+v)
		return 0, false
	}
	return n, true
}

// offset decodes a pageToken: opaque to clients, "<route>:<offset>" here.
func (s *Server) offset(w http.ResponseWriter, r *http.Request, route string) (int, bool) {
	t := r.URL.Query().Get("pageToken")
	if t == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(t)
	rt, off, ok := strings.Cut(string(b), ":")
	n, err2 := strconv.Atoi(off)
	if err != nil || !ok || rt != route || err2 != nil || n < 0 {
		s.flag("GET %s: bad pageToken %q", r.URL.Path, t)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid", "global", "Invalid page token")
		return 0, false
	}
	return n, true
}

func pageToken(route string, off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(route + ":" + strconv.Itoa(off)))
}

// page writes one listing: kind, etag, the items under key (omitted when
// empty, as Google does), and nextPageToken when more follow.
func (s *Server) page(w http.ResponseWriter, r *http.Request, route, kind, key string, items []any, total, off int, extra map[string]any) {
	body := map[string]any{"kind": kind, "etag": `"sim-` + route + `"`}
	for k, v := range extra {
		body[k] = v
	}
	if len(items) > 0 {
		body[key] = items
	}
	if end := off + len(items); end < total {
		body["nextPageToken"] = pageToken(route, end)
		if s.opts.Faults.RepeatCursor && r.URL.Query().Get("pageToken") != "" {
			body["nextPageToken"] = r.URL.Query().Get("pageToken")
		}
	}
	b, err := segjson.Marshal(body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL", "internalError", "global", "Internal error")
		return
	}
	s.mu.Lock()
	s.pages++
	malformed := s.pages == s.opts.Faults.MalformedPage
	s.mu.Unlock()
	if malformed {
		b = b[:len(b)/2]
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Write(b)
}

// window returns items[off:off+n] bounds.
func window(total, off, n int) (int, int) {
	lo := min(off, total)
	return lo, min(lo+n, total)
}
