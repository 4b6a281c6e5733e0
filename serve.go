package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/pipeline"
	"github.com/saaspipe/saaspipe/report"
)

// cmdServe runs each enabled connector instance on its schedule (then
// transform and publish, as `run` does) and serves the latest report on
// loopback. With --once it runs what is due and exits instead.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c common
	fs := newFlags("serve", stderr, &c)
	listen := fs.String("listen", "127.0.0.1:8080", "address of the report's HTTP server: loopback only (127.0.0.1, ::1 or localhost), the report holds personal data")
	once := fs.Bool("once", false, "run the instances that are due now in one run and exit: 0 ok or nothing due, 3 some failed, 1 nothing published (no HTTP server; for cron)")
	all := fs.Bool("all", false, "with --once: run every enabled instance, due or not")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "saaspipe serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *all && !*once {
		fmt.Fprintln(stderr, "saaspipe serve: --all only goes with --once (serve runs each instance on its schedule)")
		return exitUsage
	}
	if !*once {
		if err := checkLoopback(*listen); err != nil {
			fmt.Fprintf(stderr, "saaspipe serve: %v\n", err)
			return exitUsage
		}
	}
	log, err := newLogger(stderr, c.logFormat, c.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe serve: %v\n", err)
		return exitUsage
	}
	cfg, ok := loadConfig(&c, stderr)
	if !ok {
		return exitUsage
	}
	s, err := newScheduler(cfg, log, realClock(), nil)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe serve: %v\n", err)
		return exitUsage
	}
	// One scheduler per data directory: two would run every firing twice.
	lock, err := pipeline.AcquireLock(pipeline.Layout{Root: cfg.DataDir}, "serve")
	if errors.Is(err, pipeline.ErrLocked) {
		fmt.Fprintf(stderr, "saaspipe serve: another saaspipe serve uses %s: %v\n", cfg.DataDir, err)
		return exitFailure
	}
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe serve: %v\n", err)
		return exitFailure
	}
	defer lock.Release()

	if *once {
		// No page to serve: the report is not built.
		s.noReport = true
		if err := s.plan(*all); err != nil {
			fmt.Fprintf(stderr, "saaspipe serve: %v\n", err)
			return exitFailure
		}
		due := s.due(s.clock.Now())
		if len(due) == 0 {
			fmt.Fprintf(stdout, "nothing is due; next runs:\n")
			s.printPlan(stdout)
			return exitOK
		}
		f := s.fire(ctx, due)
		fmt.Fprintf(stdout, "%s: %s %s\n", f.Snapshot, strings.Join(f.Instances, ", "), f.Status)
		if f.Error != "" {
			fmt.Fprintf(stderr, "saaspipe serve: %s\n", f.Error)
		}
		return f.exitCode
	}

	if err := s.start(false); err != nil {
		fmt.Fprintf(stderr, "saaspipe serve: %v\n", err)
		return exitFailure
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "saaspipe serve: --listen %s: %v\n", *listen, err)
		return exitFailure
	}
	srv := &http.Server{
		Handler:           s.handler(ln.Addr()),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		// The report of a large organisation is several megabytes.
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: 16 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "saaspipe serve: report on http://%s/ (health: /healthz); data in %s\n", ln.Addr(), cfg.DataDir)
	s.printPlan(stdout)
	log.Info("serving", "listen", ln.Addr().String(), "data_dir", cfg.DataDir)

	loopDone := make(chan struct{})
	go func() {
		s.loop(ctx)
		close(loopDone)
	}()
	code := exitOK
	select {
	case <-loopDone:
	case err := <-served:
		log.Error("the HTTP server stopped", "error", err)
		code = exitFailure
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdown)
	<-loopDone
	log.Info("serve stopped")
	return code
}

