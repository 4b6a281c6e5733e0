// Package demo runs the whole pipeline against every simulated vendor on
// loopback: what `saaspipe demo` does, and what the bench command and
// whole-system tests reuse.
//
// In: a data directory, a date, the organisation's size and seed, pipeline
// options (logger, progress). Out: a published snapshot in the directory,
// the config that ran (demo-config.yaml, secrets as ${…} references) and the
// run summary.
package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/pipeline"
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/simulate/vendors"
	"github.com/saaspipe/saaspipe/synth"
)

// Snapshot serves the organisation as it is on date (evolving from epoch)
// from every simulated vendor and runs the pipeline against them into dir.
// Skipped lists vendors this machine cannot simulate (slapd missing).
func Snapshot(ctx context.Context, dir string, date, epoch time.Time, people int, seed int64, o pipeline.Options) (sum *pipeline.Summary, skipped []error, err error) {
	org := synth.Generate(synth.Params{Seed: seed, People: people, Date: date, Epoch: epoch})
	sims, err := simulate.Start(org, vendors.All...)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the simulated vendors: %w", err)
	}
	defer sims.Close()
	text, env, err := simulate.Config(sims.Connectors(), map[string]any{"concurrency": 4, "activity_threshold_days": 30})
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "demo-config.yaml"), text, 0o644); err != nil {
		return nil, nil, err
	}
	cfg, err := pipeline.Parse(text, dir, registry.Types(), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		return nil, nil, err
	}
	cfg.DataDir = dir
	o.Config, o.Types, o.SnapshotDate = cfg, registry.Types(), date
	// The simulated vendors answer as of the end of the snapshot's day.
	end := org.End()
	o.Now = func() time.Time { return end }
	sum, err = pipeline.Execute(ctx, pipeline.StageRun, o)
	return sum, sims.Skipped, err
}
