package salesforce

import (
	"context"

	"github.com/saaspipe/saaspipe/extract"
)

// fetchSubscriptions emits the org's user licenses and permission set
// licenses; each record's attributes.type tells them apart and their Ids
// never collide (prefixes 100 and 0PL).
func (c *Connector) fetchSubscriptions(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	if err := c.emitQuery(ctx, "user licenses", UserLicenseSOQL, sink); err != nil {
		return "", err
	}
	return "", c.emitQuery(ctx, "permission set licenses", PermissionSetLicenseSOQL, sink)
}
