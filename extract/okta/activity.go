package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// activityFilter selects the sign-in events: to Okta itself and, through
// SSO, to each app.
const activityFilter = `eventType eq "user.authentication.sso" or eventType eq "user.session.start"`

// cursor is the activity cursor, stored by the pipeline as JSON. Last is the
// latest published time emitted; Seen holds the events emitted with
// published >= Last - overlap, which the next run re-reads and must skip.
type cursor struct {
	Last time.Time  `json:"last"`
	Seen []seenItem `json:"seen,omitempty"`
}

type seenItem struct {
	UUID      string    `json:"uuid"`
	Published time.Time `json:"published"`
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.Last.IsZero() {
		return c, fmt.Errorf("okta activity cursor %q is not one this connector wrote", s)
	}
	return c, nil
}

// fetchActivity reads the System Log from the cursor (minus the overlap) or,
// on the first run, from now minus logs_lookback, up to now. With until
// given the listing ends instead of polling forever. Events are emitted in
// published order, so the cursor returned covers exactly what was emitted.
func (c *Connector) fetchActivity(ctx context.Context, cur string, sink extract.Sink) (string, error) {
	prev, err := parseCursor(cur)
	if err != nil {
		return "", err
	}
	now := c.now().UTC()
	since := now.Add(-c.lookback)
	skip := map[string]bool{}
	if !prev.Last.IsZero() {
		since = prev.Last.Add(-c.overlap)
		for _, s := range prev.Seen {
			skip[s.UUID] = true
		}
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
	next := prev
	seen := slices.Clone(prev.Seen)
	err = c.c.list(ctx, "system log", c.c.endpoint("/api/v1/logs", q), func(recs []json.RawMessage) error {
		for i, rec := range recs {
			// Only the uuid and the publication time are read; the
			// record goes to the sink as received.
			uuid, err := recordKey(rec, "uuid")
			if err != nil {
				return fmt.Errorf("listing okta system log: event %d has no uuid", i)
			}
			published, _ := jsonpage.MemberString(rec, "published")
			pub, err := time.Parse(time.RFC3339Nano, published)
			if err != nil {
				return fmt.Errorf("listing okta system log: event %s: published %q: %w", uuid, published, err)
			}
			if skip[uuid] {
				continue
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: uuid, Payload: rec}); err != nil {
				return err
			}
			skip[uuid] = true
			seen = append(seen, seenItem{UUID: uuid, Published: pub.UTC()})
			if pub.After(next.Last) {
				next.Last = pub.UTC()
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if next.Last.IsZero() {
		return cur, nil // nothing emitted, ever: the next run starts from the lookback again
	}
	// Keep only the events the next run's overlap re-reads.
	floor := next.Last.Add(-c.overlap)
	next.Seen = next.Seen[:0:0]
	for _, s := range seen {
		if !s.Published.Before(floor) {
			next.Seen = append(next.Seen, s)
		}
	}
	slices.SortFunc(next.Seen, func(a, b seenItem) int {
		if c := a.Published.Compare(b.Published); c != 0 {
			return c
		}
		return strings.Compare(a.UUID, b.UUID)
	})
	b, err := json.Marshal(next)
	if err != nil {
		return "", fmt.Errorf("encoding okta activity cursor: %w", err)
	}
	return string(b), nil
}
