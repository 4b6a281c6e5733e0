package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
)

// The SOQL the connector sends; the simulator answers exactly these.
const (
	UsersSOQL = "SELECT Id, Username, Email, FederationIdentifier, FirstName, LastName, Name, Title, Department, CompanyName, " +
		"EmployeeNumber, ManagerId, Country, City, IsActive, UserType, LastLoginDate, CreatedDate, ProfileId, Profile.Name, " +
		"Profile.UserLicenseId, Profile.UserLicense.Name FROM User"
	UserLicenseSOQL          = "SELECT Id, LicenseDefinitionKey, MasterLabel, Name, Status, TotalLicenses, UsedLicenses FROM UserLicense"
	PermissionSetLicenseSOQL = "SELECT Id, DeveloperName, MasterLabel, PermissionSetLicenseKey, Status, TotalLicenses, UsedLicenses, ExpirationDate FROM PermissionSetLicense"
	PermissionSetAssignSOQL  = "SELECT Id, AssigneeId, PermissionSetLicenseId, CreatedDate FROM PermissionSetLicenseAssign"
	// LoginHistorySOQL takes the window's bounds as SOQL datetime literals.
	LoginHistorySOQL = "SELECT Id, UserId, LoginTime, LoginType, Status, Application, Browser, Platform, SourceIp, LoginUrl " +
		"FROM LoginHistory WHERE LoginTime >= %s AND LoginTime <= %s ORDER BY LoginTime ASC, Id ASC"
	OrganizationSOQL = "SELECT Id, Name FROM Organization"
)

// loginRetention is how far back Salesforce keeps LoginHistory.
const loginRetention = 180 * 24 * time.Hour

// Type declares the salesforce connector type.
var Type = extract.Type{
	Name:    "salesforce",
	Vendor:  "Salesforce",
	Product: "Salesforce Platform",
	Doc: "Users (every type: standard, Chatter Free, portal and community users, site guest and automated users), " +
		"user licenses and permission set licenses with their totals, permission set license assignments and each user's " +
		"profile license, and LoginHistory read incrementally (Salesforce keeps about six months), all through SOQL over " +
		"REST with nextRecordsUrl paging. Authenticates as a connected app: OAuth 2.0 client credentials, JWT bearer " +
		"with a private key, or a refresh token. The org's daily API allocation (Sforce-Limit-Info) is logged; when it is " +
		"spent (REQUEST_LIMIT_EXCEEDED) the run fails without retrying.",
	Settings: append([]extract.Setting{
		{Name: "instance_url", Kind: extract.KindURL, Required: true, Help: "https URL of the org, e.g. https://acme.my.salesforce.com; its host is the tenant key"},
		{Name: "api_version", Kind: extract.KindString, Default: "62.0", Help: "REST API version, e.g. 62.0"},
		{Name: "client_id", Kind: extract.KindString, Required: true, Help: "the connected app's consumer key"},
		{Name: "client_secret", Kind: extract.KindString, Secret: true, Help: "the connected app's consumer secret: client credentials flow, or with refresh_token"},
		{Name: "private_key", Kind: extract.KindString, Secret: true, Help: "RSA private key (PEM) of the connected app's certificate: JWT bearer flow, with username"},
		{Name: "username", Kind: extract.KindString, Help: "the integration user the JWT bearer flow signs in as"},
		{Name: "refresh_token", Kind: extract.KindString, Secret: true, Help: "refresh token of the integration user: refresh token flow"},
		{Name: "login_url", Kind: extract.KindURL, Default: "https://login.salesforce.com", Help: "the JWT bearer assertion's audience (https://test.salesforce.com for sandboxes)"},
		{Name: "login_lookback", Kind: extract.KindDuration, Default: "4320h", Help: "LoginHistory window read on the first run (Salesforce keeps about six months)"},
		{Name: "login_overlap", Kind: extract.KindDuration, Default: "10m", Help: "how far before the last login seen each run re-reads LoginHistory; re-read logins are not emitted twice"},
	}, baseURLSettings()...),
	Entities: []extract.EntitySpec{
		{Name: extract.Users, Calls: []string{"GET /services/data/v{api_version}/query?q=" + UsersSOQL},
			Fields: []string{"Id", "Username", "Email", "FederationIdentifier", "FirstName", "LastName", "Name", "Title", "Department", "CompanyName", "EmployeeNumber", "ManagerId", "Country", "City", "IsActive", "UserType", "LastLoginDate", "CreatedDate", "Profile.Name", "Profile.UserLicenseId", "Profile.UserLicense.Name"}},
		{Name: extract.Subscriptions, Calls: []string{"GET /services/data/v{api_version}/query?q=" + UserLicenseSOQL, "GET /services/data/v{api_version}/query?q=" + PermissionSetLicenseSOQL},
			Fields: []string{"attributes.type", "Id", "LicenseDefinitionKey", "PermissionSetLicenseKey", "DeveloperName", "MasterLabel", "Name", "Status", "TotalLicenses", "UsedLicenses"}},
		{Name: extract.LicenseAssignments, Calls: []string{"GET /services/data/v{api_version}/query?q=" + PermissionSetAssignSOQL},
			Fields: []string{"Id", "AssigneeId", "PermissionSetLicenseId", "CreatedDate", "users: Id, Profile.UserLicenseId, Profile.UserLicense.Name, IsActive"}},
		{Name: extract.Activity, Incremental: true, Calls: []string{"GET /services/data/v{api_version}/query?q=" + LoginHistorySOQL},
			Fields: []string{"Id", "UserId", "LoginTime", "LoginType", "Status", "Application"}},
	},
	Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true},
	Permissions:  []string{"a connected app with the api scope (client credentials, JWT bearer or refresh token)", "its run-as user: API Enabled and View Setup and Configuration (User, UserLicense, PermissionSetLicense, LoginHistory)"},
	New:          New,
}

