package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/pipeline"
)

// Exit codes (README.md, "Exit codes").
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitPartial = 3
)

type command struct {
	name  string
	usage string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "extract, transform and publish one snapshot", cmdStage(pipeline.StageRun)},
		{"extract", "extract connector instances into staging (--connector to pick)", cmdStage(pipeline.StageExtract)},
		{"transform", "build the snapshot's datasets from what is staged (kept in DATA_DIR/work/)", cmdStage(pipeline.StageTransform)},
		{"load", "publish what transform built: Parquet, manifest, catalog", cmdStage(pipeline.StageLoad)},
		{"validate", "check a config file without touching the network", cmdValidate},
		{"check", "prove a connector instance's credentials with one cheap call", cmdCheck},
		{"connectors", "list connector types, their settings and entities", cmdConnectors},
		{"snapshots", "sealed snapshots: list, show, verify [--rebuild], diff, prune, replace", cmdSnapshots},
		{"demo", "run the whole pipeline against simulated vendors on loopback", cmdDemo},
		{"report", "write a self-contained HTML report of a published snapshot (--out report.html)", cmdReport},
		{"serve", "run each connector instance on its schedule and serve the latest report on loopback (--once: run what is due, exit)", cmdServe},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "saaspipe", version())
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "saaspipe: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: saaspipe <command> [flags]")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.usage)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nRun 'saaspipe <command> -h' for a command's flags. Exit codes: 0 ok, 1 failure, 2 usage/config, 3 partial.")
}

// version is the module version from build info, with the VCS revision when
// the binary was built from a checkout.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v += "-dirty"
		}
	}
	return v
}

// common are the flags every pipeline command takes.
type common struct {
	config       string
	dataDir      string
	snapshotDate string
	logFormat    string
	logLevel     string
	jsonOut      bool
	connectors   stringList
	replace      bool
	reason       string
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func newFlags(name string, stderr io.Writer, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet("saaspipe "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.config, "config", "saaspipe.yaml", "config file")
	fs.StringVar(&c.dataDir, "data-dir", "", "data directory (overrides data_dir in the config)")
	fs.StringVar(&c.logFormat, "log-format", "auto", "log format on stderr: auto (text on a terminal, JSON otherwise), text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	return fs
}

func addRunFlags(fs *flag.FlagSet, c *common) {
	fs.StringVar(&c.snapshotDate, "snapshot-date", "", "logical date of the snapshot, YYYY-MM-DD (default: today in UTC)")
	fs.BoolVar(&c.jsonOut, "json", false, "print the run summary as JSON on stdout")
	fs.Var(&c.connectors, "connector", "connector instance to extract (repeatable; default: every enabled instance)")
	fs.BoolVar(&c.replace, "replace", false, "publish a new revision of a sealed date: run and extract re-extract the selected connectors into staging/DATE.rN/, the others keep the replaced revision's evidence (needs --reason)")
	fs.StringVar(&c.reason, "reason", "", "why a sealed date is replaced; recorded in the manifest chain with the time, user and host")
}

func newLogger(stderr io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "auto":
		if isTerminal(stderr) {
			return slog.New(slog.NewTextHandler(stderr, opts)), nil
		}
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want auto, text or json", format)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// loadConfig reads and validates the config, printing problems the way a
// user fixes them.
func loadConfig(c *common, stderr io.Writer) (*pipeline.Config, bool) {
	cfg, err := pipeline.Load(c.config, registry.Types())
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return nil, false
	}
	if c.dataDir != "" {
		abs, err := filepath.Abs(c.dataDir)
		if err != nil {
			fmt.Fprintf(stderr, "saaspipe: --data-dir: %v\n", err)
			return nil, false
		}
		cfg.DataDir = abs
	}
	return cfg, true
}

func cmdStage(stage string) func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		var c common
		fs := newFlags(stage, stderr, &c)
		addRunFlags(fs, &c)
		if err := fs.Parse(args); err != nil {
			return exitUsage
		}
		log, err := newLogger(stderr, c.logFormat, c.logLevel)
		if err != nil {
			fmt.Fprintf(stderr, "saaspipe: %v\n", err)
			return exitUsage
		}
		cfg, ok := loadConfig(&c, stderr)
		if !ok {
			return exitUsage
		}
		date, err := pipeline.ParseSnapshotDate(c.snapshotDate, time.Now())
		if err != nil {
			fmt.Fprintf(stderr, "saaspipe: %v\n", err)
			return exitUsage
		}
		if c.reason != "" && !c.replace {
			fmt.Fprintln(stderr, "saaspipe: --reason goes with --replace")
			return exitUsage
		}
		o := pipeline.Options{Config: cfg, Types: registry.Types(), SnapshotDate: date, Connectors: c.connectors,
			Logger: log, ToolVersion: version(), Replace: c.replace, Reason: c.reason}
		// Live progress only for a person watching a terminal, never in
		// logs a scheduler collects.
		if isTerminal(stderr) && c.logFormat != "json" && (stage == pipeline.StageRun || stage == pipeline.StageExtract) {
			tp := newTerminalProgress(stderr)
			o.Progress = tp
			if o.Logger, err = newLogger(tp, "text", c.logLevel); err != nil {
				return exitUsage
			}
			sum, err := pipeline.Execute(ctx, stage, o)
			tp.Wait()
			return finish(sum, err)(stdout, stderr, c.jsonOut)
		}
		return finish(pipeline.Execute(ctx, stage, o))(stdout, stderr, c.jsonOut)
	}
}