// checkLoopback refuses any --listen address but a loopback IP or
// localhost: the report lists people, their emails and their accounts.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: want HOST:PORT, e.g. --listen 127.0.0.1:8080", addr)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("--listen %q: bad port %q, e.g. --listen 127.0.0.1:8080", addr, port)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	what := fmt.Sprintf("%q is not a loopback address", host)
	if host == "" {
		what = "no host means every interface"
	}
	return fmt.Errorf("--listen %s: %s; the report holds personal data (names, emails, accounts), so serve listens on loopback only "+
		"(127.0.0.1, ::1 or localhost). To share it, put an authenticating reverse proxy in front of --listen 127.0.0.1:PORT", addr, what)
}

// clock is the scheduler's time: the real one, or one a test drives.
type clock struct {
	Now func() time.Time
	// After is time.After: a channel that receives once d has passed.
	After func(d time.Duration) <-chan time.Time
}

func realClock() clock { return clock{Now: time.Now, After: time.After} }

// runFunc runs one firing's stage; pipeline.Execute(ctx, StageRun, o) outside tests.
type runFunc func(ctx context.Context, o pipeline.Options) (*pipeline.Summary, error)

// Retries of a firing that published nothing: 5, 10, 20, 40 minutes, then
// hourly, but never later than the instance's next scheduled time.
const (
	retryFirst = 5 * time.Minute
	retryMax   = time.Hour
	// lateAfter is how far behind its time a firing may start before it is
	// logged as late.
	lateAfter = time.Minute
)

// entry is one enabled connector instance and when it runs next.
type entry struct {
	name    string
	sched   pipeline.Schedule
	next    time.Time
	retries int // failed firings in a row
}

// firing is one run of the instances due at one time. It is what /healthz
// shows of the last one.
type firing struct {
	// ScheduledAt is when the earliest of the instances was due; its UTC
	// date is the snapshot date.
	ScheduledAt time.Time `json:"scheduled_at"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at"`
	Instances   []string  `json:"instances"`
	// Snapshot is the published snapshot id (DATE, or DATE.rN for a new
	// revision of a date published earlier), else the date attempted.
	Snapshot string `json:"snapshot"`
	// Status: ok (published, every instance of the firing ok), partial
	// (published, some failed and were carried forward), failed (nothing
	// published), already_published.
	Status string `json:"status"`
	// Failed names the instances of the firing that failed.
	Failed      []string `json:"failed,omitempty"`
	Error       string   `json:"error,omitempty"`
	LateSeconds float64  `json:"late_seconds,omitempty"`
	exitCode    int
}

// scheduler runs the firings one at a time and keeps what /healthz and /
// serve.
type scheduler struct {
	cfg     *pipeline.Config
	log     *slog.Logger
	clock   clock
	run     runFunc
	entries []*entry

	noReport   bool        // --once: no page is served, so none is built
	refreshing atomic.Bool // a rebuild of the report started by a request runs
	// fired, when set, sees every firing once it is done (tests).
	fired func(firing)

	mu        sync.Mutex
	startedAt time.Time
	last      *firing
	page      []byte // the latest report, rendered
	pageID    string
	pageAt    time.Time
}

func newScheduler(cfg *pipeline.Config, log *slog.Logger, c clock, run runFunc) (*scheduler, error) {
	if run == nil {
		run = func(ctx context.Context, o pipeline.Options) (*pipeline.Summary, error) {
			return pipeline.Execute(ctx, pipeline.StageRun, o)
		}
	}
	s := &scheduler{cfg: cfg, log: log, clock: c, run: run}
	for _, cc := range cfg.Connectors {
		if !cc.Enabled {
			continue
		}
		sched, err := pipeline.ParseSchedule(cc.Schedule)
		if err != nil {
			return nil, fmt.Errorf("connector %s: schedule: %w", cc.Name, err)
		}
		s.entries = append(s.entries, &entry{name: cc.Name, sched: sched})
	}
	if len(s.entries) == 0 {
		return nil, fmt.Errorf("%s has no enabled connector instance to schedule", cfg.Path)
	}
	return s, nil
}

// start plans the first runs. An instance whose latest published data is
// older than its most recent scheduled time, or that has none, is due at
// once: a schedule missed while serve was down runs once when it starts.
// With all, every instance is due at once.
func (s *scheduler) start(all bool) error {
	if err := s.plan(all); err != nil {
		return err
	}
	s.refreshReport(context.Background())
	return nil
}

