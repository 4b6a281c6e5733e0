package salesforce

import (
	"context"

	"github.com/saaspipe/saaspipe/extract"
)

// fetchUsers emits every User record: active and inactive, standard users,
// Chatter Free, portal and community users, site guest and automated
// users. The staging SQL tells people from the rest by UserType.
func (c *Connector) fetchUsers(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	return "", c.emitQuery(ctx, "users", UsersSOQL, sink)
}