// finish turns a stage's outcome into output and an exit code.
func finish(sum *pipeline.Summary, err error) func(stdout, stderr io.Writer, jsonOut bool) int {
	return func(stdout, stderr io.Writer, jsonOut bool) int {
		if jsonOut && sum != nil {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.Encode(sum)
		}
		if err != nil {
			fmt.Fprintf(stderr, "saaspipe: %v\n", err)
			if pipeline.IsUsage(err) {
				return exitUsage
			}
			return exitFailure
		}
		return sum.ExitCode()
	}
}

func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c common
	fs := newFlags("validate", stderr, &c)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, ok := loadConfig(&c, stderr)
	if !ok {
		return exitUsage
	}
	enabled := len(cfg.Instances())
	fmt.Fprintf(stdout, "%s: valid; %d connector instances (%d enabled); data in %s\n", c.config, len(cfg.Connectors), enabled, cfg.DataDir)
	return exitOK
}

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c common
	fs := newFlags("check", stderr, &c)
	fs.Var(&c.connectors, "connector", "connector instance to check (repeatable; default: every enabled instance)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	log, err := newLogger(stderr, c.logFormat, c.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		return exitUsage
	}
	cfg, ok := loadConfig(&c, stderr)
	if !ok {
		return exitUsage
	}
	o := pipeline.Options{Config: cfg, Types: registry.Types(), Connectors: c.connectors, Logger: log}
	results, err := pipeline.Check(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe: %v\n", err)
		if pipeline.IsUsage(err) {
			return exitUsage
		}
		return exitFailure
	}
	code := exitOK
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(stdout, "FAIL  %s (%s): %v\n", r.Name, r.Type, r.Err)
			code = exitFailure
		} else {
			fmt.Fprintf(stdout, "ok    %s (%s) tenant %s\n", r.Name, r.Type, r.Tenant)
		}
	}
	return code
}

func cmdConnectors(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("saaspipe connectors", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.Bool("json", false, "print as JSON")
	docs := fs.String("docs", "", "write the generated data reference (data-reference.md, datasets.md) into this directory")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	types := registry.Types()
	if *docs != "" {
		if err := os.MkdirAll(*docs, 0o755); err != nil {
			fmt.Fprintf(stderr, "saaspipe: %v\n", err)
			return exitFailure
		}
		for name, b := range docFiles(types) {
			if err := os.WriteFile(filepath.Join(*docs, name), b, 0o644); err != nil {
				fmt.Fprintf(stderr, "saaspipe: %v\n", err)
				return exitFailure
			}
			fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*docs, name))
		}
		return exitOK
	}
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(types)
		return exitOK
	}
	for _, t := range types {
		writeType(stdout, t)
	}
	return exitOK
}

func writeType(w io.Writer, t extract.Type) {
	fmt.Fprintf(w, "%s — %s %s\n  %s\n", t.Name, t.Vendor, t.Product, t.Doc)
	var caps []string
	for _, c := range []struct {
		on   bool
		name string
	}{{t.Capabilities.Licenses, "licenses"}, {t.Capabilities.LastLogin, "last_login"}, {t.Capabilities.Activity, "activity"},
		{t.Capabilities.SSO, "sso"}, {t.Capabilities.Directory, "directory"}} {
		if c.on {
			caps = append(caps, c.name)
		}
	}
	fmt.Fprintf(w, "  capabilities: %s\n  permissions: %s\n  settings:\n", strings.Join(caps, ", "), strings.Join(t.Permissions, "; "))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range t.Settings {
		var flags []string
		if s.Required {
			flags = append(flags, "required")
		}
		if s.Secret {
			flags = append(flags, "secret")
		}
		if s.Default != nil && s.Default != "" {
			flags = append(flags, fmt.Sprintf("default %v", s.Default))
		}
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", s.Name, s.Kind, strings.Join(flags, ", "), s.Help)
	}
	tw.Flush()
	fmt.Fprintln(w, "  entities:")
	for _, e := range t.Entities {
		inc := ""
		if e.Incremental {
			inc = " (incremental)"
		}
		fmt.Fprintf(w, "    %s%s: %s\n", e.Name, inc, strings.Join(e.Calls, "; "))
	}
	fmt.Fprintln(w)
}
