package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/pipeline"
	"github.com/saaspipe/saaspipe/synth"
)

// fakeClock is the scheduler's clock in tests: sleeping moves it forward at
// once, so a day of schedules takes as long as its runs. A sleep that would
// pass until stops the loop instead.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	until time.Time
	stop  context.CancelFunc
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d < 0 {
		panic(fmt.Sprintf("the scheduler slept %v", d))
	}
	if !c.until.IsZero() && c.now.Add(d).After(c.until) {
		c.stop()
		return ch
	}
	c.now = c.now.Add(d)
	ch <- c.now
	return ch
}

func (c *fakeClock) clock() clock { return clock{Now: c.Now, After: c.After} }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// syncBuffer is a log or stdout written by one goroutine and read by another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testLogger logs as text into a buffer shown when the test fails (or
// always, with SERVE_TEST_LOGS=1).
func testLogger(t *testing.T) (*slog.Logger, *syncBuffer) {
	t.Helper()
	var buf syncBuffer
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("SERVE_TEST_LOGS") != "" {
			t.Logf("logs:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

// serveWorld is one simulated Okta org and a config of okta instances
// reading it, each with its schedule ("" for none).
type serveWorld struct {
	cfgPath string
	dataDir string
	env     map[string]string
}

func newServeWorld(t *testing.T, instances ...[2]string) serveWorld {
	t.Helper()
	date := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	sim := oktasim.New(synth.Generate(synth.Params{Seed: 9, People: 30, Date: date, Epoch: date}), oktasim.Options{})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("version: 1\ndata_dir: ./data\nconnectors:\n")
	for _, in := range instances {
		fmt.Fprintf(&b, "  - name: %s\n    type: okta\n", in[0])
		if in[1] != "" {
			fmt.Fprintf(&b, "    schedule: %q\n", in[1])
		}
		fmt.Fprintf(&b, "    settings:\n      org_url: https://acme.okta.com\n      base_url: %s\n      allow_http: true\n      api_token: {env: SIM_OKTA_TOKEN}\n      max_retries: 1\n", url)
	}
	cfg := filepath.Join(dir, "saaspipe.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SIM_OKTA_TOKEN", sim.Token())
	return serveWorld{cfgPath: cfg, dataDir: filepath.Join(dir, "data"), env: map[string]string{"SIM_OKTA_TOKEN": sim.Token()}}
}

func (w serveWorld) config(t *testing.T) *pipeline.Config {
	t.Helper()
	cfg, err := pipeline.Load(w.cfgPath, registry.Types())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// asked is what one firing asked the pipeline for.
type asked struct {
	Now        time.Time
	Date       string
	Connectors []string
	Replace    bool
	Reason     string
}

// recordRuns wraps run (the real pipeline when nil), recording each call.
func recordRuns(run runFunc, into *[]asked) runFunc {
	return func(ctx context.Context, o pipeline.Options) (*pipeline.Summary, error) {
		*into = append(*into, asked{o.Now(), pipeline.SnapshotID(o.SnapshotDate), o.Connectors, o.Replace, o.Reason})
		if run == nil {
			return pipeline.Execute(ctx, pipeline.StageRun, o)
		}
		return run(ctx, o)
	}
}

// runLoop starts s at the clock's time and runs its loop until the clock
// reaches until (or the test's deadline), returning the firings.
func runLoop(t *testing.T, s *scheduler, c *fakeClock, until time.Time) []firing {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.until, c.stop = until, cancel
	var fired []firing
	s.fired = func(f firing) { fired = append(fired, f) }
	if err := s.start(false); err != nil {
		t.Fatal(err)
	}
	s.loop(ctx)
	return fired
}

func manifest(t *testing.T, dataDir, id string) *load.Manifest {
	t.Helper()
	m, err := load.ReadManifest(dataDir, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func dataAsOf(m *load.Manifest, connector string) (time.Time, bool) {
	for _, c := range m.Connectors {
		if c.Connector == connector && c.DataAsOf != nil {
			return c.DataAsOf.UTC(), c.Stale
		}
	}
	return time.Time{}, false
}

// TestServeTwoSchedules runs a daily instance and a weekly one (the
// default) from a Friday noon to Sunday 01:00 UTC on an injected clock: both
// run at start-up (nothing was published), the daily one alone on Saturday
// with the weekly one carried forward, both together on Sunday. Then the
// report and /healthz are served, and a restart plans from what was
// published.
func TestServeTwoSchedules(t *testing.T) {
	w := newServeWorld(t, [2]string{"okta-daily", "daily"}, [2]string{"okta-weekly", ""})
	log, _ := testLogger(t)
	c := &fakeClock{now: utc("2026-11-27T12:00:00Z")}
	var calls []asked
	s, err := newScheduler(w.config(t), log, c.clock(), recordRuns(nil, &calls))
	if err != nil {
		t.Fatal(err)
	}
	fired := runLoop(t, s, c, utc("2026-11-29T01:00:00Z"))

	want := []asked{
		{utc("2026-11-27T12:00:00Z"), "2026-11-27", []string{"okta-daily", "okta-weekly"}, false, ""},
		{utc("2026-11-28T00:00:00Z"), "2026-11-28", []string{"okta-daily"}, false, ""},
		{utc("2026-11-29T00:00:00Z"), "2026-11-29", []string{"okta-daily", "okta-weekly"}, false, ""},
	}
	if !reflect.DeepEqual(calls, want) {
		t.Fatalf("firings asked the pipeline for\n%+v\nwant\n%+v", calls, want)
	}
	for i, f := range fired {
		if f.Status != pipeline.StatusOK || f.Snapshot != want[i].Date || f.Error != "" || f.LateSeconds != 0 {
			t.Errorf("firing %d: %+v", i+1, f)
		}
	}
	ids, err := pipeline.ListSnapshots(w.dataDir)
	if err != nil || !reflect.DeepEqual(ids, []string{"2026-11-27", "2026-11-28", "2026-11-29"}) {
		t.Fatalf("published snapshots %v, %v", ids, err)
	}
	// Saturday: the weekly instance was carried forward, stale, from Friday.
	sat := manifest(t, w.dataDir, "2026-11-28")
	if at, stale := dataAsOf(sat, "okta-weekly"); !stale || !at.Equal(utc("2026-11-27T12:00:00Z")) {
		t.Errorf("2026-11-28: okta-weekly data as of %s, stale %v; want Friday's run, stale", at, stale)
	}
	if at, stale := dataAsOf(sat, "okta-daily"); stale || !at.Equal(utc("2026-11-28T00:00:00Z")) {
		t.Errorf("2026-11-28: okta-daily data as of %s, stale %v; want Saturday 00:00, fresh", at, stale)
	}

	// The report of the latest snapshot, and the scheduler's state.
	srv := httptest.NewServer(s.handler(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}))
	defer srv.Close()
	status, body, hdr := get(t, srv.URL+"/", "")
	for _, want := range []string{"<title>SaaS licenses and usage — snapshot 2026-11-29</title>", `id="report-data"`, "okta-weekly"} {
		if status != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET /: %d, page lacks %q", status, want)
		}
	}
	if ct := hdr.Get("Content-Type"); ct != "text/html; charset=utf-8" || hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("GET /: Content-Type %q, Cache-Control %q", ct, hdr.Get("Cache-Control"))
	}
	status, body, _ = get(t, srv.URL+"/healthz", "")
	var h health
	if err := json.Unmarshal([]byte(body), &h); status != http.StatusOK || err != nil {
		t.Fatalf("GET /healthz: %d %v\n%s", status, err, body)
	}
	wantNext := []healthInstance{
		{Name: "okta-daily", Schedule: "daily", NextRun: utc("2026-11-30T00:00:00Z")},
		{Name: "okta-weekly", Schedule: "weekly", NextRun: utc("2026-12-06T00:00:00Z")},
	}
	if h.Status != "ok" || h.Report == nil || h.Report.Snapshot != "2026-11-29" || h.LastFiring == nil ||
		h.LastFiring.Status != "ok" || h.LastFiring.Snapshot != "2026-11-29" || !h.LastFiring.ScheduledAt.Equal(utc("2026-11-29T00:00:00Z")) ||
		!reflect.DeepEqual(h.Instances, wantNext) {
		t.Errorf("/healthz:\n%s", body)
	}
	for _, c := range []struct {
		method, path, host string
		want               int
	}{
		{"GET", "/nope", "", http.StatusNotFound},
		{"POST", "/", "", http.StatusMethodNotAllowed},
		{"HEAD", "/", "", http.StatusOK},
		{"GET", "/", "localhost:8080", http.StatusOK},
		{"GET", "/", "[::1]:8080", http.StatusOK},
		// A page on another origin whose name resolves to 127.0.0.1.
		{"GET", "/", "attacker.example:8080", http.StatusMisdirectedRequest},
		{"GET", "/healthz", "attacker.example", http.StatusMisdirectedRequest},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		if c.host != "" {
			req.Host = c.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s (Host %s): %d, want %d", c.method, c.path, c.host, resp.StatusCode, c.want)
		}
	}

	// A restart plans from the published data: nothing is due an hour
	// after Sunday's run; the next morning, the daily instance is.
	for _, c := range []struct {
		at  string
		due []string
	}{{"2026-11-29T01:00:00Z", nil}, {"2026-11-30T05:00:00Z", []string{"okta-daily"}}} {
		again, err := newScheduler(w.config(t), log, (&fakeClock{now: utc(c.at)}).clock(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := again.plan(false); err != nil {
			t.Fatal(err)
		}
		var due []string
		for _, e := range again.due(utc(c.at)) {
			due = append(due, e.name)
		}
		if !reflect.DeepEqual(due, c.due) {
			t.Errorf("restart at %s: due %v, want %v", c.at, due, c.due)
		}
	}
}

func get(t *testing.T, url, host string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestServeSameDayRevision: a second firing on a date already published
// re-extracts its instances and publishes the date's next revision, saying
// why; the instance not due keeps the data of the revision it replaces.
func TestServeSameDayRevision(t *testing.T) {
	w := newServeWorld(t, [2]string{"okta-hourly", "hourly"}, [2]string{"okta-daily", "daily"})
	log, _ := testLogger(t)
	c := &fakeClock{now: utc("2026-11-28T10:00:00Z")}
	var calls []asked
	s, err := newScheduler(w.config(t), log, c.clock(), recordRuns(nil, &calls))
	if err != nil {
		t.Fatal(err)
	}
	fired := runLoop(t, s, c, utc("2026-11-28T11:30:00Z"))

	reason := "serve: scheduled run of okta-hourly at 2026-11-28T11:00:00Z"
	want := []asked{
		{utc("2026-11-28T10:00:00Z"), "2026-11-28", []string{"okta-hourly", "okta-daily"}, false, ""},
		{utc("2026-11-28T11:00:00Z"), "2026-11-28", []string{"okta-hourly"}, true, reason},
	}
	if !reflect.DeepEqual(calls, want) {
		t.Fatalf("firings asked the pipeline for\n%+v\nwant\n%+v", calls, want)
	}
	if len(fired) != 2 || fired[0].Snapshot != "2026-11-28" || fired[1].Status != pipeline.StatusOK || fired[1].Snapshot != "2026-11-28.r2" {
		t.Fatalf("firings %+v; want the second to publish 2026-11-28.r2", fired)
	}
	r2 := manifest(t, w.dataDir, "2026-11-28.r2")
	if r2.Revision != 2 || r2.Replacement == nil || r2.Replacement.Reason != reason || r2.Replacement.Replaces != "2026-11-28" {
		t.Errorf("revision 2: revision %d, replacement %+v", r2.Revision, r2.Replacement)
	}
	if at, _ := dataAsOf(r2, "okta-hourly"); !at.Equal(utc("2026-11-28T11:00:00Z")) {
		t.Errorf("revision 2: okta-hourly data as of %s, want the 11:00 run", at)
	}
	if at, _ := dataAsOf(r2, "okta-daily"); !at.Equal(utc("2026-11-28T10:00:00Z")) {
		t.Errorf("revision 2: okta-daily data as of %s, want revision 1's (10:00)", at)
	}
	if h := s.health(); h.Report == nil || h.Report.Snapshot != "2026-11-28.r2" {
		t.Errorf("the report shows %+v, want revision 2", h.Report)
	}
}

// TestServeFiringWhilePublishLocked: while another process publishes, a
// firing fails cleanly (nothing published, the lock named) and is retried
// five minutes later, when it publishes; the schedule then goes on.
func TestServeFiringWhilePublishLocked(t *testing.T) {
	w := newServeWorld(t, [2]string{"okta-prod", "daily"})
	log, _ := testLogger(t)
	cfg := w.config(t)
	lock, err := pipeline.AcquireLock(pipeline.Layout{Root: cfg.DataDir}, "publish")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	c := &fakeClock{now: utc("2026-11-26T23:00:00Z")}
	var calls []asked
	var firstErr error
	run := func(ctx context.Context, o pipeline.Options) (*pipeline.Summary, error) {
		sum, err := pipeline.Execute(ctx, pipeline.StageRun, o)
		if len(calls) == 1 {
			firstErr = err
			lock.Release() // the other process is done
		}
		return sum, err
	}
	s, err := newScheduler(cfg, log, c.clock(), recordRuns(run, &calls))
	if err != nil {
		t.Fatal(err)
	}
	fired := runLoop(t, s, c, utc("2026-11-26T23:30:00Z"))

	if !errors.Is(firstErr, pipeline.ErrLocked) {
		t.Fatalf("first firing: %v, want the publish lock held", firstErr)
	}
	if len(fired) != 2 {
		t.Fatalf("%d firings, want 2: %+v", len(fired), fired)
	}
	if f := fired[0]; f.Status != pipeline.StatusFailed || !strings.Contains(f.Error, "locked by another saaspipe process") || f.exitCode != exitFailure {
		t.Errorf("first firing %+v, want failed naming the lock", f)
	}
	if f := fired[1]; f.Status != pipeline.StatusOK || f.Snapshot != "2026-11-26" || !f.ScheduledAt.Equal(utc("2026-11-26T23:05:00Z")) {
		t.Errorf("retry %+v, want 2026-11-26 published at 23:05", f)
	}
	if h := s.health(); h.Instances[0].Retries != 0 || !h.Instances[0].NextRun.Equal(utc("2026-11-27T00:00:00Z")) {
		t.Errorf("after the retry: %+v, want the daily run next", h.Instances)
	}
}

// fakeConfig is a config whose instances are never extracted: tests of
// the loop alone pass their own runFunc.
func fakeConfig(t *testing.T, schedules ...[2]string) *pipeline.Config {
	cfg := &pipeline.Config{DataDir: t.TempDir(), Path: "test.yaml"}
	for _, s := range schedules {
		cfg.Connectors = append(cfg.Connectors, pipeline.ConnectorConfig{Name: s[0], Type: "okta", Enabled: true, Schedule: s[1]})
	}
	return cfg
}

// TestServeOverrun: runs that take 40 minutes against a 15-minute schedule
// never overlap, and each run is followed by one late firing for the times
// it missed, not one per missed time.
func TestServeOverrun(t *testing.T) {
	log, logs := testLogger(t)
	c := &fakeClock{now: utc("2026-11-28T10:00:00Z")}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls []asked
	running := false
	run := func(ctx context.Context, o pipeline.Options) (*pipeline.Summary, error) {
		if running {
			t.Error("two firings at once")
		}
		if len(calls) == 4 {
			cancel()
			return nil, ctx.Err()
		}
		running = true
		defer func() { running = false }()
		c.Advance(40 * time.Minute)
		sum := &pipeline.Summary{Status: pipeline.StatusOK}
		for _, n := range o.Connectors {
			sum.Connectors = append(sum.Connectors, pipeline.ConnectorSummary{Name: n, Status: pipeline.StatusOK})
		}
		return sum, nil
	}
	s, err := newScheduler(fakeConfig(t, [2]string{"a", "*/15 * * * *"}, [2]string{"b", "hourly"}), log, c.clock(), recordRuns(run, &calls))
	if err != nil {
		t.Fatal(err)
	}
	var fired []firing
	s.fired = func(f firing) { fired = append(fired, f) }
	if err := s.start(false); err != nil {
		t.Fatal(err)
	}
	s.loop(ctx)

	type seen struct {
		at   time.Time
		ran  []string
		late time.Duration
	}
	var got []seen
	for _, f := range fired[:3] {
		got = append(got, seen{f.ScheduledAt, f.Instances, time.Duration(f.LateSeconds * float64(time.Second))})
	}
	want := []seen{
		{utc("2026-11-28T10:00:00Z"), []string{"a", "b"}, 0},
		// 10:15 and 10:30 passed during the first run: one firing for both.
		{utc("2026-11-28T10:15:00Z"), []string{"a"}, 25 * time.Minute},
		// 10:45 and b's 11:00 passed during the second.
		{utc("2026-11-28T10:45:00Z"), []string{"a", "b"}, 35 * time.Minute},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("firings\n%+v\nwant\n%+v", got, want)
	}
	if len(fired) != 4 || fired[3].Status != pipeline.StatusFailed {
		t.Errorf("%d firings; the fourth was cancelled and should be failed: %+v", len(fired), fired)
	}
	if !strings.Contains(logs.String(), `msg="firing is late`) || !strings.Contains(logs.String(), "times_missed=1") {
		t.Errorf("no late firing logged with the times it missed")
	}
	// Cancelled, not failed: no retry is planned.
	for _, e := range s.entries {
		if e.retries != 0 {
			t.Errorf("%s: %d retries planned after a cancellation", e.name, e.retries)
		}
	}
}

// TestServeStopsPromptly: cancelling the context ends the loop at once,
// whether it is sleeping or a firing is running (the firing's context is
// cancelled, as SIGTERM does for run).
func TestServeStopsPromptly(t *testing.T) {
	t.Run("sleeping", func(t *testing.T) {
		log, _ := testLogger(t)
		never := clock{Now: time.Now, After: func(time.Duration) <-chan time.Time { return nil }}
		s, err := newScheduler(fakeConfig(t, [2]string{"a", "weekly"}), log, never, func(context.Context, pipeline.Options) (*pipeline.Summary, error) {
			t.Error("nothing is due, yet a firing ran")
			return nil, errors.New("unexpected")
		})
		if err != nil {
			t.Fatal(err)
		}
		// Published a minute ago: not due.
		s.start(false)
		for _, e := range s.entries {
			e.next = e.sched.Next(time.Now())
		}
		stopsWithin(t, s, func() {}, time.Second)
	})
	t.Run("firing", func(t *testing.T) {
		log, _ := testLogger(t)
		entered := make(chan struct{})
		s, err := newScheduler(fakeConfig(t, [2]string{"a", "daily"}), log, realClock(), func(ctx context.Context, o pipeline.Options) (*pipeline.Summary, error) {
			close(entered)
			<-ctx.Done()
			return &pipeline.Summary{Status: pipeline.StatusFailed}, ctx.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		s.start(false)
		stopsWithin(t, s, func() { <-entered }, time.Second)
		if h := s.health(); h.LastFiring == nil || h.LastFiring.Status != pipeline.StatusFailed || !strings.Contains(h.LastFiring.Error, "context canceled") ||
			h.Instances[0].Retries != 0 {
			t.Errorf("after a cancelled firing: %+v", h)
		}
	})
}

func stopsWithin(t *testing.T, s *scheduler, ready func(), limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.loop(ctx)
		close(done)
	}()
	ready()
	cancel()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("the loop still runs %v after its context was cancelled", limit)
	}
}

func TestServeFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "0.0.0.0:8080"}, `--listen 0.0.0.0:8080: "0.0.0.0" is not a loopback address; the report holds personal data`},
		{[]string{"--listen", ":8080"}, "--listen :8080: no host means every interface"},
		{[]string{"--listen", "[::]:8080"}, `"::" is not a loopback address`},
		{[]string{"--listen", "192.168.1.20:8080"}, `"192.168.1.20" is not a loopback address`},
		{[]string{"--listen", "intranet.example:8080"}, `"intranet.example" is not a loopback address`},
		{[]string{"--listen", "127.0.0.1"}, "want HOST:PORT"},
		{[]string{"--listen", "127.0.0.1:http-alt-nope"}, "bad port"},
		{[]string{"--all"}, "--all only goes with --once"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--once", "--config", "no-such.yaml"}, "no-such.yaml"},
	} {
		code, _, stderr := runCLI(t, nil, append([]string{"serve"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("serve %v: exit %d, stderr %q; want exit 2 saying %q", c.args, code, stderr, c.want)
		}
	}
	for _, ok := range []string{"127.0.0.1:8080", "127.0.0.2:0", "[::1]:8080", "localhost:8080"} {
		if err := checkLoopback(ok); err != nil {
			t.Errorf("checkLoopback(%q) = %v", ok, err)
		}
	}
}

// TestServeCommand drives the command as a user does, on the real clock:
// --once runs what is due (everything, the first time) and exits; a second
// --once finds nothing due; then serve starts, serves the report on an
// ephemeral loopback port, keeps a second serve of the same data directory
// out, and stops when its context is cancelled (SIGINT/SIGTERM in main).
func TestServeCommand(t *testing.T) {
	w := newServeWorld(t, [2]string{"okta-prod", ""})
	today := pipeline.SnapshotID(time.Now())

	code, stdout, stderr := runCLI(t, w.env, "serve", "--once", "--config", w.cfgPath, "--log-format", "json")
	if code != exitOK || !strings.Contains(stdout, today+": okta-prod ok") {
		t.Fatalf("serve --once: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, w.env, "serve", "--once", "--config", w.cfgPath)
	if code != exitOK || !regexp.MustCompile(`nothing is due; next runs:\n.*\n  okta-prod +weekly \(default\) +\d{4}-\d\d-\d\d 00:00 UTC\n`).MatchString(stdout) {
		t.Fatalf("second serve --once: exit %d\n%s\n%s", code, stdout, stderr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", w.cfgPath, "--listen", "127.0.0.1:0", "--log-format", "json"}, &out, &errs)
	}()
	defer func() {
		if t.Failed() {
			t.Logf("serve stdout:\n%s\nstderr:\n%s", out.String(), errs.String())
		}
	}()
	addr := regexp.MustCompile(`report on (http://127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d", code)
		default:
		}
	}
	if base == "" {
		t.Fatal("serve never said where it listens")
	}
	status, body, _ := get(t, base+"/", "")
	if status != http.StatusOK || !strings.Contains(body, "snapshot "+today+"</title>") {
		t.Errorf("GET /: %d, not the report of %s", status, today)
	}
	status, body, _ = get(t, base+"/healthz", "")
	if status != http.StatusOK || !strings.Contains(body, `"snapshot": "`+today+`"`) || !strings.Contains(body, `"last_firing": null`) {
		t.Errorf("GET /healthz: %d\n%s", status, body)
	}
	if code, _, stderr := runCLI(t, w.env, "serve", "--once", "--all", "--config", w.cfgPath); code != exitFailure || !strings.Contains(stderr, "another saaspipe serve uses") {
		t.Errorf("a second serve of the same data: exit %d %s", code, stderr)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve exited %d after cancellation, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	sc := bufio.NewScanner(strings.NewReader(errs.String()))
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			t.Errorf("--log-format json wrote a non-JSON line: %s", sc.Text())
		}
	}
	if !strings.Contains(errs.String(), `"msg":"serve stopped"`) {
		t.Error("serve did not log that it stopped")
	}
}

func TestLatestSnapshot(t *testing.T) {
	dir := t.TempDir()
	if id, err := latestSnapshot(dir); id != "" || err != nil {
		t.Fatalf("empty data directory: %q, %v", id, err)
	}
	for _, id := range []string{"2026-11-21", "2026-11-28", "2026-11-28.r2", "2026-11-28.r10", "2026-11-28.r9", "2026-11-29.tmp"} {
		os.MkdirAll(filepath.Join(dir, "snapshots", id), 0o755)
		if id != "2026-11-29.tmp" {
			os.WriteFile(filepath.Join(dir, "snapshots", id, "manifest.json"), []byte("{}"), 0o644)
		}
	}
	if id, err := latestSnapshot(dir); id != "2026-11-28.r10" || err != nil {
		t.Errorf("latestSnapshot = %q, %v; want revision 10 of the latest date", id, err)
	}
}
