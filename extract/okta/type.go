package okta

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
)

// Okta's page-size maxima per listing.
const (
	maxUsers    = 200
	maxGroups   = 10000
	maxApps     = 200
	maxAppUsers = 500
	maxLogs     = 1000
)

// Type declares the okta connector type.
var Type = extract.Type{
	Name:    "okta",
	Vendor:  "Okta",
	Product: "Okta Workforce Identity",
	Doc: "Users (every status), groups, app integrations and their assigned users through the Okta Management API, " +
		"and sign-in activity (user.session.start, user.authentication.sso) from the System Log, read incrementally. " +
		"Authenticates with an API token (SSWS) or as an OAuth 2.0 service app (client credentials, private_key_jwt).",
	Settings: append([]extract.Setting{
		{Name: "org_url", Kind: extract.KindURL, Required: true, Help: "https URL of the Okta org, e.g. https://acme.okta.com; its host is the tenant key"},
		{Name: "api_token", Kind: extract.KindString, Secret: true, Help: "Okta API token of a read-only administrator, sent as Authorization: SSWS <token>; give either this or client_id and private_key"},
		{Name: "client_id", Kind: extract.KindString, Help: "client id of an OAuth 2.0 API service app granted " + scopes + " (instead of api_token)"},
		{Name: "private_key", Kind: extract.KindString, Secret: true, Help: "the service app's RSA private key (PEM) for private_key_jwt client authentication"},
		{Name: "private_key_id", Kind: extract.KindString, Help: "kid of the service app's key, when it has several"},
		{Name: "logs_lookback", Kind: extract.KindDuration, Default: "720h", Help: "System Log window read on the first run (Okta keeps 90 days)"},
		{Name: "logs_overlap", Kind: extract.KindDuration, Default: "5m", Help: "how far before the last event seen each run re-reads the System Log, for events Okta persists late; re-read events are not emitted twice"},
		{Name: "app_concurrency", Kind: extract.KindInt, Default: 4, Help: "app integrations whose assigned users are listed at once (each app's users are one page chain); Okta allows an org 35 to 75 requests in flight, and the rate limit still paces every request"},
	}, baseURLSettings()...),
	Entities: []extract.EntitySpec{
		{Name: extract.Users, Calls: []string{"GET /api/v1/users", `GET /api/v1/users?filter=status eq "DEPROVISIONED"`},
			Fields: []string{"id", "status", "created", "activated", "statusChanged", "lastLogin", "lastUpdated", "profile.login", "profile.email", "profile.secondEmail", "profile.firstName", "profile.lastName", "profile.displayName", "profile.department", "profile.title", "profile.employeeNumber", "profile.costCenter", "profile.manager", "profile.managerId", "profile.userType", "profile.organization"},
			// Okta sends password and recovery question objects (empty
			// today, but a hash or answer import leaves them filled); the
			// provider stays, it says where the user authenticates.
			Redact: []string{"credentials.password", "credentials.recovery_question"}},
		{Name: extract.Groups, Calls: []string{"GET /api/v1/groups"},
			Fields: []string{"id", "type", "created", "lastMembershipUpdated", "profile.name", "profile.description"}},
		{Name: extract.Applications, Calls: []string{"GET /api/v1/apps"},
			Fields: []string{"id", "name", "label", "status", "signOnMode", "created", "licensing.seatCount"}},
		{Name: extract.AppAssignments, Calls: []string{"GET /api/v1/apps", "GET /api/v1/apps/{appId}/users"},
			Fields: []string{"id", "scope", "status", "created", "statusChanged", "syncState", "credentials.userName", "profile.email", "_links.app.href"},
			// An app user of a password-based app may carry its password.
			Redact: []string{"credentials.password"}},
		{Name: extract.Activity, Incremental: true, Calls: []string{`GET /api/v1/logs?filter=eventType eq "user.authentication.sso" or eventType eq "user.session.start"&sortOrder=ASCENDING&since&until`},
			Fields: []string{"uuid", "published", "eventType", "actor.id", "actor.alternateId", "target[type=AppInstance].id", "target[type=AppInstance].displayName", "outcome.result"}},
	},
	Capabilities: extract.Capabilities{SSO: true, LastLogin: true, Activity: true},
	Permissions:  []string{"API token of a Read-Only Administrator (SSWS)", "or an API service app granted the scopes " + scopes},
	New:          New,
}

// baseURLSettings are the shared HTTP settings with base_url's help saying
// what an empty value means here.
func baseURLSettings() []extract.Setting {
	s := extract.HTTPSettings("")
	for i := range s {
		if s[i].Name == "base_url" {
			s[i].Help = "API root; empty means org_url. Set it for a proxy, a gateway or the simulated org"
		}
	}
	return s
}

