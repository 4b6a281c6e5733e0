package microsoft365

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/msgraph"
)

// maxSignInPage is Graph's page-size ceiling when signInActivity is
// selected.
const maxSignInPage = 120

// userFields are the user properties kept; signInActivity is added where
// the tenant allows it.
var userFields = []string{"id", "userPrincipalName", "mail", "displayName", "givenName", "surname", "accountEnabled", "userType",
	"createdDateTime", "department", "jobTitle", "companyName", "employeeId", "officeLocation", "country", "proxyAddresses", "otherMails",
	"assignedLicenses", "licenseAssignmentStates"}

var reportPeriods = []string{"D7", "D30", "D90", "D180"}

// Type declares the microsoft365 connector type.
var Type = extract.Type{
	Name:    "microsoft365",
	Vendor:  "Microsoft",
	Product: "Microsoft 365",
	Doc: "Microsoft 365 licenses and usage of one tenant through Microsoft Graph: users with their assigned licenses " +
		"(direct and group-based) and, with Entra ID P1/P2, sign-in activity; the tenant's subscribed SKUs; and the " +
		"Microsoft 365 active-user report. Authenticates as an app registration (OAuth 2.0 client credentials) with the " +
		"application permissions User.Read.All, Organization.Read.All, Reports.Read.All and, for sign-in activity, AuditLog.Read.All.",
	Settings: append(msgraph.Settings(),
		extract.Setting{Name: "report_period", Kind: extract.KindString, Default: "D30", Help: "period of the active-user report: D7, D30, D90 or D180"},
	),
	Entities: []extract.EntitySpec{
		{Name: extract.Users, Calls: []string{"GET /v1.0/users?$select=…,signInActivity&$top=120", "GET /v1.0/users?$select=…&$top=999 (tenants without Entra ID P1/P2)", "with domains: $filter=endswith(userPrincipalName,'@<domain>')&$count=true, ConsistencyLevel: eventual"},
			Fields: append(slices.Clone(userFields), "signInActivity.lastSignInDateTime", "signInActivity.lastNonInteractiveSignInDateTime", "signInActivity.lastSuccessfulSignInDateTime")},
		{Name: extract.Subscriptions, Calls: []string{"GET /v1.0/subscribedSkus"},
			Fields: []string{"skuId", "skuPartNumber", "capabilityStatus", "consumedUnits", "prepaidUnits.enabled", "prepaidUnits.suspended", "prepaidUnits.warning", "prepaidUnits.lockedOut", "appliesTo"}},
		{Name: extract.LicenseAssignments, DerivedFrom: extract.Users, Calls: []string{"none: read from the users listing"},
			Fields: []string{"id", "assignedLicenses[].skuId", "licenseAssignmentStates[].skuId", "licenseAssignmentStates[].assignedByGroup", "licenseAssignmentStates[].state", "licenseAssignmentStates[].error"}},
		{Name: extract.Activity, Calls: []string{"GET /v1.0/reports/getOffice365ActiveUserDetail(period='D30') → 302 → GET <pre-authenticated CSV URL> without Authorization"},
			Fields: []string{"Report Refresh Date", "User Principal Name", "Is Deleted", "Exchange Last Activity Date", "OneDrive Last Activity Date", "SharePoint Last Activity Date", "Skype For Business Last Activity Date", "Yammer Last Activity Date", "Teams Last Activity Date"}},
	},
	Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true},
	Permissions:  []string{"Microsoft Graph application permissions with admin consent: User.Read.All, Organization.Read.All, Reports.Read.All", "AuditLog.Read.All for signInActivity (tenant with Entra ID P1/P2)"},
	New:          New,
}

// Connector is one configured microsoft365 instance.
type Connector struct {
	cfg        msgraph.Config
	c          *msgraph.Client
	period     string
	capability func(name string, available bool, reason string)
}

// New builds an instance from validated settings; it makes no network call.
func New(inst extract.Instance, env extract.Env) (extract.Connector, error) {
	cfg, err := msgraph.ParseSettings(inst.Settings)
	if err != nil {
		return nil, err
	}
	period := inst.Settings.String("report_period")
	if period == "" {
		period = "D30"
	}
	if !slices.Contains(reportPeriods, period) {
		return nil, fmt.Errorf("report_period: must be one of %v", reportPeriods)
	}
	c := &Connector{cfg: cfg, c: msgraph.NewClient(cfg, env, "microsoft365"), period: period, capability: env.Capability}
	if c.capability == nil {
		c.capability = func(string, bool, string) {}
	}
	return c, nil
}

// Tenant is the tenant id.
func (c *Connector) Tenant() string { return c.cfg.TenantID }

// Check reads the organization and verifies it is the configured tenant.
func (c *Connector) Check(ctx context.Context) error {
	_, err := c.c.Check(ctx, c.cfg.TenantID)
	return err
}

// Entities lists the entities in run order. License assignments have no
// fetch: their staging SQL reads the users' records.
func (c *Connector) Entities() []extract.Entity {
	return []extract.Entity{
		{Name: extract.Users, Fetch: c.fetchUsers},
		{Name: extract.Subscriptions, Fetch: c.fetchSubscriptions},
		{Name: extract.Activity, Fetch: c.fetchActivity},
	}
}

// usersURL is the first page of a users listing selecting fields.
func (c *Connector) usersURL(fields []string, top int) (string, bool) {
	q := url.Values{"$select": {strings.Join(fields, ",")}, "$top": {fmt.Sprint(top)}}
	f := c.cfg.UserFilter()
	if f != "" {
		q.Set("$filter", f)
		q.Set("$count", "true")
	}
	return c.c.URL("/users", q), f != ""
}
