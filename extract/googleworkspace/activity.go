package googleworkspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// usageParameters are the user usage report fields read as last-activity
// times: the last sign-in and the last Gmail interaction (which a mail
// client with a long-lived session produces without signing in).
const usageParameters = "accounts:last_login_time,gmail:last_interaction_time"

// usageLag and usageTries: Google publishes a day's usage report two to
// four days later; the connector asks for the newest date and steps back.
const (
	usageLag   = 2
	usageTries = 4
)

// loginRetention is how long the Reports API keeps login audit events.
const loginRetention = 180 * 24 * time.Hour

// cursor is the activity cursor, stored by the pipeline as JSON. Last is
// the latest login event time emitted; Seen holds the events emitted with
// time >= Last - overlap, which the next run re-reads and must skip.
// UsageDate is the newest usage report date read.
type cursor struct {
	extract.OverlapCursor
	UsageDate string `json:"usage_date,omitempty"`
}

func parseCursor(s string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil || (c.Last.IsZero() && c.UsageDate == "") {
		return c, fmt.Errorf("google activity cursor %q is not one this connector wrote", s)
	}
	return c, nil
}

// fetchActivity reads login audit events from the cursor (minus the
// overlap) or, on the first run, from now minus activity_lookback, up to
// now; then the newest user usage report not read yet. The cursor returned
// covers exactly what was emitted.
func (c *Connector) fetchActivity(ctx context.Context, cur string, sink extract.Sink) (string, error) {
	prev, err := parseCursor(cur)
	if err != nil {
		return "", err
	}
	now := c.now().UTC()
	next, err := c.fetchLogins(ctx, prev, now, sink)
	if err != nil {
		return "", err
	}
	if next.UsageDate, err = c.fetchUsage(ctx, prev.UsageDate, now, sink); err != nil {
		return "", err
	}
	if next.Last.IsZero() && next.UsageDate == "" {
		return cur, nil // nothing read, ever: the next run starts from the lookback again
	}
	b, err := json.Marshal(next)
	if err != nil {
		return "", fmt.Errorf("encoding google activity cursor: %w", err)
	}
	return string(b), nil
}

// activityKey reads a login activity's id.time and id.uniqueQualifier, the
// strings that identify it, without decoding the rest (a record of a page
// already validated); ok is false unless both are non-empty strings.
func activityKey(rec []byte) (at, qualifier string, ok bool) {
	id, ok := jsonpage.Member(rec, "id")
	if !ok {
		return "", "", false
	}
	var v [2][]byte
	if !jsonpage.Members(id, []string{"time", "uniqueQualifier"}, v[:]) {
		return "", "", false
	}
	at, _ = jsonpage.String(v[0])
	qualifier, _ = jsonpage.String(v[1])
	return at, qualifier, at != "" && qualifier != ""
}

func (c *Connector) fetchLogins(ctx context.Context, prev cursor, now time.Time, sink extract.Sink) (cursor, error) {
	next := prev
	since := next.Resume(now, c.lookback, c.overlap)
	// Google keeps login events 180 days and refuses a startTime before.
	if floor := now.Add(-loginRetention); since.Before(floor) {
		since = floor
	}
	if !since.Before(now) {
		return prev, nil
	}
	q := url.Values{
		"startTime":  {since.Format(time.RFC3339Nano)},
		"endTime":    {now.Format(time.RFC3339Nano)},
		"maxResults": {c.limit(maxActivities)},
	}
	if c.customer != "my_customer" {
		q.Set("customerId", c.customer)
	}
	err := c.c.list(ctx, activityListing, c.c.admin, loginPath, q, func(p page) error {
		for i, rec := range p.records {
			ts, qualifier, ok := activityKey(rec)
			if !ok {
				return fmt.Errorf("listing google login activities: record %d has no id.time and id.uniqueQualifier", i)
			}
			at, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil {
				return fmt.Errorf("listing google login activities: record %d: time %q: %w", i, ts, err)
			}
			id := ts + "/" + qualifier
			if next.Skip(id) {
				continue
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec}); err != nil {
				return err
			}
			next.Emitted(id, at)
		}
		return nil
	})
	if err != nil {
		return cursor{}, err
	}
	next.OverlapCursor = next.Trimmed()
	return next, nil
}

// usageReport is what the connector reads of a user usage report.
type usageReport struct {
	Entity struct {
		ProfileID string `json:"profileId"`
	} `json:"entity"`
	Parameters []struct {
		Name          string `json:"name"`
		DatetimeValue string `json:"datetimeValue"`
	} `json:"parameters"`
}

// lastActivity returns the latest datetime parameter as Google wrote it;
// "" when every one is the 1970 "never" sentinel or absent.
func (u usageReport) lastActivity() (string, error) {
	best, bestT := "", time.Unix(0, 0)
	for _, p := range u.Parameters {
		if p.DatetimeValue == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, p.DatetimeValue)
		if err != nil {
			return "", fmt.Errorf("parameter %s: datetimeValue %q: %w", p.Name, p.DatetimeValue, err)
		}
		if t.After(bestT) {
			best, bestT = p.DatetimeValue, t
		}
	}
	return best, nil
}

var errNotReady = errors.New("usage report not complete yet")

// fetchUsage reads the newest complete user usage report after done (a
// date, "" for none) and emits one record per user with a last-activity
// time, source id "usage/<profileId>/<time>": the same observation in a
// later report has the same id, so it is one event however often it is
// read. It returns the date read, or done when none was ready.
func (c *Connector) fetchUsage(ctx context.Context, done string, now time.Time, sink extract.Sink) (string, error) {
	for back := usageLag; back < usageLag+usageTries; back++ {
		date := now.AddDate(0, 0, -back).Format(time.DateOnly)
		if date <= done {
			return done, nil
		}
		q := url.Values{"parameters": {usageParameters}, "maxResults": {c.limit(maxUsageReport)}}
		if c.customer != "my_customer" {
			q.Set("customerId", c.customer)
		}
		emitted := map[string]bool{}
		first := true
		err := c.c.list(ctx, usageListing, c.c.admin, usagePath+date, q, func(p page) error {
			if first && len(p.warnings) > 0 {
				return errNotReady // DATA_NOT_AVAILABLE or PARTIAL_DATA_AVAILABLE
			}
			first = false
			for i, rec := range p.records {
				var u usageReport
				if err := json.Unmarshal(rec, &u); err != nil || u.Entity.ProfileID == "" {
					return fmt.Errorf("listing google user usage reports of %s: record %d has no entity.profileId", date, i)
				}
				last, err := u.lastActivity()
				if err != nil {
					return fmt.Errorf("listing google user usage reports of %s: record %d: %w", date, i, err)
				}
				id := "usage/" + u.Entity.ProfileID + "/" + last
				if last == "" || emitted[id] {
					continue
				}
				emitted[id] = true
				if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec}); err != nil {
					return err
				}
			}
			return nil
		})
		switch {
		case err == nil:
			return date, nil
		case errors.Is(err, errNotReady) || (httpx.HasStatus(err, http.StatusBadRequest) && httpx.HasCode(err, "invalid")):
			continue // "Data for dates later than … is not yet available"
		default:
			return "", err
		}
	}
	return done, nil
}
