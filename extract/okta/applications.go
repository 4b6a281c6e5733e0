package okta

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/saaspipe/saaspipe/extract"
)

// fetchApplications emits every app integration, active or not.
func (c *Connector) fetchApplications(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	return "", c.eachApp(ctx, func(id string, rec json.RawMessage) error {
		return sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec})
	})
}

func (c *Connector) eachApp(ctx context.Context, fn func(id string, rec json.RawMessage) error) error {
	first := c.c.endpoint("/api/v1/apps", url.Values{"limit": {c.limit(maxApps)}})
	return c.c.emitAll(ctx, "apps", first, "id", fn)
}
