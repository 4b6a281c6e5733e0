package msgraph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// RecordString reads the string field key of one record. The keys records
// are identified by ("id", "skuId") decode into a struct, which skips the
// rest of the record without building it.
func RecordString(rec json.RawMessage, key string) (string, error) {
	if key == "id" || key == "skuId" {
		var k struct {
			ID    *string `json:"id"`
			SkuID *string `json:"skuId"`
		}
		if err := json.Unmarshal(rec, &k); err != nil {
			return "", fmt.Errorf("reading record %s: %w", key, err)
		}
		v := k.ID
		if key == "skuId" {
			v = k.SkuID
		}
		if v == nil || *v == "" {
			return "", fmt.Errorf("record has no string %q", key)
		}
		return *v, nil
	}
	// Other keys: read the one member without decoding the record (a
	// slice of a page encoding/json has validated).
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