// plan sets each instance's first run (see start).
func (s *scheduler) plan(all bool) error {
	now := s.clock.Now()
	s.startedAt = now
	last, err := lastData(s.cfg.DataDir)
	if err != nil {
		return err
	}
	for _, e := range s.entries {
		at, ok := last[e.name]
		switch {
		case all || !ok:
			e.next = now
		case !e.sched.Next(at).After(now):
			e.next = now
		default:
			e.next = e.sched.Next(now)
		}
	}
	return nil
}

// lastData reads, from the latest published revision, when each connector
// instance's data was extracted.
func lastData(dataDir string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	id, err := latestSnapshot(dataDir)
	if err != nil {
		return nil, fmt.Errorf("listing snapshots in %s: %w", dataDir, err)
	}
	if id == "" {
		return out, nil
	}
	m, err := load.ReadManifest(dataDir, id)
	if err != nil {
		return nil, err
	}
	for _, c := range m.Connectors {
		if c.DataAsOf != nil {
			out[c.Connector] = *c.DataAsOf
		}
	}
	return out, nil
}

// latestSnapshot is the id of the highest revision of the latest sealed
// date ("" when none): DATE or DATE.rN, compared by N, not as text.
func latestSnapshot(dataDir string) (string, error) {
	ids, err := pipeline.ListSnapshots(dataDir)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	best, bestRev := "", 0
	date, _, _ := strings.Cut(ids[len(ids)-1], ".r")
	for _, id := range ids {
		d, rev, _ := strings.Cut(id, ".r")
		if d != date {
			continue
		}
		n := 1
		if rev != "" {
			if n, err = strconv.Atoi(rev); err != nil {
				continue
			}
		}
		if n > bestRev {
			best, bestRev = id, n
		}
	}
	return best, nil
}

// due returns the instances whose time has come, earliest first.
func (s *scheduler) due(now time.Time) []*entry {
	var out []*entry
	for _, e := range s.entries {
		if !e.next.After(now) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b *entry) int { return a.next.Compare(b.next) })
	return out
}

