package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// activityFilter selects the sign-in events: to Okta itself and, through
// SSO, to each app.
const activityFilter = `eventType eq "user.authentication.sso" or eventType eq "user.session.start"`

// fetchActivity reads the System Log from the cursor (minus the overlap) or,
// on the first run, from now minus logs_lookback, up to now. With until
// given the listing ends instead of polling forever. Events are emitted in
// published order, so the cursor returned covers exactly what was emitted.
func (c *Connector) fetchActivity(ctx context.Context, cur string, sink extract.Sink) (string, error) {
	now := c.now().UTC()
	next, since, err := extract.StartOverlap("okta activity", cur, now, c.lookback, c.overlap)
	if err != nil {
		return "", err
	}
	if !since.Before(now) {
		return cur, nil
	}
	q := url.Values{
		"since":     {since.Format(time.RFC3339Nano)},
		"until":     {now.Format(time.RFC3339Nano)},
		"sortOrder": {"ASCENDING"},
		"filter":    {activityFilter},
		"limit":     {c.limit(maxLogs)},
	}
	err = c.c.list(ctx, "system log", c.c.endpoint("/api/v1/logs", q), eventKeys[:], func(recs []json.RawMessage, vals [][]byte) error {
		for i, rec := range recs {
			// Only the uuid and the publication time are read (while
			// the page was split); the record goes to the sink as
			// received.
			k := vals[i*len(eventKeys):]
			uuid, pub, err := eventKeyOf(k[0], k[1])
			if err != nil {
				return fmt.Errorf("listing okta system log: event %d: %w", i, err)
			}
			if next.Skip(uuid) {
				continue
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: uuid, Payload: rec}); err != nil {
				return err
			}
			next.Emitted(uuid, pub)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return next.Encode(cur)
}

// eventKeys are the members of a System Log event the connector reads.
var eventKeys = [...]string{"uuid", "published"}

// eventKey reads a System Log event's uuid and publication time, in one
// pass over the event (about 2 KB, the uuid near its end).
func eventKey(rec []byte) (uuid string, published time.Time, err error) {
	var vals [len(eventKeys)][]byte
	jsonpage.Members(rec, eventKeys[:], vals[:])
	return eventKeyOf(vals[0], vals[1])
}

// eventKeyOf is eventKey from the raw values of the event's eventKeys.
func eventKeyOf(rawUUID, rawPublished []byte) (uuid string, published time.Time, err error) {
	if uuid, _ = jsonpage.String(rawUUID); uuid == "" {
		return "", time.Time{}, errors.New("no uuid")
	}
	pub, _ := jsonpage.String(rawPublished)
	if published, err = time.Parse(time.RFC3339Nano, pub); err != nil {
		return "", time.Time{}, fmt.Errorf("event %s: published %q: %w", uuid, pub, err)
	}
	return uuid, published, nil
}
