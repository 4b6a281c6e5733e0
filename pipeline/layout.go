package pipeline

import (
	"fmt"
	"path/filepath"
	"time"
)

// Layout names the places under one data directory.
type Layout struct{ Root string }

func (l Layout) Staging() string                  { return filepath.Join(l.Root, "staging") }
func (l Layout) StagingSnapshot(id string) string { return filepath.Join(l.Root, "staging", id) }
func (l Layout) RunRecord(id, connector string) string {
	return filepath.Join(l.Root, "staging", id, connector, "_run.json")
}
func (l Layout) State(connector string) string {
	return filepath.Join(l.Root, "state", connector+".json")
}
func (l Layout) Work(id string) string    { return filepath.Join(l.Root, "work", id) }
func (l Layout) Summary(id string) string { return filepath.Join(l.Root, "runs", id, "summary.json") }
func (l Layout) Locks() string            { return filepath.Join(l.Root, "locks") }
func (l Layout) Snapshots() string        { return filepath.Join(l.Root, "snapshots") }
func (l Layout) Published() string        { return filepath.Join(l.Root, "published") }
func (l Layout) Catalog() string          { return filepath.Join(l.Root, "saaspipe.duckdb") }

// SnapshotID is the id of the snapshot of a logical date: the UTC day.
func SnapshotID(date time.Time) string { return date.UTC().Format(time.DateOnly) }

// ParseSnapshotDate reads a --snapshot-date value (YYYY-MM-DD); "" is today in UTC.
func ParseSnapshotDate(s string, now time.Time) (time.Time, error) {
	if s == "" {
		y, m, d := now.UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--snapshot-date %q: want YYYY-MM-DD, e.g. 2026-11-28", s)
	}
	return t, nil
}
