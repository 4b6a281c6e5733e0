package salesforce

import (
	"context"

	"github.com/saaspipe/saaspipe/extract"
)

// fetchLicenseAssignments emits the permission set license assignments.
// Every user also holds the user license of their profile; that seat is
// read from the users entity's Profile.UserLicenseId by the staging SQL, so
// it costs no query here.
func (c *Connector) fetchLicenseAssignments(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	return "", c.emitQuery(ctx, "permission set license assignments", PermissionSetAssignSOQL, sink)
}
