package okta

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/saaspipe/saaspipe/extract"
)

// fetchGroups emits every group.
func (c *Connector) fetchGroups(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	first := c.c.endpoint("/api/v1/groups", url.Values{"limit": {c.limit(maxGroups)}})
	return "", c.c.emitAll(ctx, "groups", first, "id", func(id string, rec json.RawMessage) error {
		return sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec})
	})
}
