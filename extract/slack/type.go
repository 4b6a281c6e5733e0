package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
)

// Slack's page-size maxima.
const (
	maxUsers     = 1000
	maxBillable  = 1000
	maxLogsCount = 1000
	maxLogsPages = 100 // team.accessLogs answers over_pagination_limit past page 100
)

// Type declares the slack connector type.
var Type = extract.Type{
	Name:    "slack",
	Vendor:  "Slack",
	Product: "Slack",
	Doc: "Members (deleted, guests and bots included) through users.list, the workspace plan (team.billing.info), " +
		"billable members under the Fair Billing Policy (team.billableInfo, billing_active) as license assignments, " +
		"and last access per user, IP and client from team.accessLogs, read incrementally (paid plans only: on a free plan " +
		"access is reported as not monitored). Authenticates with a bot or user token, optionally rotated with a refresh token. " +
		"Tier 2 methods are paced per method (tier2_per_minute).",
	Settings: append([]extract.Setting{
		{Name: "team_id", Kind: extract.KindString, Required: true, Help: "the workspace's team id (T…), the tenant key; checked against auth.test and team.info"},
		{Name: "token", Kind: extract.KindString, Secret: true, Help: "bot or user token (xoxb-/xoxp-) with users:read, users:read.email, team:read, team.billing:read and, for access logs and billable info, admin; give this or refresh_token"},
		{Name: "refresh_token", Kind: extract.KindString, Secret: true, Help: "refresh token of an app with token rotation, exchanged through oauth.v2.access with client_id and client_secret; Slack revokes it when it is used and issues another, which this run keeps in memory only (a warning is logged)"},
		{Name: "client_id", Kind: extract.KindString, Help: "the app's client id, for token rotation"},
		{Name: "client_secret", Kind: extract.KindString, Secret: true, Help: "the app's client secret, for token rotation"},
		{Name: "tier2_per_minute", Kind: extract.KindFloat, Default: float64(tier2PerMinute), Help: "requests per minute per Tier 2 method (users.list, team.accessLogs, team.billableInfo); Tier 3 methods get 2.5 times this"},
		{Name: "access_logs_lookback", Kind: extract.KindDuration, Default: "720h", Help: "access-log window read on the first run"},
		{Name: "access_logs_overlap", Kind: extract.KindDuration, Default: "1h", Help: "how far before the latest date_last seen each run re-reads the access logs; an entry re-read with a later date_last replaces the earlier copy"},
	}, extract.HTTPSettings("https://slack.com/api")...),
	Entities: []extract.EntitySpec{
		{Name: extract.Users, Calls: []string{"GET users.list?limit&cursor", "GET team.info"},
			Fields: []string{"id", "name", "deleted", "is_bot", "is_app_user", "is_restricted", "is_ultra_restricted", "is_admin", "is_owner", "is_primary_owner", "updated", "profile.email", "profile.first_name", "profile.last_name", "profile.real_name", "profile.title"}},
		{Name: extract.Subscriptions, Calls: []string{"GET team.billing.info"},
			Fields: []string{"plan"}},
		{Name: extract.LicenseAssignments, Calls: []string{"GET team.billableInfo?limit&cursor"},
			Fields: []string{"<user id>", "billing_active"}},
		{Name: extract.Activity, Incremental: true, Calls: []string{"GET team.accessLogs?count&page&before"},
			Fields: []string{"user_id", "username", "date_first", "date_last", "count", "ip", "user_agent", "isp", "country", "region"}},
	},
	Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true},
	Permissions:  []string{"token scopes users:read, users:read.email, team:read, team.billing:read", "admin for team.billableInfo and team.accessLogs (a workspace admin's user token)"},
	New:          New,
}

var teamIDRE = regexp.MustCompile(`^[TE][A-Z0-9]{2,}$`)

// Connector is one configured slack instance.
type Connector struct {
	team       string
	c          *client
	now        func() time.Time
	capability func(name string, available bool, reason string)
	pageSize   int
	lookback   time.Duration
	overlap    time.Duration
}

