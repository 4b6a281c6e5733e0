package slack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
)

// accessCursor is the activity cursor, stored by the pipeline as JSON: the
// latest date_last (Unix seconds) emitted so far.
type accessCursor struct {
	DateLast int64 `json:"date_last"`
}

func parseAccessCursor(s string) (accessCursor, error) {
	var c accessCursor
	if s == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil || c.DateLast <= 0 {
		return c, fmt.Errorf("slack activity cursor %q is not one this connector wrote", s)
	}
	return c, nil
}

// logsPage is one team.accessLogs answer.
type logsPage struct {
	Logins []json.RawMessage `json:"logins"`
	Paging struct {
		Count int `json:"count"`
		Page  int `json:"page"`
		Pages int `json:"pages"`
		Total int `json:"total"`
	} `json:"paging"`
}

// login is what the connector reads of an access-log entry.
type login struct {
	UserID    string `json:"user_id"`
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
	DateFirst int64  `json:"date_first"`
	DateLast  int64  `json:"date_last"`
}

// accessID names an access-log entry: Slack keeps one entry per user, IP
// address and user agent, whose date_first never changes while date_last
// and count grow, so a later copy of the entry replaces the earlier one.
func accessID(l login) string {
	h := sha256.Sum256([]byte(l.IP + "\x00" + l.UserAgent))
	return l.UserID + ":" + strconv.FormatInt(l.DateFirst, 10) + ":" + hex.EncodeToString(h[:6])
}

// decodeLogsPage parses a team.accessLogs body into its entries. A body
// without a logins array or paging, or an entry without user_id or
// date_last, is an error.
func decodeLogsPage(body []byte) (logsPage, []login, error) {
	var p logsPage
	if err := json.Unmarshal(body, &p); err != nil {
		return p, nil, fmt.Errorf("decoding team.accessLogs page: %w", err)
	}
	if p.Logins == nil || p.Paging.Page < 1 {
		return p, nil, errors.New("decoding team.accessLogs page: no logins array or paging")
	}
	out := make([]login, len(p.Logins))
	for i, raw := range p.Logins {
		if err := json.Unmarshal(raw, &out[i]); err != nil || out[i].UserID == "" || out[i].DateLast <= 0 {
			return p, nil, fmt.Errorf("decoding team.accessLogs page: entry %d has no user_id or date_last", i)
		}
	}
	return p, out, nil
}

// fetchActivity reads team.accessLogs newest first down to the cursor's
// date_last minus the overlap, or on the first run to now minus
// access_logs_lookback. Slack serves at most 100 pages per query; past
// them the listing continues with before set to the oldest date_last read,
// re-reading that second's entries, which are emitted once. On a free plan
// Slack answers paid_only: access is then reported as not monitored and
// nothing is emitted.
func (c *Connector) fetchActivity(ctx context.Context, cur string, sink extract.Sink) (string, error) {
	prev, err := parseAccessCursor(cur)
	if err != nil {
		return "", err
	}
	now := c.now().UTC()
	floor := now.Add(-c.lookback).Unix()
	if prev.DateLast > 0 {
		floor = prev.DateLast - int64(c.overlap/time.Second)
	}
	next := prev
	emitted := map[string]bool{}
	before := int64(0) // 0: now
	count := c.limit(maxLogsCount)
	for round := 1; ; round++ {
		oldest := int64(0)
		done := false
		for page := 1; page <= maxLogsPages && !done; page++ {
			q := url.Values{"count": {count}, "page": {strconv.Itoa(page)}}
			if before > 0 {
				q.Set("before", strconv.FormatInt(before, 10))
			}
			var raw json.RawMessage
			err := c.c.call(ctx, "team.accessLogs", q, &raw)
			if httpx.HasCode(err, "paid_only") {
				const why = "Slack free plan: team.accessLogs is only available to paid workspaces, so access is not monitored"
				c.capability(extract.CapActivity, false, why)
				c.capability(extract.CapLastLogin, false, why)
				return cur, nil
			}
			if err != nil {
				return "", fmt.Errorf("listing slack access logs page %d: %w", page, explain(err))
			}
			p, logins, err := decodeLogsPage(raw)
			if err != nil {
				return "", fmt.Errorf("listing slack access logs page %d: %w", page, err)
			}
			for i, l := range logins {
				if l.DateLast < floor {
					done = true
					break
				}
				oldest = l.DateLast
				id := accessID(l)
				if emitted[id] {
					continue
				}
				emitted[id] = true
				if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: p.Logins[i]}); err != nil {
					return "", err
				}
				next.DateLast = max(next.DateLast, l.DateLast)
			}
			if page >= p.Paging.Pages || len(logins) == 0 {
				done = true
			}
			if !done && page == maxLogsPages {
				// The window goes on past what one query may page through.
				if oldest == 0 || (before > 0 && oldest >= before) {
					return "", fmt.Errorf("listing slack access logs: more than %d pages share date_last %d; lower access_logs_lookback or raise page_size", maxLogsPages, oldest)
				}
				before = oldest
			}
		}
		if done {
			break
		}
	}
	if next.DateLast == 0 || next == prev {
		return cur, nil
	}
	b, err := json.Marshal(next)
	if err != nil {
		return "", fmt.Errorf("encoding slack activity cursor: %w", err)
	}
	return string(b), nil
}
