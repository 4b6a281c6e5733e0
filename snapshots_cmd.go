package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/pipeline"
)

// snapshotCommands are the subcommands of 'saaspipe snapshots'; without one
// it lists.
var snapshotCommands = []struct {
	name, usage string
	run         func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}{
	{"list", "every sealed revision: date, revision, files, rows, connectors, pruned", cmdSnapshotsList},
	{"show", "ID: one snapshot's manifest (files, staged evidence, connectors, chain)", cmdSnapshotsShow},
	{"verify", "[--rebuild] [ID]: check files and the chain; --rebuild re-runs the transform from the staged evidence", cmdVerify},
	{"diff", "A B [--format table|csv|json|parquet]: people, accounts, licenses, subscriptions and cost that changed", cmdSnapshotsDiff},
	{"prune", "--keep-days N [--staged-only]: remove old staged files or snapshots, recorded in the chain", cmdSnapshotsPrune},
	{"replace", "DATE --reason \"…\": publish a new revision of a sealed date from its staged evidence", cmdSnapshotsReplace},
}

func cmdSnapshots(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		for _, c := range snapshotCommands {
			if c.name == args[0] {
				return c.run(ctx, args[1:], stdout, stderr)
			}
		}
		fmt.Fprintf(stderr, "saaspipe snapshots: unknown subcommand %q\n", args[0])
		snapshotsUsage(stderr)
		return exitUsage
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		snapshotsUsage(stderr)
		return exitOK
	}
	return cmdSnapshotsList(ctx, args, stdout, stderr)
}

func snapshotsUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: saaspipe snapshots [list|show|verify|diff|prune|replace] [flags]")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range snapshotCommands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.usage)
	}
	tw.Flush()
}

// snapshotFlags parses the flags every subcommand shares and finds the data
// directory: --data-dir, else the config's data_dir.
type snapshotFlags struct {
	c       common
	fs      *flag.FlagSet
	jsonOut *bool
	args    []string // positional arguments, wherever they stood among the flags
	// lockWait is how long a reader waits for a publish, replacement or
	// prune to finish (readers only).
	lockWait *time.Duration
}

// newReaderFlags are the flags of a subcommand that reads sealed
// snapshots: it holds the publish lock shared while it reads.
func newReaderFlags(name string, stderr io.Writer) *snapshotFlags {
	f := newSnapshotFlags(name, stderr)
	f.lockWait = f.fs.Duration("lock-wait", 10*time.Minute, "how long to wait for a publish, replacement or prune in progress to finish")
	return f
}

// readLock holds the publish lock shared until release: no snapshot is
// published, replaced or pruned while it reads, so it never sees half of
// one.
func (f *snapshotFlags) readLock(ctx context.Context, dir string, stderr io.Writer) (release func(), ok bool) {
	lock, err := pipeline.AcquireSharedLock(ctx, pipeline.Layout{Root: dir}, "publish", *f.lockWait)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return nil, false
	}
	return lock.Release, true
}

func newSnapshotFlags(name string, stderr io.Writer) *snapshotFlags {
	f := &snapshotFlags{}
	f.fs = newFlags("snapshots "+name, stderr, &f.c)
	f.jsonOut = f.fs.Bool("json", false, "print as JSON")
	return f
}

// parseArgs parses flags before, between and after positional arguments
// ("snapshots diff A B --format csv" reads as it is written).
func (f *snapshotFlags) parseArgs(args []string) bool {
	for {
		if err := f.fs.Parse(args); err != nil {
			return false
		}
		args = f.fs.Args()
		if len(args) == 0 {
			return true
		}
		f.args = append(f.args, args[0])
		args = args[1:]
	}
}

func (f *snapshotFlags) arg(i int) string {
	if i < len(f.args) {
		return f.args[i]
	}
	return ""
}

