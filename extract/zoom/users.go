package zoom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/saaspipe/saaspipe/extract"
)

// statuses are the user statuses GET /users lists one at a time; without
// status it lists only active users.
var statuses = []string{"active", "inactive", "pending"}

// fetchUsers emits every user of every status once: a user whose status
// changes between two listings, or who is seen again after a restart, is
// emitted the first time only.
func (c *Connector) fetchUsers(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	seen := map[string]bool{}
	for _, status := range statuses {
		q := url.Values{"status": {status}, "page_size": {c.size()}}
		restarts, err := c.c.list(ctx, status+" users", "/users", q, "users", func(recs []json.RawMessage) error {
			for i, rec := range recs {
				id, err := stringField(rec, "id")
				if err != nil {
					return fmt.Errorf("listing zoom %s users: record %d: %w", status, i, err)
				}
				if seen[id] {
					continue
				}
				seen[id] = true
				if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		if restarts > 0 && c.env.Logger != nil {
			c.env.Logger.Warn("zoom page token expired; listing restarted", "listing", status+" users", "restarts", restarts)
		}
	}
	return "", nil
}