func baseURLSettings() []extract.Setting {
	s := extract.HTTPSettings("")
	for i := range s {
		switch s[i].Name {
		case "base_url":
			s[i].Help = "API and token root; empty means instance_url. Set it for a proxy, a gateway or the simulated org"
		case "page_size":
			s[i].Default = 2000
			s[i].Help = "query batch size sent as Sforce-Query-Options (Salesforce takes 200 to 2000)"
		}
	}
	return s
}

var versionRE = regexp.MustCompile(`^[1-9][0-9]\.0$`)

// Connector is one configured salesforce instance.
type Connector struct {
	tenant   string
	c        *client
	now      func() time.Time
	log      *slog.Logger
	lookback time.Duration
	overlap  time.Duration
}

// New builds an instance from validated settings; it makes no network call.
func New(inst extract.Instance, env extract.Env) (extract.Connector, error) {
	s := inst.Settings
	inURL, err := url.Parse(s.String("instance_url"))
	if err != nil || inURL.Scheme != "https" || inURL.Host == "" {
		return nil, errors.New("instance_url: must be an https URL such as https://acme.my.salesforce.com")
	}
	version := strings.TrimPrefix(s.String("api_version"), "v")
	if version == "" {
		version = "62.0"
	}
	if !versionRE.MatchString(version) {
		return nil, errors.New("api_version: must look like 62.0")
	}
	base := strings.TrimRight(s.String("base_url"), "/")
	if base == "" {
		base = "https://" + inURL.Host
	}
	bu, err := url.Parse(base)
	if err != nil || bu.Host == "" || (bu.Scheme != "https" && !(bu.Scheme == "http" && s.Bool("allow_http"))) {
		return nil, errors.New("base_url: must be an https URL (http only with allow_http: true)")
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	newHTTP := env.HTTP
	if newHTTP == nil {
		newHTTP = httpx.New
	}
	src := &tokenSource{
		http:     newHTTP(httpx.Options{Vendor: "salesforce", Logger: env.Logger}),
		tokenURL: bu.String() + "/services/oauth2/token",
		clientID: s.String("client_id"),
		secret:   s.String("client_secret"),
		refresh:  s.String("refresh_token"),
		username: s.String("username"),
		audience: s.String("login_url"),
		onToken:  func(org string) { log.Info("salesforce org", "org_id", org) },
	}
	if src.audience == "" {
		src.audience = "https://login.salesforce.com"
	}
	pemKey := s.String("private_key")
	switch {
	case src.clientID == "":
		return nil, errors.New("client_id: required (the connected app's consumer key)")
	case pemKey != "" && (src.refresh != "" || src.secret != ""):
		return nil, errors.New("private_key: give private_key with username (JWT bearer), or client_secret (client credentials), or refresh_token, not several")
	case pemKey != "":
		if src.username == "" {
			return nil, errors.New("username: required with private_key (JWT bearer flow)")
		}
		if src.key, err = parsePrivateKey(pemKey); err != nil {
			return nil, err
		}
		src.grant = grantJWTBearer
	case src.refresh != "":
		src.grant = grantRefreshToken
	case src.secret != "":
		src.grant = grantClientCredentials
	default:
		return nil, errors.New("client_secret: required unless private_key or refresh_token is given")
	}
	c := &Connector{
		tenant:   strings.ToLower(inURL.Hostname()),
		now:      env.Now,
		log:      log,
		lookback: s.Duration("login_lookback"),
		overlap:  10 * time.Minute,
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.lookback <= 0 || c.lookback > loginRetention {
		c.lookback = loginRetention
	}
	if _, set := s["login_overlap"]; set {
		c.overlap = s.Duration("login_overlap")
		if c.overlap < 0 {
			return nil, errors.New("login_overlap: must not be negative")
		}
	}
	batch := s.Int("page_size")
	if batch > 0 {
		batch = min(max(batch, 200), 2000)
	}
	c.c = &client{
		// Salesforce has no per-window throttling to pace by: its limit is
		// a rolling daily allocation, and the 403 REQUEST_LIMIT_EXCEEDED it
		// answers when that is spent must not be retried, which the
		// default policy (429 only) guarantees.
		http:      newHTTP(httpx.Options{Vendor: "salesforce", Auth: httpx.OAuth2(src), Logger: env.Logger}),
		base:      bu.String(),
		version:   version,
		batchSize: batch,
		log:       log,
		metric:    env.ReportMetric,
	}
	return c, nil
}

// Tenant is the instance's host name (My Domain), which names one org.
func (c *Connector) Tenant() string { return c.tenant }

// Check gets a token and queries the Organization record: one cheap call
// any API-enabled user may make.
func (c *Connector) Check(ctx context.Context) error {
	n := 0
	err := c.c.query(ctx, "organization", OrganizationSOQL, func(recs []json.RawMessage, _ []string) error {
		n += len(recs)
		return nil
	})
	if err != nil {
		return fmt.Errorf("checking salesforce credentials: %w", err)
	}
	if n != 1 {
		return fmt.Errorf("checking salesforce credentials: Organization query returned %d records, want 1", n)
	}
	return nil
}

// Entities lists the entities in run order.
func (c *Connector) Entities() []extract.Entity {
	return []extract.Entity{
		{Name: extract.Users, Fetch: c.fetchUsers},
		{Name: extract.Subscriptions, Fetch: c.fetchSubscriptions},
		{Name: extract.LicenseAssignments, Fetch: c.fetchLicenseAssignments},
		{Name: extract.Activity, Incremental: true, Fetch: c.fetchActivity},
	}
}

// emitQuery runs soql and emits every record under its Id.
func (c *Connector) emitQuery(ctx context.Context, what, soql string, sink extract.Sink) error {
	return c.c.query(ctx, what, soql, func(recs []json.RawMessage, ids []string) error {
		for i, r := range recs {
			if err := sink.Emit(ctx, extract.Record{SourceID: ids[i], Payload: r}); err != nil {
				return err
			}
		}
		return nil
	})
}
