package zoom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract"
)

// maxReportDays is the longest from–to span one report request may cover
// (Zoom refuses more than a month).
const maxReportDays = 30

// cursor is the activity cursor, stored by the pipeline as JSON. Last is
// the latest event time emitted; Seen holds the events emitted with time >=
// Last - overlap, which the next run re-reads and must skip.
type cursor struct {
	Last time.Time  `json:"last"`
	Seen []seenItem `json:"seen,omitempty"`
}

type seenItem struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.Last.IsZero() {
		return c, fmt.Errorf("zoom activity cursor %q is not one this connector wrote", s)
	}
	return c, nil
}

// event is what the connector reads of an activity log entry.
type event struct {
	Email      string `json:"email"`
	Time       string `json:"time"`
	Type       string `json:"type"`
	IPAddress  string `json:"ip_address"`
	ClientType string `json:"client_type"`
	Version    string `json:"version"`
}

// eventID composes a stable id: Zoom's log entries have none. The time and
// e-mail keep it readable; the hash of every field tells apart two entries
// of one user in the same second (a sign-in from two devices).
func eventID(e event) string {
	h := sha256.Sum256([]byte(strings.Join([]string{e.Email, e.Time, e.Type, e.IPAddress, e.ClientType, e.Version}, "\x00")))
	return e.Time + "/" + strings.ToLower(e.Email) + "/" + hex.EncodeToString(h[:6])
}

// fetchActivity reads the Sign In / Sign Out report from the cursor (minus
// the overlap) or, on the first run, from now minus activity_lookback, up to
// now. The report takes whole days, so entries before the window's start
// are dropped, and spans longer than a month are read a month at a time.
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
			skip[s.ID] = true
		}
	}
	if !since.Before(now) {
		return cur, nil
	}
	next := prev
	seen := slices.Clone(prev.Seen)
	last := now.Truncate(24 * time.Hour)
	for from := since.Truncate(24 * time.Hour); !from.After(last); from = from.AddDate(0, 0, maxReportDays) {
		to := from.AddDate(0, 0, maxReportDays-1)
		if to.After(last) {
			to = last
		}
		q := url.Values{"from": {from.Format(time.DateOnly)}, "to": {to.Format(time.DateOnly)}, "page_size": {c.size()}}
		_, err := c.c.list(ctx, "sign-in activity", "/report/activities", q, "activity_logs", func(recs []json.RawMessage) error {
			for i, rec := range recs {
				var e event
				if err := json.Unmarshal(rec, &e); err != nil || e.Time == "" || e.Email == "" {
					return fmt.Errorf("listing zoom sign-in activity: entry %d has no time and email", i)
				}
				at, err := time.Parse(time.RFC3339, e.Time)
				if err != nil {
					return fmt.Errorf("listing zoom sign-in activity: entry %d: time %q: %w", i, e.Time, err)
				}
				id := eventID(e)
				if skip[id] || at.Before(since) || at.After(now) {
					continue
				}
				if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec}); err != nil {
					return err
				}
				skip[id] = true
				seen = append(seen, seenItem{ID: id, Time: at.UTC()})
				if at.After(next.Last) {
					next.Last = at.UTC()
				}
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	if next.Last.IsZero() {
		return cur, nil
	}
	floor := next.Last.Add(-c.overlap)
	next.Seen = nil
	for _, s := range seen {
		if !s.Time.Before(floor) {
			next.Seen = append(next.Seen, s)
		}
	}
	slices.SortFunc(next.Seen, func(a, b seenItem) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	b, err := json.Marshal(next)
	if err != nil {
		return "", fmt.Errorf("encoding zoom activity cursor: %w", err)
	}
	return string(b), nil
}