func (f *snapshotFlags) parse(args []string, stderr io.Writer) (string, bool) {
	if !f.parseArgs(args) {
		return "", false
	}
	if f.c.dataDir != "" {
		return f.c.dataDir, true
	}
	cfg, ok := loadConfig(&f.c, stderr)
	if !ok {
		return "", false
	}
	return cfg.DataDir, true
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func cmdSnapshotsList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newReaderFlags("list", stderr)
	dir, ok := f.parse(args, stderr)
	if !ok {
		return exitUsage
	}
	release, ok := f.readLock(ctx, dir, stderr)
	if !ok {
		return exitFailure
	}
	defer release()
	all, err := load.Snapshots(dir)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitFailure
	}
	if *f.jsonOut {
		printJSON(stdout, all)
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SNAPSHOT\tDATE\tREV\tSEQ\tFILES\tROWS\tCONNECTORS\tSTALE\tSTATE")
	for _, s := range all {
		var rows int64
		for _, fl := range s.Files {
			rows += fl.Rows
		}
		stale := 0
		for _, c := range s.Connectors {
			if c.Stale || c.Status != "ok" {
				stale++
			}
		}
		state := "current"
		if !s.Current {
			state = "replaced"
		}
		if len(s.Pruned) > 0 {
			state += ", pruned " + strings.Join(s.Pruned, "+")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", s.SnapshotID, s.SnapshotDate, s.Revision, s.Sequence,
			len(s.Files), rows, len(s.Connectors), stale, state)
	}
	tw.Flush()
	return exitOK
}

func cmdSnapshotsShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newReaderFlags("show", stderr)
	dir, ok := f.parse(args, stderr)
	if !ok {
		return exitUsage
	}
	release, ok := f.readLock(ctx, dir, stderr)
	if !ok {
		return exitFailure
	}
	defer release()
	if len(f.args) != 1 {
		fmt.Fprintln(stderr, "saaspipe snapshots show: want one snapshot id or date")
		return exitUsage
	}
	m, err := load.Resolve(dir, f.arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitFailure
	}
	if *f.jsonOut {
		printJSON(stdout, m)
		return exitOK
	}
	fmt.Fprintf(stdout, "snapshot %s (date %s, revision %d, sequence %d)\n", m.SnapshotID, m.SnapshotDate, m.Revision, m.Sequence)
	fmt.Fprintf(stdout, "  sealed %s by saaspipe %s, config %s\n", m.CreatedAt.Format(time.RFC3339), m.ToolVersion, m.ConfigFingerprint)
	if r := m.Replacement; r != nil {
		fmt.Fprintf(stdout, "  replaces %s: %q (%s@%s, %s)\n", r.Replaces, r.Reason, r.User, r.Host, r.At.Format(time.RFC3339))
	}
	fmt.Fprintf(stdout, "  previous record %s sha256 %s\n", orNone(m.PreviousRecord), orNone(m.PreviousManifestSHA256))
	if m.HistoryBase != "" {
		fmt.Fprintf(stdout, "  history extends %s\n", m.HistoryBase)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nCONNECTOR\tTYPE\tTENANT\tSTATUS\tDATA AS OF\tROWS\tERROR")
	for _, c := range m.Connectors {
		asOf := ""
		if c.DataAsOf != nil {
			asOf = c.DataAsOf.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", c.Connector, c.ConnectorType, c.Tenant, c.Status, asOf, c.Rows, c.Error)
	}
	fmt.Fprintln(tw, "\nPUBLISHED\tROWS\tBYTES\tSHA256")
	for _, fl := range m.Files {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", fl.Path, fl.Rows, fl.Size, fl.SHA256)
	}
	fmt.Fprintln(tw, "\nSTAGED EVIDENCE\tROWS\tBYTES\tSHA256")
	for _, s := range m.Staged {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", s.Path, s.Rows, s.Size, s.SHA256)
	}
	if m.Inputs != nil {
		fmt.Fprintf(tw, "%s\t\t%d\t%s\n", m.Inputs.Path, m.Inputs.Size, m.Inputs.SHA256)
	}
	tw.Flush()
	return exitOK
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// cmdVerify checks sealed snapshots against their manifests and the chain
// and, with --rebuild, rebuilds one from its evidence; any finding makes it
// exit 1, each named on stdout.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newReaderFlags("verify", stderr)
	rebuild := f.fs.Bool("rebuild", false, "also re-run transform and load of snapshot ID from its staged evidence in a scratch directory and compare the hashes")
	dir, ok := f.parse(args, stderr)
	if !ok {
		return exitUsage
	}
	release, ok := f.readLock(ctx, dir, stderr)
	if !ok {
		return exitFailure
	}
	defer release()
	id := f.arg(0)
	if *rebuild && id == "" {
		fmt.Fprintln(stderr, "saaspipe snapshots verify --rebuild: name the snapshot to rebuild")
		return exitUsage
	}
	checked, findings, err := load.Verify(dir, id)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitFailure
	}
	var rebuilt string
	if *rebuild && len(findings) == 0 {
		scratch, err := os.MkdirTemp("", "saaspipe-rebuild-")
		if err != nil {
			fmt.Fprintf(stderr, "saaspipe: %v\n", err)
			return exitFailure
		}
		defer os.RemoveAll(scratch)
		m, rf, err := load.Rebuild(ctx, dir, id, scratch)
		if err != nil {
			fmt.Fprintf(stderr, "saaspipe: %v\n", err)
			return exitFailure
		}
		findings = append(findings, rf...)
		rebuilt = fmt.Sprintf("%s rebuilt from %d staged files: %d published files identical", m.SnapshotID, len(m.Staged), len(m.Files)-len(rf))
	}
	if *f.jsonOut {
		printJSON(stdout, map[string]any{"checked": checked, "findings": findings, "ok": len(findings) == 0, "rebuild": rebuilt})
	} else {
		for _, fd := range findings {
			fmt.Fprintln(stdout, "FAIL ", fd)
		}
		if len(findings) == 0 {
			fmt.Fprintf(stdout, "ok: %d snapshots verified (%s), every file matches its manifest and the chain is intact\n",
				len(checked), strings.Join(checked, ", "))
			if rebuilt != "" {
				fmt.Fprintf(stdout, "ok: %s\n", rebuilt)
			}
		}
	}
	if len(findings) > 0 {
		return exitFailure
	}
	return exitOK
}

