package extract

import (
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
