package pipeline

import (
	"errors"
	"testing"
)

func TestCursorFrom(t *testing.T) {
	s := cursorState{Entities: map[string][]cursorStep{}}
	if got := s.from("activity", "2026-11-01"); got != "" {
		t.Fatalf("first run starts from %q, want empty", got)
	}
	s.advance("activity", "2026-11-01", "", "c1")
	s.advance("activity", "2026-11-08", "c1", "c2")
	tests := []struct {
		snapshot, want string
	}{
		{"2026-11-08", "c1"}, // a retry of a snapshot re-reads its window
		{"2026-11-01", ""},
		{"2026-11-15", "c2"}, // the next snapshot continues from the latest end
		{"2026-11-05", "c1"}, // a backfill between runs continues from the run before it
		{"2026-10-01", ""},
	}
	for _, tt := range tests {
		if got := s.from("activity", tt.snapshot); got != tt.want {
			t.Errorf("from(%s) = %q, want %q", tt.snapshot, got, tt.want)
		}
	}
	s.advance("activity", "2026-11-08", "c1", "c2b")
	if n := len(s.Entities["activity"]); n != 2 {
		t.Fatalf("re-advancing a snapshot added a step: %d steps", n)
	}
	if got := s.from("activity", "2026-11-15"); got != "c2b" {
		t.Fatalf("from after re-run = %q, want c2b", got)
	}
}

func TestCursorHistoryBounded(t *testing.T) {
	s := cursorState{Entities: map[string][]cursorStep{}}
	for i := range cursorHistory + 10 {
		s.advance("activity", SnapshotID(mustDate(t, "2026-01-01").AddDate(0, 0, i)), "a", "b")
	}
	if n := len(s.Entities["activity"]); n != cursorHistory {
		t.Fatalf("history holds %d steps, want %d", n, cursorHistory)
	}
}

func TestLockExclusive(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	a, err := AcquireLock(l, "publish")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AcquireLock(l, "publish"); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	other, err := AcquireLock(l, "extract-okta")
	if err != nil {
		t.Fatalf("a different lock name must not conflict: %v", err)
	}
	other.Release()
	a.Release()
	b, err := AcquireLock(l, "publish")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	b.Release()
}