func cmdSnapshotsDiff(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newReaderFlags("diff", stderr)
	format := f.fs.String("format", "table", "table, csv, json or parquet")
	output := f.fs.String("output", "", "write to this file instead of stdout (required for parquet)")
	dir, ok := f.parse(args, stderr)
	if !ok {
		return exitUsage
	}
	release, ok := f.readLock(ctx, dir, stderr)
	if !ok {
		return exitFailure
	}
	defer release()
	if len(f.args) != 2 {
		fmt.Fprintln(stderr, "saaspipe snapshots diff: want two snapshots, A (earlier) and B (later)")
		return exitUsage
	}
	switch *format {
	case "table", "csv", "json":
	case "parquet":
		if *output == "" {
			fmt.Fprintln(stderr, "saaspipe snapshots diff --format parquet: name the file with --output")
			return exitUsage
		}
	default:
		fmt.Fprintf(stderr, "saaspipe snapshots diff: --format %q: want table, csv, json or parquet\n", *format)
		return exitUsage
	}
	scratch, err := os.MkdirTemp("", "saaspipe-diff-")
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitFailure
	}
	defer os.RemoveAll(scratch)
	parquetOut := ""
	if *format == "parquet" {
		parquetOut = *output
	}
	res, err := load.Diff(ctx, dir, f.arg(0), f.arg(1), parquetOut, scratch)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitFailure
	}
	if *format == "parquet" {
		fmt.Fprintf(stdout, "wrote %d changes from %s to %s into %s\n", len(res.Rows), res.A.SnapshotID, res.B.SnapshotID, *output)
		return exitOK
	}
	w := stdout
	if *output != "" {
		out, err := os.Create(*output)
		if err != nil {
			fmt.Fprintf(stderr, "saaspipe: %v\n", err)
			return exitFailure
		}
		defer out.Close()
		w = out
	}
	switch *format {
	case "json":
		printJSON(w, map[string]any{"a": res.A.SnapshotID, "b": res.B.SnapshotID, "changes": res.Rows})
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"section", "change", "id", "label", "before", "after", "delta"})
		for _, r := range res.Rows {
			cw.Write([]string{r.Section, r.Change, r.ID, r.Label, r.Before, r.After, deltaText(r.Delta)})
		}
		cw.Flush()
	default:
		writeDiffTable(w, res)
	}
	return exitOK
}

