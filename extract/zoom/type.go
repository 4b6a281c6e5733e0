package zoom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
)

// Zoom's page-size maximum (users and reports alike).
const maxPageSize = 300

const (
	defaultBaseURL  = "https://api.zoom.us/v2"
	defaultTokenURL = "https://zoom.us/oauth/token"
)

// Type declares the zoom connector type.
var Type = extract.Type{
	Name:    "zoom",
	Vendor:  "Zoom",
	Product: "Zoom Workplace",
	Doc: "Users of every status (active, inactive, pending) with their license type, the account's plans and seat usage, " +
		"and sign-in/sign-out activity from the Sign In / Sign Out report, read incrementally. Authenticates as a " +
		"Server-to-Server OAuth app (account_credentials grant); needs the scopes user:read:admin, report:read:admin and, " +
		"for seat counts, billing:master (readable by master accounts; others get users and activity without seat counts).",
	Settings: append([]extract.Setting{
		{Name: "account_id", Kind: extract.KindString, Required: true, Help: "the Zoom account id shown on the Server-to-Server OAuth app's credentials page; the tenant key"},
		{Name: "client_id", Kind: extract.KindString, Required: true, Help: "the Server-to-Server OAuth app's client id"},
		{Name: "client_secret", Kind: extract.KindString, Required: true, Secret: true, Help: "the Server-to-Server OAuth app's client secret"},
		{Name: "token_url", Kind: extract.KindURL, Default: defaultTokenURL, Help: "OAuth token endpoint; override for a gateway or the simulated account"},
		{Name: "activity_lookback", Kind: extract.KindDuration, Default: "720h", Help: "sign-in report window read on the first run (Zoom keeps a year)"},
		{Name: "activity_overlap", Kind: extract.KindDuration, Default: "2h", Help: "how far before the last event seen each run re-reads the report, for events Zoom records late; re-read events are not emitted twice"},
	}, httpSettings()...),
	Entities: []extract.EntitySpec{
		{Name: extract.Users, Calls: []string{"GET /users?status=active|inactive|pending&page_size&next_page_token"},
			Fields: []string{"id", "email", "first_name", "last_name", "display_name", "type", "status", "role_id", "dept", "employee_unique_id", "created_at", "user_created_at", "last_login_time", "timezone", "language", "verified"}},
		{Name: extract.Subscriptions, Calls: []string{"GET /accounts/me/plans/usage"},
			Fields: []string{"plan_base.type", "plan_base.hosts", "plan_base.usage", "plan_base.pending", "plan_large_meeting[].type/hosts/usage", "plan_webinar[].type/hosts/usage", "plan_zoom_rooms.type/hosts/usage"}},
		{Name: extract.LicenseAssignments, DerivedFrom: extract.Users, Calls: []string{"GET /users (the users listing)"},
			Fields: []string{"id", "type", "status", "user_created_at"}},
		{Name: extract.Activity, Incremental: true, Calls: []string{"GET /report/activities?from&to&page_size&next_page_token"},
			Fields: []string{"email", "time", "type", "ip_address", "client_type", "version"}},
	},
	Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true},
	Permissions:  []string{"Server-to-Server OAuth app scopes user:read:admin and report:read:admin", "billing:master for seat counts (master accounts only)"},
	New:          New,
}

// httpSettings are the shared HTTP settings with Zoom's maximum page size.
func httpSettings() []extract.Setting {
	s := extract.HTTPSettings(defaultBaseURL)
	for i := range s {
		if s[i].Name == "page_size" {
			s[i].Default = maxPageSize
			s[i].Help = "page_size of each listing (capped at Zoom's 300)"
		}
	}
	return s
}

// Connector is one configured zoom instance.
type Connector struct {
	account  string
	c        *client
	now      func() time.Time
	pageSize int
	lookback time.Duration
	overlap  time.Duration
	env      extract.Env
}

func checkURL(name, raw string, allowHTTP bool) (string, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && allowHTTP)) {
		return "", fmt.Errorf("%s: must be an https URL (http only with allow_http: true)", name)
	}
	return u.String(), nil
}

