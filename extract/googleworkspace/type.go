package googleworkspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
)

// Google's page-size maxima per listing.
const (
	maxUsers       = 500
	maxLicenses    = 1000
	maxActivities  = 1000
	maxUsageReport = 1000
)

// Default endpoints.
const (
	defaultAdminURL     = "https://admin.googleapis.com"
	defaultLicensingURL = "https://licensing.googleapis.com"
	defaultTokenURL     = "https://oauth2.googleapis.com/token"
	// googleWorkspace is the licensing product id of Google Workspace.
	googleWorkspace = "Google-Apps"
)

// Scopes is what the service account's client must be granted in the
// domain-wide delegation settings; all are read-only.
var Scopes = []string{
	"https://www.googleapis.com/auth/admin.directory.user.readonly",
	"https://www.googleapis.com/auth/admin.reports.audit.readonly",
	"https://www.googleapis.com/auth/admin.reports.usage.readonly",
	"https://www.googleapis.com/auth/apps.licensing",
}

// Type declares the google_workspace connector type.
var Type = extract.Type{
	Name:    "google_workspace",
	Vendor:  "Google",
	Product: "Google Workspace",
	Doc: "Users (active, suspended, archived) from the Admin SDK Directory API, license assignments per product from the " +
		"Enterprise License Manager, subscriptions per SKU (assigned seats counted from the license listing, purchased seats " +
		"from purchased_seats), and activity read incrementally: login audit events from the Reports API and last-activity " +
		"times from the user usage report. Authenticates as a service account with domain-wide delegation " +
		"(JWT bearer grant, RS256) impersonating an administrator.",
	Settings: append([]extract.Setting{
		{Name: "customer_id", Kind: extract.KindString, Default: "my_customer", Help: "Google customer id (C0…) of the account; my_customer means the impersonated administrator's own, and then domain is required as the tenant key"},
		{Name: "domain", Kind: extract.KindString, Help: "primary domain of the account, e.g. acme.com; the tenant key when customer_id is my_customer, and what the License Manager is asked for then"},
		{Name: "service_account_key", Kind: extract.KindString, Required: true, Secret: true, Help: "the service account's JSON key file contents (type service_account, client_email, private_key)"},
		{Name: "admin_email", Kind: extract.KindString, Required: true, Help: "administrator the service account impersonates (domain-wide delegation subject), e.g. reports-reader@acme.com"},
		{Name: "product_ids", Kind: extract.KindList, Default: []string{googleWorkspace}, Help: "License Manager product ids to list assignments for (Google-Apps is Google Workspace; 101034 archived-user licenses)"},
		{Name: "purchased_seats", Kind: extract.KindList, Help: `seats bought per SKU as "skuId=count" (e.g. 1010020028=250); Google's customer APIs do not report them`},
		{Name: "licensing_url", Kind: extract.KindURL, Default: defaultLicensingURL, Help: "Enterprise License Manager API root; override for a gateway or the simulated tenant"},
		{Name: "token_url", Kind: extract.KindURL, Default: defaultTokenURL, Help: "OAuth 2.0 token endpoint; also the JWT assertion's audience"},
		{Name: "activity_lookback", Kind: extract.KindDuration, Default: "720h", Help: "login audit window read on the first run (Google keeps 180 days; a longer window is cut to that)"},
		{Name: "activity_overlap", Kind: extract.KindDuration, Default: "3h", Help: "how far before the last event seen each run re-reads the login audit, for events Google reports late; re-read events are not emitted twice"},
	}, httpSettings()...),
	Entities: []extract.EntitySpec{
		{Name: extract.Users, Calls: []string{"GET /admin/directory/v1/users?customer&maxResults&pageToken"},
			Fields: []string{"id", "primaryEmail", "aliases", "nonEditableAliases", "emails[].address", "name.givenName", "name.familyName", "name.fullName", "suspended", "archived", "isAdmin", "isDelegatedAdmin", "lastLoginTime", "creationTime", "orgUnitPath", "organizations[primary].department", "organizations[primary].title", "organizations[primary].costCenter", "organizations[primary].name", "organizations[primary].description", "relations[type=manager].value", "externalIds[type=organization].value", "addresses[primary].countryCode", "locations[].buildingId"},
			// Account recovery data, and the password hash an admin who
			// imported users may see echoed back.
			Redact: []string{"recoveryEmail", "recoveryPhone", "password", "hashFunction"}},
		{Name: extract.Subscriptions, Calls: []string{"GET /apps/licensing/v1/product/{productId}/users?customerId&maxResults&pageToken"},
			Fields: []string{"productId", "productName", "skuId", "skuName", "assignedLicenses", "purchasedSeats"}},
		{Name: extract.LicenseAssignments, Calls: []string{"GET /apps/licensing/v1/product/{productId}/users?customerId&maxResults&pageToken"},
			Fields: []string{"userId", "productId", "productName", "skuId", "skuName"}},
		{Name: extract.Activity, Incremental: true, Calls: []string{"GET /admin/reports/v1/activity/users/all/applications/login?startTime&endTime&maxResults&pageToken", "GET /admin/reports/v1/usage/users/all/dates/{date}?parameters=accounts:last_login_time,gmail:last_interaction_time&maxResults&pageToken"},
			Fields: []string{"id.time", "id.uniqueQualifier", "actor.email", "actor.profileId", "events[0].name", "entity.profileId", "entity.userEmail", "parameters[].datetimeValue"}},
	},
	Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true, Directory: true},
	Permissions:  append([]string{"a service account with domain-wide delegation, impersonating an administrator who may read users, reports and licenses; scopes:"}, Scopes...),
	New:          New,
}

