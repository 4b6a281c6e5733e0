package msgraph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// RecordString reads the string field key of one record, a slice of a
// page encoding/json has validated, without decoding the rest of it (the
// last member named key, should a vendor ever repeat one, as encoding/json
// reads it; keys match exactly). Decoding the record into a struct for its
// id was 0.4 s of CPU per 10k run.
func RecordString(rec json.RawMessage, key string) (string, error) {
	v, ok := jsonpage.MemberString(rec, key)
	if !ok || v == "" {
		return "", fmt.Errorf("record has no string %q", key)
	}
	return v, nil
}

// Organization is the tenant's organization resource, as Check needs it.
type Organization struct {
	ID              string `json:"id"`
	DisplayName     string `json:"displayName"`
	VerifiedDomains []struct {
		Name      string `json:"name"`
		IsDefault bool   `json:"isDefault"`
	} `json:"verifiedDomains"`
}

// Check proves the credentials with one cheap call, GET /organization,
// and that they are for the configured tenant: a token for another tenant
// would silently read the wrong directory under this tenant's key.
func (c *Client) Check(ctx context.Context, tenantID string) (Organization, error) {
	var page struct {
		Value []Organization `json:"value"`
	}
	u := c.URL("/organization", url.Values{"$select": {"id,displayName,verifiedDomains"}})
	if err := c.Get(ctx, "organization", u, nil, &page); err != nil {
		return Organization{}, fmt.Errorf("checking %s credentials: %w", c.vendor, err)
	}
	if len(page.Value) != 1 {
		return Organization{}, fmt.Errorf("checking %s credentials: GET /v1.0/organization returned %d organizations, want 1", c.vendor, len(page.Value))
	}
	org := page.Value[0]
	if !strings.EqualFold(org.ID, tenantID) {
		return Organization{}, fmt.Errorf("checking %s credentials: tenant_id is %s but the token is for tenant %s", c.vendor, tenantID, org.ID)
	}
	return org, nil
}
