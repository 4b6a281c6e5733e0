package okta

import (
	"context"
	"encoding/json"
	"net/url"
	"sync"

	"github.com/sourcegraph/conc/pool"

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
	// Each app's users are a page chain of their own: app_concurrency
	// chains are walked at once, so a tenant of many small apps is not one
	// round trip after another. The sink takes one record at a time; the
	// records of one app stay in page order.
	var mu sync.Mutex
	p := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(c.appConcurrency)
	for _, app := range apps {
		p.Go(func(ctx context.Context) error {
			first := c.c.endpoint("/api/v1/apps/"+url.PathEscape(app)+"/users", url.Values{"limit": {c.limit(maxAppUsers)}})
			return c.c.emitAll(ctx, "users of app "+app, first, "id", func(uid string, rec json.RawMessage) error {
				mu.Lock()
				defer mu.Unlock()
				return sink.Emit(ctx, extract.Record{SourceID: app + "/" + uid, Payload: rec})
			})
		})
	}
	return "", p.Wait()
}
