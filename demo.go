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

	"github.com/saaspipe/saaspipe/demo"
	"github.com/saaspipe/saaspipe/pipeline"
	"github.com/saaspipe/saaspipe/report"
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
	snapshots := fs.Int("weeks", 2, "weekly snapshots to publish, ending at --snapshot-date (the organisation evolves from week to week)")
	fs.IntVar(snapshots, "snapshots", 2, "alias of --weeks")
	snapshotDate := fs.String("snapshot-date", "", "logical date of the last snapshot, YYYY-MM-DD (default: today in UTC)")
	logFormat := fs.String("log-format", "auto", "auto, text or json")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *people < 10 || *snapshots < 1 {
		fmt.Fprintln(stderr, "saaspipe demo: --people must be at least 10 and --weeks at least 1")
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
		var skipped []error
		sum, skipped, err = demo.Snapshot(ctx, dir, date, last, *people, *seed, o)
		for _, s := range skipped {
			fmt.Fprintf(stdout, "skipped: %v\n", s)
		}
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
	out := filepath.Join(dir, "report.html")
	if err := report.Write(ctx, dir, out); err != nil {
		fmt.Fprintf(stderr, "saaspipe demo: writing the report: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "  report:     %s (open it in a browser)\n", out)
	if *snapshots > 1 {
		first := pipeline.SnapshotID(last.AddDate(0, 0, -7*(*snapshots-1)))
		fmt.Fprintf(stdout, "  saaspipe snapshots diff --data-dir %s %s %s\n", dir, first, sum.Snapshot)
		fmt.Fprintf(stdout, "  duckdb %s -c \"select change_type, count(*) from accounts_history group by 1\"\n", filepath.Join(dir, "saaspipe.duckdb"))
	}
	fmt.Fprintf(stdout, "  saaspipe snapshots verify --data-dir %s --rebuild %s\n", dir, sum.Snapshot)
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
