package graphsim

import (
	"crypto/x509"
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
// server receives (1-based, retries included; token and download requests
// are not counted).
type Faults struct {
	// Throttle answers 429 TooManyRequests, shaped like the published sample.
	Throttle Burst
	// Unavailable answers 503 ServiceUnavailable.
	Unavailable Burst
	// RetryAfter is sent as Retry-After (seconds, three decimals: Graph
	// sends fractions such as 2.128) on injected 429 and 503 answers; zero
	// omits the header, as some Graph workloads do.
	RetryAfter time.Duration
	// MalformedPage sends the Nth successful listing page (1-based) as
	// truncated JSON with status 200.
	MalformedPage int
}

// Tenant configures one simulated Entra tenant.
type Tenant struct {
	// ID is the tenant GUID (default: derived from Name and the org seed).
	ID string
	// Name is the organisation's display name.
	Name string
	// Domain is the default verified domain user principal names end with.
	Domain string
	// ExtraDomains are further verified domains.
	ExtraDomains []string
	// Members selects who holds an account (nil: everyone hired by now).
	Members func(p synth.Person) bool
	// GuestContractors makes contractors guests (#EXT# user principal names,
	// userType Guest, no licenses) rather than members.
	GuestContractors bool
	// Premium tenants hold Entra ID P1 and serve signInActivity.
	Premium bool
	// Concealed tenants hash user names in usage reports.
	Concealed bool
	// Plan picks the tenant's license catalogue: "enterprise" (E3, E5,
	// Power BI, Visio, a suspended Project plan; Entra ID P1 when Premium)
	// or "business" (Business Standard, Exchange Online Plan 1).
	Plan string
	// ClientID and ClientSecret are the app registration's credentials
	// (default: derived from the tenant id).
	ClientID, ClientSecret string
	// Certificate, when set, is uploaded to the app registration: client
	// assertions signed by its key are accepted too (NewCertificate makes
	// one).
	Certificate *x509.Certificate
	// TokenLifetime is the expires_in of issued tokens (default one hour).
	TokenLifetime time.Duration
	// TokenMaxUses makes an issued token expire after this many API
	// requests, so a test can expire it in the middle of a listing (0:
	// never by use).
	TokenMaxUses int
}

// Options configure a Server.
type Options struct {
	Tenants []Tenant
	// Clock is "now" for the data (default: the end of the org's snapshot
	// day). Token lifetimes use the wall clock.
	Clock func() time.Time
	// DefaultPageSize is the page size when $top is absent (default 100,
	// as Graph's users listing).
	DefaultPageSize int
	Faults          Faults
}

// Server is one simulated Microsoft Graph with its token authority.
type Server struct {
	org     *synth.Org
	opts    Options
	tenants []*tenant
	byID    map[string]*tenant

	srv, dl   *http.Server
	base, dlb string

	mu         sync.Mutex
	requests   int // API requests (faults count these)
	pages      int
	counts     map[string]int
	unexpected []string
	tokens     map[string]*issued
	issuedN    int
	downloads  map[string]download
}

type issued struct {
	t       *tenant
	expires time.Time
	uses    int
}

type download struct {
	t       *tenant
	period  string
	sig     string
	expires time.Time
}

// New builds a server for org; it listens only after Start.
func New(org *synth.Org, opts Options) *Server {
	if opts.Clock == nil {
		end := org.End()
		opts.Clock = func() time.Time { return end }
	}
	if opts.DefaultPageSize <= 0 {
		opts.DefaultPageSize = 100
	}
	s := &Server{org: org, opts: opts, byID: map[string]*tenant{}, counts: map[string]int{},
		tokens: map[string]*issued{}, downloads: map[string]download{}}
	for k, to := range opts.Tenants {
		t := build(org, k, to, opts.Clock())
		s.tenants = append(s.tenants, t)
		s.byID[t.id] = t
	}
	return s
}

// Start listens on two loopback ports, Graph with its token authority and
// the report download host, and serves in the background. It returns the
// Graph root (graph_url and login_url).
func (s *Server) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listening for the graph simulator: %w", err)
	}
	dln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		return "", fmt.Errorf("listening for the graph simulator's report downloads: %w", err)
	}
	s.base = "http://" + ln.Addr().String()
	s.dlb = "http://" + dln.Addr().String()
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serveGraph), ReadHeaderTimeout: 10 * time.Second}
	s.dl = &http.Server{Handler: http.HandlerFunc(s.serveDownload), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	go s.dl.Serve(dln)
	return s.base, nil
}

// Close stops both listeners and their connections.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
	if s.dl != nil {
		s.dl.Close()
	}
}

// URL is the Graph root the server answers at ("" before Start).
func (s *Server) URL() string { return s.base }

// Unexpected lists requests a real tenant would reject or the simulator
// does not model; tests assert it is empty.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unexpected)
}

// Requests counts requests per route ("token", "/v1.0/users", "download", …)
// and API requests in total under "".
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

// TokensIssued is how many access tokens the authority has issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issuedN
}