func deltaText(d *float64) string {
	if d == nil {
		return ""
	}
	return strconv.FormatFloat(*d, 'f', -1, 64)
}

// writeDiffTable prints counts per section and change, then every change.
func writeDiffTable(w io.Writer, res *load.DiffResult) {
	fmt.Fprintf(w, "Changes from %s to %s\n\n", res.A.SnapshotID, res.B.SnapshotID)
	type sc struct{ section, change string }
	var order []sc
	counts := map[sc]int{}
	for _, r := range res.Rows {
		k := sc{r.Section, r.Change}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, k := range order {
		if k.section == "cost" {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\n", k.section, k.change, counts[k])
	}
	for _, r := range res.Rows {
		if r.Section == "cost" {
			fmt.Fprintf(tw, "  %s\t%s\t%s → %s (%+.2f)\n", r.Section, r.Label, r.Before, r.After, *r.Delta)
		}
	}
	tw.Flush()
	if len(res.Rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SECTION\tCHANGE\tWHAT\tBEFORE\tAFTER")
	for _, r := range res.Rows {
		if r.Section != "cost" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Section, r.Change, r.Label, r.Before, r.After)
		}
	}
	tw.Flush()
}

func cmdSnapshotsPrune(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newSnapshotFlags("prune", stderr)
	keep := f.fs.Int("keep-days", -1, "keep snapshots dated within this many days of today (UTC); required")
	stagedOnly := f.fs.Bool("staged-only", false, "remove only staged raw files; keep published datasets")
	dir, ok := f.parse(args, stderr)
	if !ok {
		return exitUsage
	}
	if *keep < 0 {
		fmt.Fprintln(stderr, "saaspipe snapshots prune: --keep-days N is required (N ≥ 0)")
		return exitUsage
	}
	lock, err := pipeline.AcquireLock(pipeline.Layout{Root: dir}, "publish")
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitFailure
	}
	defer lock.Release()
	rec, err := load.Prune(ctx, dir, load.PruneOptions{KeepDays: *keep, StagedOnly: *stagedOnly, Now: time.Now(), Actor: load.CurrentActor()})
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitFailure
	}
	if *f.jsonOut {
		printJSON(stdout, rec)
		return exitOK
	}
	if rec == nil {
		fmt.Fprintln(stdout, "nothing to prune")
		return exitOK
	}
	for _, s := range rec.Snapshots {
		fmt.Fprintf(stdout, "pruned %s: %d files\n", s.SnapshotID, len(s.Removed))
	}
	fmt.Fprintf(stdout, "recorded as chain record %d (snapshots/_prune/%06d.json)\n", rec.Sequence, rec.Sequence)
	return exitOK
}

func cmdSnapshotsReplace(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := newSnapshotFlags("replace", stderr)
	reason := f.fs.String("reason", "", "why the sealed revision is replaced (recorded in the chain); required")
	logFormat := f.fs.Lookup("log-format")
	if !f.parseArgs(args) {
		return exitUsage
	}
	if len(f.args) != 1 || strings.TrimSpace(*reason) == "" {
		fmt.Fprintln(stderr, "saaspipe snapshots replace: want one sealed date and --reason \"…\"")
		return exitUsage
	}
	log, err := newLogger(stderr, logFormat.Value.String(), f.c.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitUsage
	}
	cfg, ok := loadConfig(&f.c, stderr)
	if !ok {
		return exitUsage
	}
	date, err := pipeline.ParseSnapshotDate(f.arg(0), time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitUsage
	}
	if sealed, err := load.Published(cfg.DataDir, pipeline.SnapshotID(date)); err != nil || !sealed {
		fmt.Fprintf(stderr, "saaspipe: snapshot %s is not sealed; publish it with 'saaspipe run' instead (%v)\n", f.arg(0), err)
		return exitUsage
	}
	o := pipeline.Options{Config: cfg, Types: registry.Types(), SnapshotDate: date, Logger: log, ToolVersion: version(),
		Replace: true, Reason: *reason}
	return finish(pipeline.Execute(ctx, pipeline.StagePublish, o))(stdout, stderr, *f.jsonOut)
}