// httpSettings are the shared HTTP settings with Google's page size: the
// Directory's maximum of 500 users per page (licenses and reports, whose
// maxima are 1000, take the same size).
func httpSettings() []extract.Setting {
	s := extract.HTTPSettings(defaultAdminURL)
	for i := range s {
		switch s[i].Name {
		case "base_url":
			s[i].Help = "Admin SDK root serving the Directory and Reports APIs; override for a gateway or the simulated tenant"
		case "page_size":
			s[i].Default = maxUsers
			s[i].Help = "maxResults per page (capped at 500 for users, 1000 for licenses and reports)"
		}
	}
	return s
}

// throttle covers Google's limit signals besides 429: a 403 whose reason is
// a rate or quota limit. Every other 403 (forbidden, insufficient scopes,
// domain not delegated) is final. quotaExceeded is retried too: Google uses
// it for short per-minute quotas as well as daily ones, and the retry cap
// bounds the cost when it is the daily one.
var throttle = httpx.HeaderPolicy{
	Throttle: httpx.ThrottleOnCodes(http.StatusForbidden, "rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"),
}

// serviceAccountKey is the part of a JSON key file the grant needs.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
}

// parseKey reads a JSON key file. Its errors never quote the key.
func parseKey(text string) (serviceAccountKey, error) {
	var k serviceAccountKey
	if err := json.Unmarshal([]byte(text), &k); err != nil {
		return k, errors.New("service_account_key: must be the service account's JSON key file contents")
	}
	if k.Type != "service_account" || k.ClientEmail == "" || !strings.Contains(k.PrivateKey, "PRIVATE KEY") {
		return k, errors.New("service_account_key: needs type service_account, client_email and a PEM private_key")
	}
	return k, nil
}

// parseSeats reads "skuId=count" entries.
func parseSeats(list []string) (map[string]int64, error) {
	out := map[string]int64{}
	for i, e := range list {
		sku, n, ok := strings.Cut(e, "=")
		sku = strings.TrimSpace(sku)
		count, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		if !ok || sku == "" || err != nil || count < 0 {
			return nil, fmt.Errorf("purchased_seats[%d]: must be skuId=count, e.g. 1010020028=250", i)
		}
		if _, dup := out[sku]; dup {
			return nil, fmt.Errorf("purchased_seats[%d]: sku %s given twice", i, sku)
		}
		out[sku] = count
	}
	return out, nil
}

// Connector is one configured google_workspace instance.
type Connector struct {
	tenant   string
	customer string // for the Directory and Reports APIs
	licCust  string // for the License Manager, which takes no my_customer
	products []string
	seats    map[string]int64
	c        *client
	now      func() time.Time
	pageSize int
	lookback time.Duration
	overlap  time.Duration
}

func httpsURL(name, raw string, allowHTTP bool) (string, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && allowHTTP)) {
		return "", fmt.Errorf("%s: must be an https URL (http only with allow_http: true)", name)
	}
	return u.String(), nil
}

