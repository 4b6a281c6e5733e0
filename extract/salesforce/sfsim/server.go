package sfsim

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Burst is the shared fault schedule (simulate.Burst).
type Burst = simulate.Burst

// Faults are deterministic misbehaviours, counted over API requests
// (1-based), retries included; token requests are not counted.
type Faults struct {
	// ServerError answers 503 SERVER_UNAVAILABLE.
	ServerError Burst
	// ExpireSession answers the Nth request 401 INVALID_SESSION_ID and
	// revokes the access token used, as a session timeout does.
	ExpireSession int
	// MalformedPage sends the Nth successful query page cut in half.
	MalformedPage int
	// RepeatLocator makes every page reached through nextRecordsUrl point
	// at itself again.
	RepeatLocator bool
}

// ConnectedApp is the OAuth 2.0 client the org accepts.
type ConnectedApp struct {
	ClientID     string
	ClientSecret string
	// PublicKey verifies JWT bearer assertions (nil: flow disabled).
	PublicKey *rsa.PublicKey
	// Username is the integration user's name for JWT bearer.
	Username string
	// RefreshToken is accepted for the refresh token flow ("" disables it).
	RefreshToken string
	// LoginURL is the JWT bearer audience (default https://login.salesforce.com).
	LoginURL string
}

// Options configure a Server.
type Options struct {
	App ConnectedApp // default: a client id and secret derived from the seed
	// DailyLimit is the rolling 24-hour API allocation (default 15,000);
	// UsedAtStart is how much of it is already used.
	DailyLimit  int
	UsedAtStart int
	// MaxBatch caps query batches below Salesforce's 2,000 (tests page more).
	MaxBatch int
	// Clock is "now" for the data (default: the end of the org's day).
	Clock  func() time.Time
	Faults Faults
}

// Server is one simulated Salesforce org.
type Server struct {
	org  *synth.Org
	opts Options
	data *dataset

	ln   net.Listener
	srv  *http.Server
	base string

	dayMu sync.Mutex
	days  map[time.Time][]loginRow

	mu         sync.Mutex
	requests   int
	used       int
	pages      int
	counts     map[string]int
	unexpected []string
	tokens     map[string]bool
	issued     int
	locators   map[string]*locator
}

// locator is one query's result, served a batch at a time: records already
// encoded, or (LoginHistory, the large one) the rows, encoded batch by
// batch as the pages are asked for.
type locator struct {
	records []json.RawMessage
	logins  []*loginRow
	fields  []string
	total   int
	version string
}

// appendRecord appends record i of loc.
func (d *dataset) appendRecord(b []byte, loc *locator, i int) []byte {
	if loc.logins == nil {
		return append(b, loc.records[i]...)
	}
	l := loc.logins[i]
	return appendFlat(b, "LoginHistory", loc.version, l.id, loc.fields, func(f string) any { return d.loginField(l, f) })
}

// New builds a server for org; it listens only after Start.
func New(org *synth.Org, opts Options) *Server {
	seed := strconv.FormatInt(org.Params.Seed, 10)
	if opts.App.ClientID == "" {
		opts.App.ClientID = "3MVG9sim" + sfID("xxx", seed, "client")[3:]
	}
	if opts.App.ClientSecret == "" && opts.App.PublicKey == nil && opts.App.RefreshToken == "" {
		opts.App.ClientSecret = fmt.Sprintf("%016X", hash64(seed, "client-secret"))
	}
	if opts.App.LoginURL == "" {
		opts.App.LoginURL = "https://login.salesforce.com"
	}
	if opts.DailyLimit <= 0 {
		opts.DailyLimit = 15000
	}
	if opts.Clock == nil {
		end := org.End()
		opts.Clock = func() time.Time { return end }
	}
	s := &Server{org: org, opts: opts, counts: map[string]int{}, tokens: map[string]bool{}, locators: map[string]*locator{},
		days: map[time.Time][]loginRow{}, used: opts.UsedAtStart}
	s.data = build(org, opts.Clock())
	return s
}

// Start listens on 127.0.0.1 on a free port; the URL returned stands for
// the instance URL.
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening for the salesforce simulator: %w", err)
	}
	s.ln = ln
	s.base = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s.base, nil
}

// Close stops the server.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// App is the connected app the org accepts.
func (s *Server) App() ConnectedApp { return s.opts.App }

// OrgID is the org's 18-character id.
func (s *Server) OrgID() string { return s.data.orgID }

// Unexpected lists requests a real org would reject or the simulator does
// not model; tests assert it is empty.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unexpected)
}

// Requests counts requests per kind ("token", "query", "locator") and API
// requests in total under "".
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

func writeErrors(w http.ResponseWriter, status int, errs ...sfError) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errs)
}