// New builds an instance from validated settings; it makes no network call.
func New(inst extract.Instance, env extract.Env) (extract.Connector, error) {
	s := inst.Settings
	team := strings.TrimSpace(s.String("team_id"))
	if !teamIDRE.MatchString(team) {
		return nil, errors.New("team_id: must be the workspace's team id, such as T012AB3C4")
	}
	token, refresh := s.String("token"), s.String("refresh_token")
	clientID, secret := s.String("client_id"), s.String("client_secret")
	switch {
	case token == "" && refresh == "":
		return nil, errors.New("token: required unless refresh_token, client_id and client_secret are given")
	case refresh != "" && (clientID == "" || secret == ""):
		return nil, errors.New("client_id, client_secret: both are required with refresh_token")
	}
	base := strings.TrimRight(s.String("base_url"), "/")
	if base == "" {
		base = "https://slack.com/api"
	}
	bu, err := url.Parse(base)
	if err != nil || bu.Host == "" || (bu.Scheme != "https" && !(bu.Scheme == "http" && s.Bool("allow_http"))) {
		return nil, errors.New("base_url: must be an https URL (http only with allow_http: true)")
	}
	c := &Connector{
		team:       team,
		now:        env.Now,
		capability: env.Capability,
		pageSize:   s.Int("page_size"),
		lookback:   s.Duration("access_logs_lookback"),
		overlap:    time.Hour,
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.capability == nil {
		c.capability = func(string, bool, string) {}
	}
	if c.pageSize <= 0 {
		c.pageSize = 200
	}
	if c.lookback <= 0 {
		c.lookback = 720 * time.Hour
	}
	if _, set := s["access_logs_overlap"]; set {
		c.overlap = s.Duration("access_logs_overlap")
		if c.overlap < 0 {
			return nil, errors.New("access_logs_overlap: must not be negative")
		}
	}
	tier2 := s.Float("tier2_per_minute")
	if _, set := s["tier2_per_minute"]; !set {
		tier2 = tier2PerMinute
	}
	if tier2 <= 0 {
		return nil, errors.New("tier2_per_minute: must be positive")
	}
	newHTTP := env.HTTP
	if newHTTP == nil {
		newHTTP = httpx.New
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	auth := &tokenAuth{
		http:         newHTTP(httpx.Options{Vendor: "slack", Logger: env.Logger}),
		tokenURL:     bu.String() + "/oauth.v2.access",
		clientID:     clientID,
		clientSecret: secret,
		log:          logger,
		access:       token,
		refresh:      refresh,
	}
	c.c = &client{
		// Slack throttles with 429 and Retry-After only; it sends no quota
		// headers, so the default policy is the right one.
		http:  newHTTP(httpx.Options{Vendor: "slack", Auth: auth, Logger: env.Logger}),
		base:  bu.String(),
		auth:  auth,
		tier2: tier2,
		lims:  map[string]*rate.Limiter{},
	}
	return c, nil
}

// Tenant is the configured team id; Check and every run verify that the
// token belongs to it, so two instances with equal team ids read one
// workspace.
func (c *Connector) Tenant() string { return c.team }

// Check calls auth.test, the cheapest authenticated method, and compares
// the token's team with team_id.
func (c *Connector) Check(ctx context.Context) error {
	var r struct {
		TeamID string `json:"team_id"`
		Team   string `json:"team"`
	}
	if err := c.c.call(ctx, "auth.test", nil, &r); err != nil {
		return fmt.Errorf("checking slack credentials: %w", explain(err))
	}
	if r.TeamID != c.team {
		return fmt.Errorf("checking slack credentials: the token belongs to team %s, team_id says %s", r.TeamID, c.team)
	}
	return nil
}

// verifyTeam reads team.info and fails when the token is not for team_id:
// staging its data under another tenant would merge two workspaces.
func (c *Connector) verifyTeam(ctx context.Context) error {
	var r struct {
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
	}
	if err := c.c.call(ctx, "team.info", nil, &r); err != nil {
		return fmt.Errorf("reading slack team.info: %w", explain(err))
	}
	if r.Team.ID != c.team {
		return fmt.Errorf("reading slack team.info: the token belongs to team %s, team_id says %s", r.Team.ID, c.team)
	}
	return nil
}

// Entities lists the entities in run order; users first, because it also
// verifies the team, and activity last, after everything that can fail
// without moving a cursor.
func (c *Connector) Entities() []extract.Entity {
	return []extract.Entity{
		{Name: extract.Users, Fetch: c.fetchUsers},
		{Name: extract.Subscriptions, Fetch: c.fetchSubscriptions},
		{Name: extract.LicenseAssignments, Fetch: c.fetchLicenseAssignments},
		{Name: extract.Activity, Incremental: true, Fetch: c.fetchActivity},
	}
}

func (c *Connector) limit(maxLimit int) string {
	return fmt.Sprint(min(c.pageSize, maxLimit))
}