// loop sleeps until the earliest next run, fires every instance due then in
// one run, and again, until ctx is done. Firings never overlap: a run that
// overruns the next scheduled time delays it, and the times it missed are
// made up by one firing right after, logged as late.
func (s *scheduler) loop(ctx context.Context) {
	for ctx.Err() == nil {
		now := s.clock.Now()
		due := s.due(now)
		if len(due) == 0 {
			next := s.entries[0].next
			for _, e := range s.entries[1:] {
				if e.next.Before(next) {
					next = e.next
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-s.clock.After(next.Sub(now)):
			}
			continue
		}
		s.fire(ctx, due)
	}
}

// fire runs the due instances together for the UTC date of the earliest
// one's scheduled time: a new snapshot, or a new revision of that date when
// it is already published. Instances not in the firing are carried forward
// from their last good snapshot by the pipeline.
func (s *scheduler) fire(ctx context.Context, due []*entry) firing {
	start, wall := s.clock.Now(), time.Now()
	at := due[0].next
	f := firing{ScheduledAt: at.UTC(), StartedAt: start.UTC()}
	for _, e := range due {
		f.Instances = append(f.Instances, e.name)
	}
	y, m, d := at.UTC().Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	f.Snapshot = pipeline.SnapshotID(date)
	log := s.log.With("snapshot_date", f.Snapshot, "instances", strings.Join(f.Instances, ","))
	if late := start.Sub(at); late > lateAfter && at.After(s.startedAt) {
		f.LateSeconds = late.Seconds()
		missed := 0
		for t := due[0].sched.Next(at); !t.After(start) && missed < 1000; t = due[0].sched.Next(t) {
			missed++
		}
		log.Warn("firing is late: an earlier run overran its time; the times missed meanwhile run once, now",
			"scheduled_at", at.UTC(), "late", late.Round(time.Second).String(), "times_missed", missed)
	}

	o := pipeline.Options{Config: s.cfg, Types: registry.Types(), SnapshotDate: date, Connectors: f.Instances,
		Logger: s.log, ToolVersion: version(), Now: s.clock.Now}
	sealed, err := load.Published(s.cfg.DataDir, f.Snapshot)
	if err == nil && sealed {
		o.Replace = true
		o.Reason = fmt.Sprintf("serve: scheduled run of %s at %s", strings.Join(f.Instances, ", "), at.UTC().Format(time.RFC3339))
		log.Info("firing: the date is published already, so this publishes a new revision of it")
	}
	var sum *pipeline.Summary
	if err == nil {
		log.Info("firing started", "scheduled_at", at.UTC())
		sum, err = s.run(ctx, o)
	}
	f.FinishedAt = s.clock.Now().UTC()
	f.Status, f.exitCode = pipeline.StatusFailed, exitFailure
	switch {
	case err != nil:
		f.Error = err.Error()
		if pipeline.IsUsage(err) {
			f.exitCode = exitUsage
		}
	case sum.Status == pipeline.StatusAlreadyPublished:
		// Only when another process published the date in between.
		f.Status, f.exitCode = sum.Status, exitOK
	case sum.Status == pipeline.StatusOK || sum.Status == pipeline.StatusPartial:
		f.Status, f.exitCode = pipeline.StatusOK, exitOK
		for _, c := range sum.Connectors {
			if slices.Contains(f.Instances, c.Name) && c.Status != pipeline.StatusOK {
				f.Failed = append(f.Failed, c.Name)
				f.Status, f.exitCode = pipeline.StatusPartial, exitPartial
			}
		}
		if sum.Manifest != "" {
			f.Snapshot = filepath.Base(filepath.Dir(sum.Manifest))
		}
	default:
		f.Error = strings.Join(sum.Errors, "; ")
	}

	// A firing that published nothing is retried soon rather than at the
	// next scheduled time, unless retrying cannot help (a usage error) or
	// serve is stopping.
	retry := f.Status == pipeline.StatusFailed && f.exitCode != exitUsage && ctx.Err() == nil
	s.mu.Lock()
	for _, e := range due {
		e.next = e.sched.Next(start)
		if !retry {
			e.retries = 0
			continue
		}
		delay := min(retryFirst<<min(e.retries, 8), retryMax)
		e.retries++
		if r := f.FinishedAt.Add(delay); r.Before(e.next) {
			e.next = r
		}
	}
	s.mu.Unlock()

	attrs := []any{"status", f.Status, "snapshot", f.Snapshot, "seconds", time.Since(wall).Seconds()}
	if len(f.Failed) > 0 {
		attrs = append(attrs, "failed", strings.Join(f.Failed, ","))
	}
	if f.Error != "" {
		attrs = append(attrs, "error", f.Error)
	}
	for _, e := range s.entries {
		attrs = append(attrs, "next_run."+e.name, e.next.UTC())
	}
	switch {
	case ctx.Err() != nil:
		log.Warn("firing stopped: serve is stopping", attrs...)
	case f.Status == pipeline.StatusFailed:
		if retry {
			attrs = append(attrs, "retry_at", due[0].next.UTC())
		}
		log.Error("firing failed; nothing was published", attrs...)
	case f.Status == pipeline.StatusPartial:
		log.Warn("firing published, but some instances failed and were carried forward", attrs...)
	default:
		log.Info("firing finished", attrs...)
	}
	if f.Status == pipeline.StatusOK || f.Status == pipeline.StatusPartial {
		s.refreshReport(ctx)
	}
	s.mu.Lock()
	s.last = &f
	s.mu.Unlock()
	if s.fired != nil {
		s.fired(f)
	}
	return f
}

// refreshReport renders the latest published snapshot's report into memory;
// on failure the page served so far stays.
func (s *scheduler) refreshReport(ctx context.Context) {
	if ctx.Err() != nil || s.noReport {
		return
	}
	if latest, err := latestSnapshot(s.cfg.DataDir); err == nil && latest == "" {
		return // nothing published yet
	}
	// Read under the shared publish lock, as the report command does, so
	// that another process's publication is never read half-way.
	lock, err := pipeline.AcquireSharedLock(ctx, pipeline.Layout{Root: s.cfg.DataDir}, "publish", time.Minute)
	if err != nil {
		s.log.Error("building the report; still serving the previous one", "error", err)
		return
	}
	defer lock.Release()
	d, err := report.Build(ctx, report.Options{DataDir: s.cfg.DataDir, Now: s.clock.Now})
	if errors.Is(err, report.ErrNoSnapshot) {
		return
	}
	var buf bytes.Buffer
	if err == nil {
		err = report.Render(&buf, d)
	}
	if err != nil {
		s.log.Error("building the report; still serving the previous one", "error", err)
		return
	}
	s.mu.Lock()
	s.page, s.pageID, s.pageAt = buf.Bytes(), d.Snapshot, s.clock.Now().UTC()
	s.mu.Unlock()
	s.log.Info("report updated", "snapshot", d.Snapshot)
}

// printPlan writes each instance's schedule and next run.
func (s *scheduler) printPlan(w io.Writer) {
	now := s.clock.Now()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  instance\tschedule (UTC)\tnext run")
	for _, e := range s.entries {
		sched := e.sched.String()
		if cc, _ := s.cfg.Connector(e.name); cc != nil && strings.TrimSpace(cc.Schedule) == "" {
			sched += " (default)"
		}
		next := e.next.UTC().Format("2006-01-02 15:04 MST")
		if !e.next.After(now) {
			next = "now (no published data since its last scheduled time)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.name, sched, next)
	}
	tw.Flush()
}

// health is the /healthz document.
type health struct {
	Status    string    `json:"status"`
	StartedAt time.Time `json:"started_at"`
	DataDir   string    `json:"data_dir"`
	// Report is the snapshot the page at / shows (null before the first
	// publication).
	Report     *healthReport    `json:"report"`
	LastFiring *firing          `json:"last_firing"`
	Instances  []healthInstance `json:"instances"`
}

type healthReport struct {
	Snapshot    string    `json:"snapshot"`
	GeneratedAt time.Time `json:"generated_at"`
}

type healthInstance struct {
	Name     string    `json:"name"`
	Schedule string    `json:"schedule"`
	NextRun  time.Time `json:"next_run"`
	// Retries counts the failed firings in a row that the next run retries.
	Retries int `json:"retries,omitempty"`
}

// handler serves the report at / and the scheduler's state at /healthz.
// Requests must name a loopback host: a web page that rebinds its own
// domain name to 127.0.0.1 must not be able to read the report.
func (s *scheduler) handler(addr net.Addr) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		page, pageID := s.page, s.pageID
		s.mu.Unlock()
		// Another process (snapshots replace, a manual run) may have
		// published since: rebuild in the background, serve this one now.
		if latest, err := latestSnapshot(s.cfg.DataDir); err == nil && latest != "" && latest != pageID &&
			s.refreshing.CompareAndSwap(false, true) {
			go func() {
				defer s.refreshing.Store(false)
				s.refreshReport(context.Background())
			}()
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if page == nil {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "No snapshot is published yet; the report appears here after the first run. See /healthz for the next runs.")
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(s.health())
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			http.Error(w, "serve answers only requests addressed to a loopback host such as "+addr.String(), http.StatusMisdirectedRequest)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a Host header names localhost or a loopback IP.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = strings.Trim(hostport, "[]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *scheduler) health() health {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := health{Status: "ok", StartedAt: s.startedAt.UTC(), DataDir: s.cfg.DataDir}
	if s.page != nil {
		h.Report = &healthReport{Snapshot: s.pageID, GeneratedAt: s.pageAt}
	}
	if s.last != nil {
		f := *s.last
		h.LastFiring = &f
	}
	for _, e := range s.entries {
		h.Instances = append(h.Instances, healthInstance{Name: e.name, Schedule: e.sched.String(), NextRun: e.next.UTC(), Retries: e.retries})
	}
	return h
}
