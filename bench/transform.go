package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/saaspipe/saaspipe/transform/transformbench"
)

// transformSnapshot is the snapshot date of the transform target's estate.
var transformSnapshot = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

// transformResult is what the transform child prints.
type transformResult struct {
	TransformSeconds float64 `json:"transform_seconds"`
	LoadSeconds      float64 `json:"load_seconds"`
	MaxRSSKB         int64   `json:"max_rss_kb"`
	Accounts         int64   `json:"accounts"`
	People           int64   `json:"people"`
	Activity         int64   `json:"activity"`
	Events           int64   `json:"events"`
}

// benchTransform generates the target's estate (transformbench: 100,000
// people, eight vendor types, about 1M accounts and 5M activity records)
// and runs transform + load over it in a child process, so that the peak
// RSS is the pipeline's and not the generator's.
func benchTransform(ctx context.Context) ([]row, error) {
	dir, err := os.MkdirTemp("", "saaspipe-bench-transform-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if _, err := transformbench.Generate(ctx, filepath.Join(dir, "staging"), transformbench.People, transformSnapshot); err != nil {
		return nil, fmt.Errorf("generating the estate: %w", err)
	}
	var runs []transformResult
	var probes []time.Duration
	for range max(repeat, 1) {
		// Each run publishes into a fresh work directory.
		if err := os.RemoveAll(filepath.Join(dir, "work")); err != nil {
			return nil, err
		}
		probes = append(probes, probeMachine())
		r, err := childRun[transformResult](ctx, "transform", nil, dir)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	totals := make([]float64, len(runs))
	var rssMB int64
	for i, r := range runs {
		totals[i] = r.TransformSeconds + r.LoadSeconds
		rssMB = max(rssMB, r.MaxRSSKB/1024)
	}
	r := runs[medianIndex(totals)]
	total := r.TransformSeconds + r.LoadSeconds
	what := fmt.Sprintf("transform + load: %d people, %d accounts, %d activity records", r.People, r.Accounts, r.Activity)
	return []row{
		{what, fmt.Sprintf("%.1fs, %s (median run: transform %.1fs, load %.1fs; %d events counted)", total, listRuns(totals, 60, probes), r.TransformSeconds, r.LoadSeconds, r.Events), "<= 60s", total <= 60},
		{"transform + load: peak RSS (highest run)", fmt.Sprintf("%d MB", rssMB), "<= 3072 MB", rssMB <= 3072},
	}, nil
}

// transformChild reuses the estate benchTransform generated under dir and
// prints what transform + load took.
func transformChild(dir string) error {
	ctx := context.Background()
	est, err := transformbench.Generate(ctx, filepath.Join(dir, "staging"), transformbench.People, transformSnapshot)
	if err != nil {
		return err
	}
	r, err := transformbench.TransformAndLoad(ctx, est.Input, filepath.Join(dir, "work"))
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(transformResult{
		TransformSeconds: r.Transform.Seconds(), LoadSeconds: r.Load.Seconds(), MaxRSSKB: peakRSSKB(),
		Accounts: r.Datasets["accounts"], People: r.Datasets["people"], Activity: est.Activity, Events: r.Events,
	})
}
