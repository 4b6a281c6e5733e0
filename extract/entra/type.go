package entra

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/msgraph"
)

var (
	userFields = []string{"id", "userPrincipalName", "mail", "displayName", "givenName", "surname", "department", "jobTitle", "companyName",
		"employeeId", "employeeType", "employeeOrgData", "officeLocation", "city", "country", "accountEnabled", "userType", "createdDateTime",
		"onPremisesSyncEnabled", "onPremisesImmutableId", "onPremisesSamAccountName", "onPremisesDistinguishedName", "onPremisesDomainName",
		"onPremisesLastSyncDateTime", "proxyAddresses", "otherMails"}
	groupFields = []string{"id", "displayName", "description", "groupTypes", "securityEnabled", "mailEnabled", "mail", "createdDateTime", "membershipRule"}
	spFields    = []string{"id", "appId", "displayName", "accountEnabled", "servicePrincipalType", "preferredSingleSignOnMode", "tags",
		"appOwnerOrganizationId", "signInAudience", "appRoleAssignmentRequired", "loginUrl"}
)

// Type declares the entra connector type.
var Type = extract.Type{
	Name:    "entra",
	Vendor:  "Microsoft",
	Product: "Microsoft Entra ID",
	Doc: "The Microsoft Entra ID directory of one tenant through Microsoft Graph: users with their organisational " +
		"attributes, managers and aliases, groups, and the single sign-on applications (service principals) with the " +
		"users and groups assigned to them. Authenticates as an app registration (OAuth 2.0 client credentials) with " +
		"the application permissions User.Read.All, Group.Read.All, Application.Read.All and Organization.Read.All.",
	Settings: msgraph.Settings(),
	Entities: []extract.EntitySpec{
		{Name: extract.Users, Calls: []string{"GET /v1.0/users?$select=…&$expand=manager($select=id)&$top=999", "with domains: $filter=endswith(userPrincipalName,'@<domain>')&$count=true, ConsistencyLevel: eventual"},
			Fields: append(append([]string(nil), userFields...), "manager.id")},
		{Name: extract.Groups, Calls: []string{"GET /v1.0/groups?$select=…&$top=999"}, Fields: groupFields},
		{Name: extract.Applications, Calls: []string{"GET /v1.0/servicePrincipals?$select=…&$top=999 (kept: a preferredSingleSignOnMode or the WindowsAzureActiveDirectoryIntegratedApp tag)"}, Fields: spFields},
		{Name: extract.AppAssignments, Calls: []string{"GET /v1.0/servicePrincipals", "GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo?$top=999"},
			Fields: []string{"id", "appRoleId", "createdDateTime", "principalId", "principalType", "principalDisplayName", "resourceId", "resourceDisplayName"}},
	},
	Capabilities: extract.Capabilities{SSO: true, Directory: true},
	Permissions:  []string{"Microsoft Graph application permissions with admin consent: User.Read.All, Group.Read.All, Application.Read.All, Organization.Read.All"},
	New:          New,
}

// Connector is one configured entra instance.
type Connector struct {
	cfg msgraph.Config
	c   *msgraph.Client
}

// New builds an instance from validated settings; it makes no network call.
func New(inst extract.Instance, env extract.Env) (extract.Connector, error) {
	cfg, err := msgraph.ParseSettings(inst.Settings)
	if err != nil {
		return nil, err
	}
	return &Connector{cfg: cfg, c: msgraph.NewClient(cfg, env, "entra")}, nil
}

// Tenant is the tenant id.
func (c *Connector) Tenant() string { return c.cfg.TenantID }

// Check reads the organization and verifies it is the configured tenant.
func (c *Connector) Check(ctx context.Context) error {
	_, err := c.c.Check(ctx, c.cfg.TenantID)
	return err
}

// Entities lists the entities in run order.
func (c *Connector) Entities() []extract.Entity {
	return []extract.Entity{
		{Name: extract.Users, Fetch: c.fetchUsers},
		{Name: extract.Groups, Fetch: c.fetchGroups},
		{Name: extract.Applications, Fetch: c.fetchApplications},
		{Name: extract.AppAssignments, Fetch: c.fetchAppAssignments},
	}
}

// emitAll emits every record of a listing under its string field "id",
// with prefix before it.
func emitAll(ctx context.Context, sink extract.Sink, what, prefix string) func([]json.RawMessage) error {
	return func(recs []json.RawMessage) error {
		for i, rec := range recs {
			id, err := msgraph.RecordString(rec, "id")
			if err != nil {
				return fmt.Errorf("listing entra %s: record %d: %w", what, i, err)
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: prefix + id, Payload: rec}); err != nil {
				return err
			}
		}
		return nil
	}
}

// fetchUsers lists the users with their manager's id expanded in the same
// listing, so no call per user is needed.
func (c *Connector) fetchUsers(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	q := url.Values{"$select": {strings.Join(userFields, ",")}, "$expand": {"manager($select=id)"}, "$top": {fmt.Sprint(c.cfg.PageSize)}}
	var hdr http.Header
	if f := c.cfg.UserFilter(); f != "" {
		q.Set("$filter", f)
		q.Set("$count", "true")
		hdr = msgraph.AdvancedQuery()
	}
	return "", c.c.List(ctx, "users", c.c.URL("/users", q), hdr, emitAll(ctx, sink, "users", ""))
}

func (c *Connector) fetchGroups(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	q := url.Values{"$select": {strings.Join(groupFields, ",")}, "$top": {fmt.Sprint(c.cfg.PageSize)}}
	return "", c.c.List(ctx, "groups", c.c.URL("/groups", q), nil, emitAll(ctx, sink, "groups", ""))
}