func (s *Server) flag(format string, args ...any) {
	s.mu.Lock()
	s.unexpected = append(s.unexpected, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

func (s *Server) count(route string) {
	s.mu.Lock()
	s.counts[route]++
	s.mu.Unlock()
}

// graphError is Graph's error envelope.
type graphError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			Code      string `json:"code,omitempty"`
			Date      string `json:"date"`
			Message   string `json:"message,omitempty"`
			RequestID string `json:"request-id"`
			ClientReq string `json:"client-request-id"`
			Status    string `json:"status,omitempty"`
		} `json:"innerError"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e graphError
	e.Error.Code, e.Error.Message = code, msg
	e.Error.InnerError.Date = time.Now().UTC().Format("2006-01-02T15:04:05")
	e.Error.InnerError.RequestID = "94fb3b52-452a-4535-a601-69e0a90e3aa2"
	e.Error.InnerError.ClientReq = e.Error.InnerError.RequestID
	if status == http.StatusTooManyRequests {
		e.Error.InnerError.Code, e.Error.InnerError.Message, e.Error.InnerError.Status = "429", "Please retry after", "429"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", e.Error.InnerError.RequestID)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e)
}

// route maps an API path to its name and handler.
func (s *Server) route(path string) (string, func(w http.ResponseWriter, r *http.Request, t *tenant)) {
	switch path {
	case "/v1.0/users":
		return path, s.listUsers
	case "/v1.0/groups":
		return path, s.listGroups
	case "/v1.0/servicePrincipals":
		return path, s.listServicePrincipals
	case "/v1.0/subscribedSkus":
		return path, s.listSkus
	case "/v1.0/organization":
		return path, s.listOrganization
	}
	if rest, ok := strings.CutPrefix(path, "/v1.0/servicePrincipals/"); ok {
		if id, ok := strings.CutSuffix(rest, "/appRoleAssignedTo"); ok && id != "" && !strings.Contains(id, "/") {
			return "/v1.0/servicePrincipals/{id}/appRoleAssignedTo", func(w http.ResponseWriter, r *http.Request, t *tenant) {
				s.listAssignedTo(w, r, t, id)
			}
		}
	}
	if rest, ok := strings.CutPrefix(path, "/v1.0/reports/getOffice365ActiveUserDetail(period='"); ok {
		if period, ok := strings.CutSuffix(rest, "')"); ok {
			return "/v1.0/reports/getOffice365ActiveUserDetail", func(w http.ResponseWriter, r *http.Request, t *tenant) {
				s.activeUserDetail(w, r, t, period)
			}
		}
	}
	return "", nil
}

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	if tid, ok := tokenPath(r.URL.Path); ok {
		s.count("token")
		if r.Method != http.MethodPost {
			s.flag("%s %s: the token endpoint takes POST", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		s.token(w, r, tid)
		return
	}
	name, handle := s.route(r.URL.Path)
	if handle == nil || r.Method != http.MethodGet {
		s.flag("%s %s: no such endpoint", r.Method, r.URL.Path)
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+lastSegment(r.URL.Path)+"'.")
		return
	}
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.counts[name]++
	s.mu.Unlock()
	t, code, msg := s.authorize(r)
	if t == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		writeError(w, http.StatusUnauthorized, code, msg)
		return
	}
	f := s.opts.Faults
	switch {
	case f.Throttle.Hit(n):
		s.retryAfter(w)
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.")
		return
	case f.Unavailable.Hit(n):
		s.retryAfter(w)
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Service is temporarily unavailable. Please retry later.")
		return
	}
	handle(w, r, t)
}

func (s *Server) retryAfter(w http.ResponseWriter) {
	if d := s.opts.Faults.RetryAfter; d > 0 {
		w.Header().Set("Retry-After", strconv.FormatFloat(d.Seconds(), 'f', 3, 64))
	}
}

func lastSegment(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// authorize finds the tenant of the request's bearer token; an expired
// token (by time or by use) is refused like Graph refuses it.
func (s *Server) authorize(r *http.Request) (*tenant, string, string) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return nil, "InvalidAuthenticationToken", "Access token is empty."
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.tokens[tok]
	if is == nil {
		return nil, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.)."
	}
	is.uses++
	if time.Now().After(is.expires) || (is.t.opts.TokenMaxUses > 0 && is.uses > is.t.opts.TokenMaxUses) {
		return nil, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."
	}
	return is.t, "", ""
}

// query holds a listing's parsed OData options.
type query struct {
	top       int
	skip      int
	selected  []string // nil: the default property set
	count     bool
	filter    string
	expand    string
	eventual  bool
	rawValues url.Values
}

// parseQuery reads the OData options an endpoint takes; it answers and
// returns false for anything Graph would refuse or the simulator does not
// model.
func (s *Server) parseQuery(w http.ResponseWriter, r *http.Request, maxTop int, allowed ...string) (query, bool) {
	q := query{top: s.opts.DefaultPageSize, rawValues: r.URL.Query()}
	for k, vs := range q.rawValues {
		if !slices.Contains(allowed, k) {
			s.flag("GET %s: unsupported query option %q", r.URL.Path, k)
			writeError(w, http.StatusBadRequest, "BadRequest", "Query option '"+strings.TrimPrefix(k, "$")+"' is not allowed.")
			return q, false
		}
		if len(vs) != 1 {
			s.flag("GET %s: query option %q given %d times", r.URL.Path, k, len(vs))
			writeError(w, http.StatusBadRequest, "BadRequest", "Query option '"+k+"' was specified more than once, but it must be specified at most once.")
			return q, false
		}
	}
	get := q.rawValues.Get
	if v := get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxTop {
			s.flag("GET %s: $top=%s outside 1..%d", r.URL.Path, v, maxTop)
			writeError(w, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", v, maxTop))
			return q, false
		}
		q.top = n
	}
	if v := get("$skiptoken"); v != "" {
		n, ok := decodeSkip(v)
		if !ok {
			s.flag("GET %s: $skiptoken %q was not issued by the server", r.URL.Path, v)
			writeError(w, http.StatusBadRequest, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
			return q, false
		}
		q.skip = n
	}
	if v := get("$select"); v != "" {
		q.selected = strings.Split(v, ",")
	}
	switch get("$count") {
	case "":
	case "true":
		q.count = true
	default:
		s.flag("GET %s: $count=%q", r.URL.Path, get("$count"))
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value for $count.")
		return q, false
	}
	q.eventual = strings.EqualFold(r.Header.Get("ConsistencyLevel"), "eventual")
	if q.count && !q.eventual {
		s.flag("GET %s: $count without ConsistencyLevel: eventual", r.URL.Path)
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "$count is not currently supported.")
		return q, false
	}
	q.filter, q.expand = get("$filter"), get("$expand")
	return q, true
}

// skip tokens are opaque to clients; Graph's are base64 blobs.
func encodeSkip(n int) string {
	return "RFNwdAIAAQAAA" + base64.RawURLEncoding.EncodeToString([]byte("skip:"+strconv.Itoa(n)))
}

func decodeSkip(v string) (int, bool) {
	rest, ok := strings.CutPrefix(v, "RFNwdAIAAQAAA")
	if !ok {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "skip:"))
	if err != nil || n < 0 || !strings.HasPrefix(string(b), "skip:") {
		return 0, false
	}
	return n, true
}

// page writes one collection page of items[q.skip:] with @odata.nextLink
// (the request's query with a fresh $skiptoken) when more remain.
func (s *Server) page(w http.ResponseWriter, r *http.Request, context string, q query, items []any) {
	lo, hi := q.window(len(items))
	s.pageOf(w, r, context, q, len(items), items[lo:hi])
}

// window is the range of a listing of n items the page covers.
func (q query) window(n int) (lo, hi int) {
	lo = min(q.skip, n)
	return lo, min(lo+q.top, n)
}

// pageOf writes the page of a listing of total items that window chose.
func (s *Server) pageOf(w http.ResponseWriter, r *http.Request, context string, q query, total int, items []any) {
	_, hi := q.window(total)
	body := map[string]any{"@odata.context": s.base + "/v1.0/$metadata#" + context, "value": nonNil(items)}
	if q.count {
		body["@odata.count"] = total
	}
	if hi < total {
		next := r.URL.Query()
		next.Set("$skiptoken", encodeSkip(hi))
		body["@odata.nextLink"] = s.base + r.URL.Path + "?" + next.Encode()
	}
	s.writeJSON(w, body, true)
}

func nonNil(items []any) []any {
	if items == nil {
		return []any{}
	}
	return items
}

func (s *Server) writeJSON(w http.ResponseWriter, v any, listing bool) {
	b, err := segjson.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "generalException", "An internal error occurred.")
		return
	}
	if listing {
		s.mu.Lock()
		s.pages++
		bad := s.pages == s.opts.Faults.MalformedPage
		s.mu.Unlock()
		if bad {
			b = b[:len(b)/2]
		}
	}
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.Write(b)
}

// project keeps the selected properties of each full record (the default
// set when none is selected); it answers and returns false on a property
// the type does not have.
func (s *Server) project(w http.ResponseWriter, r *http.Request, typeName string, q query, defaults []string, full []map[string]any) ([]any, bool) {
	props := q.selected
	if props == nil {
		props = defaults
	}
	known := knownProps[typeName]
	for _, p := range props {
		if !known[p] {
			s.flag("GET %s: $select of unknown %s property %q", r.URL.Path, typeName, p)
			writeError(w, http.StatusBadRequest, "Request_BadRequest", "Could not find a property named '"+p+"' on type 'microsoft.graph."+typeName+"'.")
			return nil, false
		}
	}
	out := make([]any, len(full))
	for i, rec := range full {
		m := make(map[string]any, len(props)+1)
		for _, p := range props {
			if v, ok := rec[p]; ok {
				m[p] = v
			} else {
				m[p] = nil
			}
		}
		if !slices.Contains(props, "id") {
			m["id"] = rec["id"] // Graph always returns the key
		}
		out[i] = m
	}
	return out, true
}
