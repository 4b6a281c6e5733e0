package transformbench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/transform"
)

// Result is what one transform + load of an estate took and produced.
type Result struct {
	Transform, Load time.Duration
	// Datasets are the rows per dataset the transform built.
	Datasets map[string]int64
	// Steps are the transform's statements with their durations.
	Steps []transform.Step
	// Events is the number of activity events this snapshot counts
	// (activity_daily's event_count summed).
	Events int64
}

// TransformAndLoad does what the pipeline does with a snapshot's staged
// data: transform, keeping only the datasets, and write them as Parquet
// under work/datasets; then, in a fresh DuckDB, publish those files under
// work/data.
func TransformAndLoad(ctx context.Context, in transform.Input, work string) (*Result, error) {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	datasets := filepath.Join(work, "datasets")
	r := &Result{}
	start := time.Now()
	db, err := transform.Open(ctx, work)
	if err != nil {
		return nil, err
	}
	db.DiscardIntermediates()
	db.WriteDatasetsTo(datasets)
	r.Datasets, err = db.Run(ctx, in)
	if err == nil {
		err = db.SQL().QueryRowContext(ctx, "SELECT coalesce(sum(event_count), 0) FROM activity_daily").Scan(&r.Events)
	}
	r.Steps = db.Steps()
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("transforming: %w", err)
	}
	r.Transform = time.Since(start)

	start = time.Now()
	db, err = transform.Open(ctx, work)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	_, err = load.Publish(ctx, db.SQL(), load.Options{
		DataDir: filepath.Join(work, "data"), SnapshotID: in.SnapshotID, SnapshotDate: in.SnapshotDate,
		Datasets: transform.Datasets, Staged: in.Staged, Runs: in.Runs, Input: in, DatasetDir: datasets,
		Now: func() time.Time { return in.SnapshotDate.Add(3 * time.Hour) },
	})
	if err != nil {
		return nil, fmt.Errorf("publishing: %w", err)
	}
	r.Load = time.Since(start)
	return r, nil
}
