package zoom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// maxReportDays is the longest from–to span one report request may cover
// (Zoom refuses more than a month).
const maxReportDays = 30

// event is what the connector reads of an activity log entry.
type event struct {
	Email      string `json:"email"`
	Time       string `json:"time"`
	Type       string `json:"type"`
	IPAddress  string `json:"ip_address"`
	ClientType string `json:"client_type"`
	Version    string `json:"version"`
}

// eventKeys are the members of an activity_logs entry decodeEvent reads,
// in the order of event's fields.
var eventKeys = [...]string{"email", "time", "type", "ip_address", "client_type", "version"}

// decodeEvent reads an activity_logs entry's fields in place, in one pass
// over it; ok is false when one of them is not a string.
func decodeEvent(rec []byte) (event, bool) {
	var raw [len(eventKeys)][]byte
	jsonpage.Members(rec, eventKeys[:], raw[:])
	var e event
	ok := true
	for i, to := range []*string{&e.Email, &e.Time, &e.Type, &e.IPAddress, &e.ClientType, &e.Version} {
		v, fok := optionalValue(raw[i])
		*to, ok = v, ok && fok
	}
	return e, ok
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
	now := c.now().UTC()
	next, since, err := extract.StartOverlap("zoom activity", cur, now, c.lookback, c.overlap)
	if err != nil {
		return "", err
	}
	if !since.Before(now) {
		return cur, nil
	}
	last := now.Truncate(24 * time.Hour)
	for from := since.Truncate(24 * time.Hour); !from.After(last); from = from.AddDate(0, 0, maxReportDays) {
		to := from.AddDate(0, 0, maxReportDays-1)
		if to.After(last) {
			to = last
		}
		q := url.Values{"from": {from.Format(time.DateOnly)}, "to": {to.Format(time.DateOnly)}, "page_size": {c.size()}}
		_, err := c.c.list(ctx, "sign-in activity", "/report/activities", q, "activity_logs", func(recs []json.RawMessage) error {
			for i, rec := range recs {
				e, ok := decodeEvent(rec)
				if !ok || e.Time == "" || e.Email == "" {
					return fmt.Errorf("listing zoom sign-in activity: entry %d has no time and email", i)
				}
				at, err := time.Parse(time.RFC3339, e.Time)
				if err != nil {
					return fmt.Errorf("listing zoom sign-in activity: entry %d: time %q: %w", i, e.Time, err)
				}
				id := eventID(e)
				if next.Skip(id) || at.Before(since) || at.After(now) {
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
			return "", err
		}
	}
	return next.Encode(cur)
}
