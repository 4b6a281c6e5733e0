package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/saaspipe/saaspipe/pipeline"
	"github.com/saaspipe/saaspipe/report"
)

// cmdReport writes the HTML report of one published snapshot. It reads only
// published data, so it needs no credentials and no network: --data-dir
// alone is enough, and --config is read only to find the data directory.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c common
	fs := newFlags("report", stderr, &c)
	snapshot := fs.String("snapshot", "", "id of the sealed snapshot to report on (default: the latest)")
	out := fs.String("out", "report.html", "HTML file to write")
	lockWait := fs.Duration("lock-wait", 10*time.Minute, "how long to wait for a publish, replacement or prune in progress to finish")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "saaspipe report: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	dir := c.dataDir
	if dir == "" {
		cfg, ok := loadConfig(&c, stderr)
		if !ok {
			return exitUsage
		}
		dir = cfg.DataDir
	}
	// Read under the shared publish lock: never half of a publication.
	lock, err := pipeline.AcquireSharedLock(ctx, pipeline.Layout{Root: dir}, "publish", *lockWait)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitFailure
	}
	defer lock.Release()
	err = report.WriteFile(ctx, report.Options{DataDir: dir, Snapshot: *snapshot}, *out)
	if errors.Is(err, report.ErrNoSnapshot) {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: report: %v\n", err)
		return exitFailure
	}
	abs, _ := filepath.Abs(*out)
	fmt.Fprintf(stdout, "wrote %s\n", abs)
	return exitOK
}
