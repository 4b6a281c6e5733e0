package extract

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// OverlapCursor is the cursor of an incremental event listing that re-reads
// an overlap window, for events that arrive late: Last is the latest event
// time emitted, Seen the events emitted at or after Last - overlap, which
// the next run re-reads and must skip. A connector decodes it with
// StartOverlap, calls Emitted for each event it passes to the sink, and
// returns Encode's string as the entity's new cursor.
type OverlapCursor struct {
	Last time.Time   `json:"last"`
	Seen []SeenEvent `json:"seen,omitempty"`

	overlap time.Duration
	skip    map[string]bool
	emitted []SeenEvent
}

// SeenEvent is one event of an OverlapCursor.
type SeenEvent struct {
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
}

// UnmarshalJSON also reads the uuid/published names earlier Okta cursors
// were stored with.
func (s *SeenEvent) UnmarshalJSON(b []byte) error {
	var v struct {
		ID        string    `json:"id"`
		Time      time.Time `json:"time"`
		UUID      string    `json:"uuid"`
		Published time.Time `json:"published"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.ID, s.Time = v.ID, v.Time
	if s.ID == "" {
		s.ID, s.Time = v.UUID, v.Published
	}
	return nil
}

// StartOverlap decodes the stored cursor cur of what's listing ("okta
// activity") and returns it with the time to read from (see Resume).
func StartOverlap(what, cur string, now time.Time, lookback, overlap time.Duration) (*OverlapCursor, time.Time, error) {
	c := &OverlapCursor{}
	if cur != "" {
		if err := json.Unmarshal([]byte(cur), c); err != nil || c.Last.IsZero() {
			return nil, time.Time{}, fmt.Errorf("%s cursor %q is not one this connector wrote", what, cur)
		}
	}
	return c, c.Resume(now, lookback, overlap), nil
}

// Resume readies a decoded cursor (a connector that stores more beside it
// decodes it itself) for a run and returns the time to read from: Last -
// overlap, or on the first run (Last zero) now - lookback.
func (c *OverlapCursor) Resume(now time.Time, lookback, overlap time.Duration) time.Time {
	c.overlap = overlap
	c.skip = make(map[string]bool, len(c.Seen))
	for _, s := range c.Seen {
		c.skip[s.ID] = true
	}
	c.emitted = slices.Clone(c.Seen)
	if c.Last.IsZero() {
		return now.Add(-lookback)
	}
	return c.Last.Add(-overlap)
}

// Skip reports whether the event id was emitted already, by this run or in
// the previous run's overlap.
func (c *OverlapCursor) Skip(id string) bool { return c.skip[id] }

// Emitted records an event passed to the sink.
func (c *OverlapCursor) Emitted(id string, at time.Time) {
	at = at.UTC()
	c.skip[id] = true
	if at.After(c.Last) {
		c.Last = at
	}
	if len(c.emitted) == cap(c.emitted) && len(c.emitted) >= minCompact {
		c.compact()
	}
	c.emitted = append(c.emitted, SeenEvent{ID: id, Time: at})
}

// minCompact is the fewest emitted events worth compacting.
const minCompact = 1024

// compact drops the emitted events older than Last - overlap, which no
// later Last can bring back into Trimmed (Last only grows), before the list
// would grow: a run's list stays about the size of its overlap, not of
// every event it emitted (600,000 at 10,000 people).
func (c *OverlapCursor) compact() {
	floor := c.Last.Add(-c.overlap)
	kept := c.emitted[:0]
	for _, s := range c.emitted {
		if !s.Time.Before(floor) {
			kept = append(kept, s)
		}
	}
	clear(c.emitted[len(kept):])
	c.emitted = kept
}

// Trimmed is the cursor to store after the run: Last, and only the events
// the next run's overlap re-reads, in time then id order.
func (c *OverlapCursor) Trimmed() OverlapCursor {
	next := OverlapCursor{Last: c.Last}
	if c.Last.IsZero() {
		return next
	}
	floor := c.Last.Add(-c.overlap)
	for _, s := range c.emitted {
		if !s.Time.Before(floor) {
			next.Seen = append(next.Seen, s)
		}
	}
	slices.SortFunc(next.Seen, func(a, b SeenEvent) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return next
}

// Encode is Trimmed as the stored string. When nothing was ever emitted it
// returns prev unchanged, so the next run starts from the lookback again.
func (c *OverlapCursor) Encode(prev string) (string, error) {
	if c.Last.IsZero() {
		return prev, nil
	}
	b, err := json.Marshal(c.Trimmed())
	if err != nil {
		return "", fmt.Errorf("encoding cursor: %w", err)
	}
	return string(b), nil
}
