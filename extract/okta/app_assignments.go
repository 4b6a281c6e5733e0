package okta

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/saaspipe/saaspipe/extract"
)

// fetchAppAssignments emits the users assigned to each app. Okta's app user
// record does not carry the app id (only in _links.app.href), so the source
// id is "<appId>/<userId>" and the staging SQL splits it.
func (c *Connector) fetchAppAssignments(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	// App ids are collected first so the apps listing is not held open (its
	// cursor could expire) while each app's users are paged.
	var apps []string
	if err := c.eachApp(ctx, func(id string, _ json.RawMessage) error {
		apps = append(apps, id)
		return nil
	}); err != nil {
		return "", err
	}
	for _, app := range apps {
		first := c.c.endpoint("/api/v1/apps/"+url.PathEscape(app)+"/users", url.Values{"limit": {c.limit(maxAppUsers)}})
		err := c.c.emitAll(ctx, "users of app "+app, first, "id", func(uid string, rec json.RawMessage) error {
			return sink.Emit(ctx, extract.Record{SourceID: app + "/" + uid, Payload: rec})
		})
		if err != nil {
			return "", err
		}
	}
	return "", nil
}
