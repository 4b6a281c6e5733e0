package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

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
	now := c.now().UTC().Truncate(time.Second)
	next, since, err := extract.StartOverlap("salesforce activity", cur, now, c.lookback, c.overlap)
	if err != nil {
		return "", err
	}
	if floor := now.Add(-loginRetention); since.Before(floor) {
		since = floor
	}
	if !since.Before(now) {
		return cur, nil
	}
	soql := fmt.Sprintf(LoginHistorySOQL, soqlTime(since), soqlTime(now))
	err = c.c.query(ctx, "login history", soql, func(recs []json.RawMessage, ids []string) error {
		for i, rec := range recs {
			loginTime, _ := jsonpage.MemberString(rec, "LoginTime")
			at, err := parseSFTime(loginTime)
			if err != nil {
				return fmt.Errorf("querying salesforce login history: login %s: %w", ids[i], err)
			}
			if next.Skip(ids[i]) {
				continue
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: ids[i], Payload: rec}); err != nil {
				return err
			}
			next.Emitted(ids[i], at)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return next.Encode(cur)
}