// Connector is one configured okta instance.
type Connector struct {
	tenant   string
	c        *client
	now      func() time.Time
	pageSize int
	lookback time.Duration
	overlap  time.Duration
	// appConcurrency is how many apps' users are listed at once.
	appConcurrency int
}

// New builds an instance from validated settings; it makes no network call.
func New(inst extract.Instance, env extract.Env) (extract.Connector, error) {
	s := inst.Settings
	org, err := url.Parse(s.String("org_url"))
	if err != nil || org.Scheme != "https" || org.Host == "" {
		return nil, errors.New("org_url: must be an https URL such as https://acme.okta.com")
	}
	token, clientID, pemKey := s.String("api_token"), s.String("client_id"), s.String("private_key")
	switch {
	case token != "" && (clientID != "" || pemKey != ""):
		return nil, errors.New("api_token: give either api_token or client_id with private_key, not both")
	case token == "" && clientID == "" && pemKey == "":
		return nil, errors.New("api_token: required unless client_id and private_key are given")
	case token == "" && (clientID == "" || pemKey == ""):
		return nil, errors.New("client_id, private_key: both are required for OAuth 2.0 service app authentication")
	}
	base := strings.TrimRight(s.String("base_url"), "/")
	if base == "" {
		base = "https://" + org.Host
	}
	bu, err := url.Parse(base)
	if err != nil || bu.Host == "" || (bu.Scheme != "https" && !(bu.Scheme == "http" && s.Bool("allow_http"))) {
		return nil, errors.New("base_url: must be an https URL (http only with allow_http: true)")
	}
	c := &Connector{
		tenant:   strings.ToLower(org.Hostname()),
		now:      env.Now,
		pageSize: s.Int("page_size"),
		lookback: s.Duration("logs_lookback"),
		overlap:  s.Duration("logs_overlap"),

		appConcurrency: s.Int("app_concurrency"),
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.pageSize <= 0 {
		c.pageSize = maxUsers
	}
	if c.lookback <= 0 {
		c.lookback = 720 * time.Hour
	}
	if c.overlap < 0 {
		return nil, errors.New("logs_overlap: must not be negative")
	}
	if _, set := s["app_concurrency"]; !set {
		c.appConcurrency = 4
	}
	if c.appConcurrency < 1 || c.appConcurrency > 35 {
		return nil, errors.New("app_concurrency: must be 1 to 35 (the smallest Okta org's limit of requests in flight)")
	}
	if _, set := s["logs_overlap"]; !set {
		c.overlap = 5 * time.Minute
	}
	newHTTP := env.HTTP
	if newHTTP == nil {
		newHTTP = httpx.New
	}
	var auth httpx.Authorizer
	if token != "" {
		auth = httpx.StaticHeader("Authorization", "SSWS "+token)
	} else {
		key, err := parsePrivateKey(pemKey)
		if err != nil {
			return nil, err
		}
		auth = httpx.OAuth2(&assertionSource{
			http:     newHTTP(httpx.Options{Vendor: "okta", RateLimit: httpx.OktaPolicy, Logger: env.Logger}),
			tokenURL: bu.String() + "/oauth2/v1/token",
			clientID: clientID,
			keyID:    s.String("private_key_id"),
			key:      key,
		})
	}
	c.c = &client{
		http: newHTTP(httpx.Options{
			Vendor:    "okta",
			Auth:      auth,
			RateLimit: httpx.OktaPolicy,
			Logger:    env.Logger,
		}),
		base: bu.String(),
	}
	return c, nil
}

// Tenant is the org's host name.
func (c *Connector) Tenant() string { return c.tenant }

// Check lists one user: the cheapest call every read-only token may make.
func (c *Connector) Check(ctx context.Context) error {
	var page rawPage
	_, err := httpx.GetJSON(ctx, c.c.http, c.c.endpoint("/api/v1/users", url.Values{"limit": {"1"}}), nil, &page)
	if err != nil {
		return fmt.Errorf("checking okta credentials: %w", explain(err))
	}
	return nil
}

// Entities lists the entities in run order.
func (c *Connector) Entities() []extract.Entity {
	return []extract.Entity{
		{Name: extract.Users, Fetch: c.fetchUsers},
		{Name: extract.Groups, Fetch: c.fetchGroups},
		{Name: extract.Applications, Fetch: c.fetchApplications},
		{Name: extract.AppAssignments, Fetch: c.fetchAppAssignments},
		{Name: extract.Activity, Incremental: true, Fetch: c.fetchActivity},
	}
}

func (c *Connector) limit(maxLimit int) string {
	return fmt.Sprint(min(c.pageSize, maxLimit))
}