var (
	queryPath   = regexp.MustCompile(`^/services/data/v(\d\d\.0)/query/?$`)
	locatorPath = regexp.MustCompile(`^/services/data/v(\d\d\.0)/query/(01g[A-Za-z0-9]+)-(\d+)$`)
)

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/services/oauth2/token" {
		s.mu.Lock()
		s.counts["token"]++
		s.mu.Unlock()
		s.token(w, r)
		return
	}
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.used++
	used := s.used
	s.mu.Unlock()
	w.Header().Set("Sforce-Limit-Info", fmt.Sprintf("api-usage=%d/%d", min(used, s.opts.DailyLimit), s.opts.DailyLimit))
	qm, lm := queryPath.FindStringSubmatch(r.URL.Path), locatorPath.FindStringSubmatch(r.URL.Path)
	if r.Method != http.MethodGet || (qm == nil && lm == nil) {
		s.flag("%s %s: not modelled", r.Method, r.URL.Path)
		writeErrors(w, http.StatusNotFound, sfError{Message: "The requested resource does not exist", ErrorCode: "NOT_FOUND"})
		return
	}
	if !s.authorized(w, r, n) {
		return
	}
	if used > s.opts.DailyLimit {
		writeErrors(w, http.StatusForbidden, sfError{Message: "TotalRequests Limit exceeded.", ErrorCode: "REQUEST_LIMIT_EXCEEDED"})
		return
	}
	if s.opts.Faults.ServerError.Hit(n) {
		writeErrors(w, http.StatusServiceUnavailable, sfError{Message: "Server temporarily unavailable.", ErrorCode: "SERVER_UNAVAILABLE"})
		return
	}
	if qm != nil {
		s.mu.Lock()
		s.counts["query"]++
		s.mu.Unlock()
		s.query(w, r, qm[1])
		return
	}
	s.mu.Lock()
	s.counts["locator"]++
	s.mu.Unlock()
	s.more(w, r, lm[1], lm[2], lm[3])
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request, n int) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	valid := ok && s.tokens[tok]
	if valid && n == s.opts.Faults.ExpireSession {
		delete(s.tokens, tok)
		valid = false
	}
	s.mu.Unlock()
	if !ok {
		s.flag("%s: no Bearer token", r.URL.Path)
	}
	if !valid {
		writeErrors(w, http.StatusUnauthorized, sfError{Message: "Session expired or invalid", ErrorCode: "INVALID_SESSION_ID"})
	}
	return valid
}

// batchSize reads Sforce-Query-Options: batchSize=N (200..2000, default 2000).
func (s *Server) batchSize(r *http.Request) int {
	size := 2000
	if v := r.Header.Get("Sforce-Query-Options"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(v, "batchSize=")))
		if err != nil || n < 200 || n > 2000 {
			s.flag("Sforce-Query-Options %q out of range", v)
		} else {
			size = n
		}
	}
	if s.opts.MaxBatch > 0 {
		size = min(size, s.opts.MaxBatch)
	}
	return size
}

func (s *Server) query(w http.ResponseWriter, r *http.Request, version string) {
	params := r.URL.Query()
	for k := range params {
		if k != "q" {
			s.flag("query: unsupported parameter %q", k)
		}
	}
	q, perr := parseSOQL(params.Get("q"))
	if perr != nil {
		s.flag("query %q: %s", params.Get("q"), perr.ErrorCode)
		writeErrors(w, http.StatusBadRequest, *perr)
		return
	}
	// Each record is projected and encoded as it is produced: no
	// intermediate list of records, and nothing beyond LIMIT.
	var all []json.RawMessage
	var logins []*loginRow
	full := func() bool { return q.limit > 0 && len(all)+len(logins) >= q.limit }
	flatOnly := flatFields(q.fields)
	add := func(rec flat) {
		switch {
		case full():
		case flatOnly:
			id, _ := rec["Id"].(string)
			all = append(all, appendFlat(nil, q.object, version, id, q.fields, func(f string) any { return rec[f] }))
		default:
			all = append(all, project(q.object, version, rec, q.fields).appendJSON(nil))
		}
	}
	d := s.data
	switch q.object {
	case "User":
		all = make([]json.RawMessage, 0, len(d.users))
		for _, u := range d.users {
			add(d.userRec(u))
		}
	case "UserLicense":
		for _, l := range d.licenses {
			add(licenseRec(l))
		}
	case "PermissionSetLicense":
		for _, p := range d.psls {
			add(pslRec(p))
		}
	case "PermissionSetLicenseAssign":
		all = make([]json.RawMessage, 0, len(d.pslas))
		for _, a := range d.pslas {
			add(pslaRec(a))
		}
	case "Organization":
		add(flat{"Id": d.orgID, "Name": d.orgName})
	case "LoginHistory":
		if !q.window {
			s.flag("LoginHistory queried without a LoginTime window")
			q.from, q.to = time.Time{}, s.opts.Clock()
		}
		s.logins(q.from, q.to, func(l *loginRow) bool {
			if flatOnly {
				// The rows stay cached by day (dayLogins): the pages
				// encode them when asked for.
				logins = append(logins, l)
			} else {
				add(d.loginRec(*l))
			}
			return !full()
		})
	}
	loc := &locator{records: all, total: len(all), version: version}
	if logins != nil {
		loc = &locator{logins: logins, fields: q.fields, total: len(logins), version: version}
	}
	s.mu.Lock()
	s.issued++
	id := fmt.Sprintf("01gSIM%09d", s.issued)
	s.locators[id] = loc
	s.mu.Unlock()
	s.page(w, r, id, loc, 0)
}

