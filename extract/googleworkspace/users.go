package googleworkspace

import (
	"context"
	"fmt"
	"net/url"

	"github.com/saaspipe/saaspipe/extract"
)

// fetchUsers emits every user of the customer: users.list returns active,
// suspended and archived users alike (deleted users are not listed).
func (c *Connector) fetchUsers(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	q := url.Values{"customer": {c.customer}, "maxResults": {c.limit(maxUsers)}}
	err := c.c.list(ctx, usersListing, c.c.admin, usersPath, q, func(p page) error {
		for i, rec := range p.records {
			id, err := field(rec, "id")
			if err != nil {
				return fmt.Errorf("listing google users: record %d: %w", i, err)
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec}); err != nil {
				return err
			}
		}
		return nil
	})
	return "", err
}