// New builds an instance from validated settings; it makes no network call.
func New(inst extract.Instance, env extract.Env) (extract.Connector, error) {
	s := inst.Settings
	account, id, secret := strings.TrimSpace(s.String("account_id")), strings.TrimSpace(s.String("client_id")), s.String("client_secret")
	switch {
	case account == "":
		return nil, errors.New("account_id: required (the Server-to-Server OAuth app's account id)")
	case id == "":
		return nil, errors.New("client_id: required (the Server-to-Server OAuth app's client id)")
	case secret == "":
		return nil, errors.New("client_secret: required (the Server-to-Server OAuth app's client secret)")
	}
	c := &Connector{account: account, now: env.Now, pageSize: s.Int("page_size"), lookback: s.Duration("activity_lookback"), overlap: s.Duration("activity_overlap"), env: env}
	if c.now == nil {
		c.now = time.Now
	}
	if c.pageSize <= 0 {
		c.pageSize = maxPageSize
	}
	if c.lookback <= 0 {
		c.lookback = 720 * time.Hour
	}
	if c.overlap < 0 {
		return nil, errors.New("activity_overlap: must not be negative")
	}
	if _, set := s["activity_overlap"]; !set {
		c.overlap = 2 * time.Hour
	}
	base := s.String("base_url")
	if base == "" {
		base = defaultBaseURL
	}
	tokURL := s.String("token_url")
	if tokURL == "" {
		tokURL = defaultTokenURL
	}
	var err error
	if base, err = checkURL("base_url", base, s.Bool("allow_http")); err != nil {
		return nil, err
	}
	if tokURL, err = checkURL("token_url", tokURL, s.Bool("allow_http")); err != nil {
		return nil, err
	}
	newHTTP := env.HTTP
	if newHTTP == nil {
		newHTTP = httpx.New
	}
	src := &accountCredentials{
		http:     newHTTP(httpx.Options{Vendor: "zoom", RateLimit: httpx.ZoomPolicy, Logger: env.Logger}),
		tokenURL: tokURL, accountID: account, clientID: id, secret: secret, now: time.Now,
	}
	c.c = &client{
		http: newHTTP(httpx.Options{Vendor: "zoom", Auth: httpx.OAuth2(src), RateLimit: httpx.ZoomPolicy, Logger: env.Logger}),
		base: base,
	}
	return c, nil
}

// Tenant is the account id.
func (c *Connector) Tenant() string { return c.account }

// Check lists one active user: the cheapest call the users scope allows.
func (c *Connector) Check(ctx context.Context) error {
	q := url.Values{"status": {"active"}, "page_size": {"1"}}
	if _, err := httpx.GetJSON(ctx, c.c.http, c.c.base+"/users?"+q.Encode(), nil, nil); err != nil {
		return fmt.Errorf("checking zoom credentials: %w", explain(err))
	}
	return nil
}

// Entities lists the entities in run order. license_assignments is mapped
// from the users' records and has no fetch.
func (c *Connector) Entities() []extract.Entity {
	return []extract.Entity{
		{Name: extract.Users, Fetch: c.fetchUsers},
		{Name: extract.Subscriptions, Fetch: c.fetchSubscriptions},
		{Name: extract.Activity, Incremental: true, Fetch: c.fetchActivity},
	}
}

func (c *Connector) size() string { return strconv.Itoa(min(c.pageSize, maxPageSize)) }

// explain adds what an operator should do about the errors with a known
// cause; the API error names zoom, the method and the endpoint, never a
// secret or a token.
func explain(err error) error {
	switch {
	case httpx.HasStatus(err, http.StatusUnauthorized):
		return fmt.Errorf("zoom rejected the access token (check the app is activated and client_secret is current): %w", err)
	case httpx.HasStatus(err, http.StatusForbidden) || httpx.HasCode(err, "4711", "4700", "104"):
		return fmt.Errorf("the app lacks a scope (user:read:admin, report:read:admin, billing:master): %w", err)
	}
	return err
}
