package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract"
)

// loginCursor is the activity cursor, stored by the pipeline as JSON. Last
// is the latest LoginTime emitted; Seen holds the logins emitted with
// LoginTime >= Last - overlap, which the next run re-reads and skips.
type loginCursor struct {
	Last time.Time  `json:"last"`
	Seen []seenItem `json:"seen,omitempty"`
}

type seenItem struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
}

func parseLoginCursor(s string) (loginCursor, error) {
	var c loginCursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.Last.IsZero() {
		return c, fmt.Errorf("salesforce activity cursor %q is not one this connector wrote", s)
	}
	return c, nil
}

// soqlTime renders a SOQL datetime literal (UTC, no quotes).
func soqlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// parseSFTime reads Salesforce's datetime format (2026-03-15T08:01:02.000+0000).
func parseSFTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("LoginTime %q is not a Salesforce datetime", s)
}

// fetchActivity reads LoginHistory from the cursor minus the overlap or, on
// the first run, from now minus login_lookback (at most the six months
// Salesforce keeps), up to now, in LoginTime order, so the cursor returned
// covers exactly what was emitted.
func (c *Connector) fetchActivity(ctx context.Context, cur string, sink extract.Sink) (string, error) {
	prev, err := parseLoginCursor(cur)
	if err != nil {
		return "", err
	}
	now := c.now().UTC().Truncate(time.Second)
	since := now.Add(-c.lookback)
	skip := map[string]bool{}
	if !prev.Last.IsZero() {
		since = prev.Last.Add(-c.overlap)
		for _, s := range prev.Seen {
			skip[s.ID] = true
		}
	}
	if floor := now.Add(-loginRetention); since.Before(floor) {
		since = floor
	}
	if !since.Before(now) {
		return cur, nil
	}
	next := prev
	seen := slices.Clone(prev.Seen)
	soql := fmt.Sprintf(LoginHistorySOQL, soqlTime(since), soqlTime(now))
	err = c.c.query(ctx, "login history", soql, func(recs []json.RawMessage, ids []string) error {
		for i, rec := range recs {
			var v struct {
				LoginTime string `json:"LoginTime"`
			}
			if err := json.Unmarshal(rec, &v); err != nil {
				return fmt.Errorf("querying salesforce login history: login %s: %w", ids[i], err)
			}
			at, err := parseSFTime(v.LoginTime)
			if err != nil {
				return fmt.Errorf("querying salesforce login history: login %s: %w", ids[i], err)
			}
			if skip[ids[i]] {
				continue
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: ids[i], Payload: rec}); err != nil {
				return err
			}
			skip[ids[i]] = true
			seen = append(seen, seenItem{ID: ids[i], Time: at})
			if at.After(next.Last) {
				next.Last = at
			}
		}
		return nil
	})
	if err != nil {
		return "", err
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
		return "", fmt.Errorf("encoding salesforce activity cursor: %w", err)
	}
	return string(b), nil
}
