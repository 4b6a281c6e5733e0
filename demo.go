package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract/googleworkspace/gwsim"
	"github.com/saaspipe/saaspipe/extract/ldap/ldapsim"
	"github.com/saaspipe/saaspipe/extract/msgraph/graphsim"
	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/extract/salesforce/sfsim"
	"github.com/saaspipe/saaspipe/extract/slack/slacksim"
	"github.com/saaspipe/saaspipe/extract/zoom/zoomsim"
	"github.com/saaspipe/saaspipe/pipeline"
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// demoMarker marks a directory the demo created, so that it only ever
// deletes its own output.
const demoMarker = ".saaspipe-demo"

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("saaspipe demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "./demo-data", "where to write the demo's data (replaced if it holds an earlier demo)")
	people := fs.Int("people", 2000, "size of the synthetic organisation")
	seed := fs.Int64("seed", 42, "seed of the synthetic organisation")
	snapshots := fs.Int("snapshots", 2, "weekly snapshots to publish, ending at --snapshot-date")
	snapshotDate := fs.String("snapshot-date", "", "logical date of the last snapshot, YYYY-MM-DD (default: today in UTC)")
	logFormat := fs.String("log-format", "auto", "auto, text or json")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *people < 10 || *snapshots < 1 {
		fmt.Fprintln(stderr, "saaspipe demo: --people must be at least 10 and --snapshots at least 1")
		return exitUsage
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe demo: %v\n", err)
		return exitUsage
	}
	last, err := pipeline.ParseSnapshotDate(*snapshotDate, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe demo: %v\n", err)
		return exitUsage
	}
	dir, err := prepareDemoDir(*dataDir)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe demo: %v\n", err)
		return exitFailure
	}

	var sum *pipeline.Summary
	for i := *snapshots - 1; i >= 0; i-- {
		date := last.AddDate(0, 0, -7*i)
		o := pipeline.Options{Logger: log, ToolVersion: version()}
		var tp *terminalProgress
		if isTerminal(stderr) && *logFormat != "json" {
			tp = newTerminalProgress(stderr)
			o.Progress = tp
			o.Logger, _ = newLogger(tp, "text", *logLevel)
		}
		sum, err = demoSnapshot(ctx, dir, date, last, *people, *seed, o, stdout)
		if tp != nil {
			tp.Wait()
		}
		if err != nil {
			fmt.Fprintf(stderr, "saaspipe demo: snapshot %s: %v\n", pipeline.SnapshotID(date), err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "snapshot %s: %s in %.1fs\n", sum.Snapshot, sum.Status, sum.Seconds)
		if sum.ExitCode() != exitOK {
			for _, e := range sum.Errors {
				fmt.Fprintf(stderr, "  %s\n", e)
			}
			return sum.ExitCode()
		}
	}
	printDemoSummary(stdout, dir, sum)
	return exitOK
}

// prepareDemoDir returns the absolute demo directory, emptied if it holds an
// earlier demo and refused if it holds anything else.
func prepareDemoDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	entries, err := os.ReadDir(abs)
	switch {
	case os.IsNotExist(err):
	case err != nil:
		return "", err
	case len(entries) == 0:
	default:
		if _, err := os.Stat(filepath.Join(abs, demoMarker)); err != nil {
			return "", fmt.Errorf("%s exists and was not made by the demo; choose another --data-dir", abs)
		}
		if err := os.RemoveAll(abs); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", err
	}
	return abs, os.WriteFile(filepath.Join(abs, demoMarker), []byte("made by saaspipe demo; deleted by the next demo run\n"), 0o644)
}

// demoVendors are the simulated vendors the demo serves: one line per
// connector type's simulator.
var demoVendors = []simulate.Starter{
	oktasim.Demo,
	ldapsim.Demo,
	gwsim.Demo,
	zoomsim.Demo,
	sfsim.Demo,
	slacksim.Demo,
	graphsim.Demo,
}

// demoSnapshot serves the organisation as it is on date from simulated
// vendors on loopback and runs the whole pipeline against them.
func demoSnapshot(ctx context.Context, dir string, date, epoch time.Time, people int, seed int64, o pipeline.Options, notice io.Writer) (*pipeline.Summary, error) {
	// One epoch for every snapshot: the same organisation, evolving.
	org := synth.Generate(synth.Params{Seed: seed, People: people, Date: date, Epoch: epoch})
	vendors, err := simulate.Start(org, demoVendors...)
	if err != nil {
		return nil, fmt.Errorf("starting the simulated vendors: %w", err)
	}
	defer vendors.Close()
	for _, skipped := range vendors.Skipped {
		o.Logger.Warn("simulated vendor skipped", "reason", skipped.Error())
		if notice != nil {
			fmt.Fprintf(notice, "skipped: %v\n", skipped)
		}
	}
	text, env, err := simulate.Config(vendors.Connectors(), map[string]any{"concurrency": 4, "activity_threshold_days": 30})
	if err != nil {
		return nil, err
	}
	// The config the demo ran, for the curious: secrets are ${…} references.
	if err := os.WriteFile(filepath.Join(dir, "demo-config.yaml"), text, 0o644); err != nil {
		return nil, err
	}
	cfg, err := pipeline.Parse(text, dir, registry.Types(), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		return nil, err
	}
	cfg.DataDir = dir
	o.Config, o.Types, o.SnapshotDate = cfg, registry.Types(), date
	// The simulated vendors answer as of the end of the snapshot's day.
	end := org.End()
	o.Now = func() time.Time { return end }
	return pipeline.Execute(ctx, pipeline.StageRun, o)
}

func printDemoSummary(w io.Writer, dir string, sum *pipeline.Summary) {
	fmt.Fprintf(w, "\nPublished snapshot %s into %s\n", sum.Snapshot, dir)
	names := make([]string, 0, len(sum.Datasets))
	for k := range sum.Datasets {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-31s %8d rows   published/%s/snapshot_date=%s/\n", n, sum.Datasets[n], n, sum.Snapshot)
	}
	var conns []string
	for _, c := range sum.Connectors {
		conns = append(conns, fmt.Sprintf("%s (%s, %d requests)", c.Name, c.Status, c.Requests))
	}
	fmt.Fprintf(w, "  connectors: %s\n", strings.Join(conns, ", "))
	fmt.Fprintf(w, "  manifest:   %s\n  catalog:    %s\n\n", sum.Manifest, filepath.Join(dir, "saaspipe.duckdb"))
	fmt.Fprintf(w, "Try:\n  duckdb %s -c \"select activity_status, count(*) from current_accounts group by 1 order by 2 desc\"\n",
		filepath.Join(dir, "saaspipe.duckdb"))
}
