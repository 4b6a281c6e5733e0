package entra

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/msgraph"
)

// integratedTag marks service principals of applications integrated for
// sign-in (gallery and custom SSO apps) as opposed to first-party services,
// managed identities and API-only registrations.
const integratedTag = "WindowsAzureActiveDirectoryIntegratedApp"

// ssoApp reports whether a service principal is a single sign-on
// application: it has a preferred sign-on mode (saml, oidc, password) or the
// integrated-app tag. Graph cannot filter on both in one query (the tag is
// a lambda filter, the mode needs an advanced query), so the listing is
// filtered here; Microsoft's own and managed-identity principals are no
// applications anyone licenses.
func ssoApp(rec json.RawMessage) (bool, error) {
	var sp struct {
		Mode *string  `json:"preferredSingleSignOnMode"`
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(rec, &sp); err != nil {
		return false, err
	}
	return (sp.Mode != nil && *sp.Mode != "" && *sp.Mode != "notSupported") || slices.Contains(sp.Tags, integratedTag), nil
}

// eachApp lists the service principals and hands each SSO application's id
// and record to fn.
func (c *Connector) eachApp(ctx context.Context, fn func(id string, rec json.RawMessage) error) error {
	q := url.Values{"$select": {strings.Join(spFields, ",")}, "$top": {fmt.Sprint(c.cfg.PageSize)}}
	return c.c.List(ctx, "servicePrincipals", c.c.URL("/servicePrincipals", q), nil, func(recs []json.RawMessage) error {
		for i, rec := range recs {
			id, err := msgraph.RecordString(rec, "id")
			if err != nil {
				return fmt.Errorf("listing entra servicePrincipals: record %d: %w", i, err)
			}
			ok, err := ssoApp(rec)
			if err != nil {
				return fmt.Errorf("listing entra servicePrincipals: record %d: %w", i, err)
			}
			if !ok {
				continue
			}
			if err := fn(id, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *Connector) fetchApplications(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	return "", c.eachApp(ctx, func(id string, rec json.RawMessage) error {
		return sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec})
	})
}

// fetchAppAssignments lists, for each SSO application, the users and groups
// assigned to it. The ids of the applications are collected first so the
// service-principal listing is not held open across the per-app listings.
func (c *Connector) fetchAppAssignments(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	var ids []string
	if err := c.eachApp(ctx, func(id string, _ json.RawMessage) error {
		ids = append(ids, id)
		return nil
	}); err != nil {
		return "", err
	}
	for _, id := range ids {
		first := c.c.URL("/servicePrincipals/"+url.PathEscape(id)+"/appRoleAssignedTo", url.Values{"$top": {fmt.Sprint(c.cfg.PageSize)}})
		if err := c.c.List(ctx, "appRoleAssignedTo of "+id, first, nil, emitAll(ctx, sink, "appRoleAssignedTo", id+"/")); err != nil {
			return "", err
		}
	}
	return "", nil
}