// New builds an instance from validated settings; it makes no network call.
func New(inst extract.Instance, env extract.Env) (extract.Connector, error) {
	s := inst.Settings
	key, err := parseKey(s.String("service_account_key"))
	if err != nil {
		return nil, err
	}
	admin := strings.TrimSpace(s.String("admin_email"))
	if !strings.Contains(admin, "@") {
		return nil, errors.New("admin_email: must be the e-mail address of the administrator to impersonate")
	}
	customer := strings.TrimSpace(s.String("customer_id"))
	if customer == "" {
		customer = "my_customer"
	}
	domain := strings.ToLower(strings.TrimSpace(s.String("domain")))
	c := &Connector{customer: customer, tenant: customer, licCust: customer, now: env.Now, pageSize: s.Int("page_size"),
		lookback: s.Duration("activity_lookback"), overlap: s.Duration("activity_overlap")}
	if customer == "my_customer" {
		if domain == "" {
			return nil, errors.New("domain: required when customer_id is my_customer (it is the tenant key); or give customer_id as C0…")
		}
		c.tenant, c.licCust = domain, domain
	}
	c.products = s.List("product_ids")
	if _, set := s["product_ids"]; !set {
		c.products = []string{googleWorkspace}
	}
	if len(c.products) == 0 {
		return nil, errors.New("product_ids: list at least one License Manager product id, e.g. Google-Apps")
	}
	if c.seats, err = parseSeats(s.List("purchased_seats")); err != nil {
		return nil, err
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
		return nil, errors.New("activity_overlap: must not be negative")
	}
	if _, set := s["activity_overlap"]; !set {
		c.overlap = 3 * time.Hour
	}
	allowHTTP := s.Bool("allow_http")
	orDefault := func(name, def string) string {
		if v := s.String(name); v != "" {
			return v
		}
		return def
	}
	admURL, err := httpsURL("base_url", orDefault("base_url", defaultAdminURL), allowHTTP)
	if err != nil {
		return nil, err
	}
	licURL, err := httpsURL("licensing_url", orDefault("licensing_url", defaultLicensingURL), allowHTTP)
	if err != nil {
		return nil, err
	}
	tokURL, err := httpsURL("token_url", orDefault("token_url", defaultTokenURL), allowHTTP)
	if err != nil {
		return nil, err
	}
	newHTTP := env.HTTP
	if newHTTP == nil {
		newHTTP = httpx.New
	}
	cfg := &jwt.Config{
		Email:        key.ClientEmail,
		PrivateKey:   []byte(key.PrivateKey),
		PrivateKeyID: key.PrivateKeyID,
		Scopes:       Scopes,
		TokenURL:     tokURL,
		Subject:      admin,
	}
	src := &grantSource{cfg: cfg, http: newHTTP(httpx.Options{Vendor: "google", RateLimit: throttle, Logger: env.Logger})}
	c.c = &client{
		http: newHTTP(httpx.Options{
			Vendor:    "google",
			Auth:      httpx.OAuth2(src),
			RateLimit: throttle,
			Logger:    env.Logger,
		}),
		admin:     admURL,
		licensing: licURL,
	}
	return c, nil
}

// grantSource runs the JWT bearer grant on every call. jwt.Config's own
// TokenSource caches, which would hand httpx.OAuth2 a refused token back on
// Refresh; a fresh one per call does not.
type grantSource struct {
	cfg  *jwt.Config
	http *http.Client // no credentials of its own
}

func (g *grantSource) Token() (*oauth2.Token, error) {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, g.http)
	tok, err := g.cfg.TokenSource(ctx).Token()
	if err != nil {
		return nil, fmt.Errorf("getting a google access token for %s impersonating %s: %w", g.cfg.Email, g.cfg.Subject, explainGrant(err))
	}
	return tok, nil
}

// explainGrant adds the usual cause of a refused grant. The token endpoint's
// answer never holds the key or the assertion.
func explainGrant(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" { // x/oauth2/jwt leaves the body unparsed
			var body struct {
				Error string `json:"error"`
			}
			json.Unmarshal(re.Body, &body)
			code = body.Error
		}
		switch code {
		case "unauthorized_client":
			return fmt.Errorf("the service account's client id is not granted these scopes under domain-wide delegation (admin console, Security, API controls): %w", err)
		case "invalid_grant":
			return fmt.Errorf("the key or admin_email was refused (deleted key, clock skew, or admin_email not a user of the domain): %w", err)
		}
	}
	return err
}

// Tenant is the customer id, or the domain when the customer is my_customer.
func (c *Connector) Tenant() string { return c.tenant }

// Check reads one user: the cheapest call that proves the key, the
// delegation and the administrator's Directory privilege at once.
func (c *Connector) Check(ctx context.Context) error {
	q := url.Values{"customer": {c.customer}, "maxResults": {"1"}}
	var page struct{}
	if _, err := httpx.GetJSON(ctx, c.c.http, c.c.admin+usersPath+"?"+q.Encode(), nil, &page); err != nil {
		return fmt.Errorf("checking google credentials: %w", explain(err))
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

func (c *Connector) limit(maxLimit int) string {
	return strconv.Itoa(min(c.pageSize, maxLimit))
}
