package extract

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestOverlapCursor(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	lookback, overlap := 72*time.Hour, time.Hour

	// First run: from the lookback; nothing emitted keeps the cursor empty.
	c, since, err := StartOverlap("test", "", now, lookback, overlap)
	if err != nil || !since.Equal(now.Add(-lookback)) {
		t.Fatalf("first run: since %v, %v", since, err)
	}
	if got, _ := c.Encode(""); got != "" {
		t.Fatalf("nothing emitted: cursor %q, want empty", got)
	}
	c.Emitted("b", now.Add(-30*time.Minute))
	c.Emitted("old", now.Add(-3*time.Hour))
	c.Emitted("a", now.Add(-30*time.Minute))
	cur, err := c.Encode("")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"last":"2026-11-28T11:30:00Z","seen":[{"id":"a","time":"2026-11-28T11:30:00Z"},{"id":"b","time":"2026-11-28T11:30:00Z"}]}`
	if cur != want {
		t.Fatalf("cursor\n got %s\nwant %s (only the overlap, in time then id order)", cur, want)
	}

	// Second run: from Last - overlap, skipping what the overlap re-reads.
	c, since, err = StartOverlap("test", cur, now, lookback, overlap)
	if err != nil || !since.Equal(now.Add(-90*time.Minute)) {
		t.Fatalf("second run: since %v, %v", since, err)
	}
	if !c.Skip("a") || !c.Skip("b") || c.Skip("old") || c.Skip("c") {
		t.Errorf("skip set: a %v b %v old %v c %v", c.Skip("a"), c.Skip("b"), c.Skip("old"), c.Skip("c"))
	}
	if got, _ := c.Encode(cur); got != cur {
		t.Errorf("a run that emitted nothing changed the cursor: %s", got)
	}

	// Cursors Okta stored before this type keep working.
	legacy := `{"last":"2026-11-28T11:30:00Z","seen":[{"uuid":"u1","published":"2026-11-28T11:30:00Z"}]}`
	c, _, err = StartOverlap("test", legacy, now, lookback, overlap)
	if err != nil || !c.Skip("u1") || c.Seen[0].Time.IsZero() {
		t.Errorf("legacy cursor: %+v %v", c, err)
	}

	for _, bad := range []string{"garbage", `{"seen":[]}`, `{"last":"yesterday"}`} {
		if _, _, err := StartOverlap("test listing", bad, now, lookback, overlap); err == nil || !strings.Contains(err.Error(), "test listing cursor") {
			t.Errorf("cursor %q: %v, want an error naming the listing", bad, err)
		}
	}
}

// TestOverlapCursorCompacts: however many events a run emits, and in
// whatever order, the stored overlap is exactly the emitted events within
// overlap of the latest one, while the list the cursor keeps meanwhile
// stays near the size of the overlap.
func TestOverlapCursorCompacts(t *testing.T) {
	start := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	overlap := 10 * time.Minute
	for _, tc := range []struct {
		name string
		at   func(i int) time.Duration // offset of event i from start
	}{
		{"ascending", func(i int) time.Duration { return time.Duration(i) * time.Second }},
		{"descending", func(i int) time.Duration { return time.Duration(20000-i) * time.Second }},
		{"shuffled", func(i int) time.Duration { return time.Duration((i*7919)%20000) * time.Second }},
		{"all within the overlap", func(i int) time.Duration { return time.Duration(i%600) * time.Second }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := StartOverlap("test", "", start, 24*time.Hour, overlap)
			if err != nil {
				t.Fatal(err)
			}
			var all []SeenEvent
			most := 0
			for i := range 20000 {
				e := SeenEvent{ID: fmt.Sprintf("e%05d", i), Time: start.Add(tc.at(i))}
				all = append(all, e)
				c.Emitted(e.ID, e.Time)
				most = max(most, len(c.emitted))
			}
			last := slices.MaxFunc(all, func(a, b SeenEvent) int { return a.Time.Compare(b.Time) }).Time
			var want []SeenEvent
			for _, e := range all {
				if !e.Time.Before(last.Add(-overlap)) {
					want = append(want, e)
				}
			}
			slices.SortFunc(want, func(a, b SeenEvent) int {
				return cmp.Or(a.Time.Compare(b.Time), strings.Compare(a.ID, b.ID))
			})
			got := c.Trimmed()
			if !got.Last.Equal(last) || !slices.Equal(got.Seen, want) {
				t.Fatalf("Trimmed: last %v, %d seen; want last %v, %d seen", got.Last, len(got.Seen), last, len(want))
			}
			if tc.name == "ascending" && most > 4*len(want)+minCompact {
				t.Errorf("the cursor held %d events for an overlap of %d", most, len(want))
			}
			for _, e := range all {
				if !c.Skip(e.ID) {
					t.Fatalf("%s emitted but not skipped", e.ID)
				}
			}
		})
	}
}
