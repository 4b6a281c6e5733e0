package okta

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/saaspipe/saaspipe/extract"
)

// fetchUsers emits every user. Okta's plain listing omits DEPROVISIONED
// users, so a second listing asks for exactly those; a user whose status
// changes between the two listings is emitted once.
func (c *Connector) fetchUsers(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	var seen idSet
	emit := func(id string, rec json.RawMessage) error {
		if !seen.add(id) {
			return nil
		}
		return sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec})
	}
	listings := []struct {
		what string
		q    url.Values
	}{
		{"users", url.Values{"limit": {c.limit(maxUsers)}}},
		{"deprovisioned users", url.Values{"limit": {c.limit(maxUsers)}, "filter": {`status eq "DEPROVISIONED"`}}},
	}
	for _, l := range listings {
		if err := c.c.emitAll(ctx, l.what, c.c.endpoint("/api/v1/users", l.q), "id", emit); err != nil {
			return "", err
		}
	}
	return "", nil
}