func (s *Server) more(w http.ResponseWriter, r *http.Request, version, id, offset string) {
	if len(r.URL.Query()) > 0 {
		s.flag("query locator with parameters")
	}
	s.mu.Lock()
	loc := s.locators[id]
	s.mu.Unlock()
	off, err := strconv.Atoi(offset)
	if loc == nil || err != nil || off <= 0 || off >= loc.total || version != loc.version {
		s.flag("query locator %s-%s: not one the server issued", id, offset)
		writeErrors(w, http.StatusBadRequest, sfError{Message: "invalid query locator", ErrorCode: "INVALID_QUERY_LOCATOR"})
		return
	}
	s.page(w, r, id, loc, off)
}

// page writes the records of loc from off, one batch, with done and
// nextRecordsUrl.
func (s *Server) page(w http.ResponseWriter, r *http.Request, id string, loc *locator, off int) {
	hi := min(off+s.batchSize(r), loc.total)
	done := hi >= loc.total
	// The body is what encoding/json makes of {totalSize, done,
	// nextRecordsUrl (omitted when done), records}, written directly: the
	// records are encoded already.
	size := 96
	if loc.logins != nil {
		size += (hi - off) * 512 // a LoginHistory record is 450-500 bytes
	} else {
		for _, rec := range loc.records[off:hi] {
			size += len(rec) + 1
		}
	}
	b := simulate.PageBuffer(size)
	b = append(b, `{"totalSize":`...)
	b = strconv.AppendInt(b, int64(loc.total), 10)
	b = append(b, `,"done":`...)
	b = strconv.AppendBool(b, done)
	if !done {
		next := hi
		if s.opts.Faults.RepeatLocator && off > 0 {
			next = off
		}
		b = append(b, `,"nextRecordsUrl":`...)
		b = simulate.AppendString(b, fmt.Sprintf("/services/data/v%s/query/%s-%d", loc.version, id, next))
	}
	b = append(b, `,"records":[`...)
	for i := off; i < hi; i++ {
		if i > off {
			b = append(b, ',')
		}
		b = s.data.appendRecord(b, loc, i)
	}
	b = append(b, "]}"...)
	s.mu.Lock()
	s.pages++
	bad := s.pages == s.opts.Faults.MalformedPage
	s.mu.Unlock()
	if bad {
		b = b[:len(b)/2]
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Write(b)
	simulate.PutPageBuffer(b)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// token serves POST /services/oauth2/token for the three grants.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		s.flag("%s /services/oauth2/token: not a form POST", r.Method)
		oauthError(w, http.StatusBadRequest, "invalid_request", "must use HTTP POST")
		return
	}
	app := s.opts.App
	f := r.PostForm
	switch f.Get("grant_type") {
	case "client_credentials":
		if app.ClientSecret == "" || f.Get("client_id") != app.ClientID || f.Get("client_secret") != app.ClientSecret {
			oauthError(w, http.StatusBadRequest, "invalid_client", "invalid client credentials")
			return
		}
	case "refresh_token":
		if f.Get("client_id") != app.ClientID {
			oauthError(w, http.StatusBadRequest, "invalid_client_id", "client identifier invalid")
			return
		}
		if app.RefreshToken == "" || f.Get("refresh_token") != app.RefreshToken {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "expired access/refresh token")
			return
		}
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		if app.PublicKey == nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "invalid assertion")
			return
		}
		var claims jwt.RegisteredClaims
		_, err := jwt.ParseWithClaims(f.Get("assertion"), &claims, func(*jwt.Token) (any, error) { return app.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(app.LoginURL), jwt.WithIssuer(app.ClientID),
			jwt.WithSubject(app.Username), jwt.WithExpirationRequired())
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "invalid assertion")
			return
		}
		if claims.ExpiresAt.Sub(time.Now()) > 5*time.Minute {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "expiration time is too far in the future")
			return
		}
	default:
		s.flag("token: grant_type %q", f.Get("grant_type"))
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant type not supported")
		return
	}
	s.mu.Lock()
	s.issued++
	tok := fmt.Sprintf("%s!AQsim%06d.%016x", s.data.orgID[:15], s.issued, hash64(s.data.orgID, strconv.Itoa(s.issued)))
	s.tokens[tok] = true
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	json.NewEncoder(w).Encode(map[string]string{
		"access_token": tok, "instance_url": s.base, "id": app.LoginURL + "/id/" + s.data.orgID + "/" + s.data.integ,
		"token_type": "Bearer", "issued_at": strconv.FormatInt(time.Now().UnixMilli(), 10), "signature": "c2ltdWxhdGVk",
		"scope": "api",
	})
}
