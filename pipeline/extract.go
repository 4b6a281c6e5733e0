package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/internal/crashpoint"
)

// Options drive one invocation of a stage.
type Options struct {
	Config       *Config
	Types        []extract.Type
	SnapshotDate time.Time
	// Connectors restricts extract to these instance names (all enabled
	// instances when empty).
	Connectors []string
	Logger     *slog.Logger
	// Transport replaces the network transport under the HTTP layer (tests).
	Transport http.RoundTripper
	Now       func() time.Time
	// ToolVersion goes into manifests and summaries.
	ToolVersion string
	// Replace and Reason publish a new revision of a sealed snapshot.
	Replace bool
	Reason  string
	// Progress, when set, follows extraction live (a terminal display).
	Progress Progress
	// BeforeExtract, when set, is called with an instance's name before
	// the instance is extracted; an error fails that instance, as any
	// error of its own would. The demo waits there for a simulated vendor
	// still starting.
	BeforeExtract func(ctx context.Context, connector string) error

	// folder is the staging folder extract writes to: the snapshot date,
	// or DATE.rN when re-extracting for revision N (set by Extract).
	folder string
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (o *Options) layout() Layout { return Layout{Root: o.Config.DataDir} }

func (o *Options) snapshotID() string { return SnapshotID(o.SnapshotDate) }

// stagingFolder is where extract stages this run's files and run records.
func (o *Options) stagingFolder() string {
	if o.folder != "" {
		return o.folder
	}
	return o.snapshotID()
}

func (o *Options) typeOf(name string) (extract.Type, bool) {
	for _, t := range o.Types {
		if t.Name == name {
			return t, true
		}
	}
	return extract.Type{}, false
}

// RunRecord is what extract leaves beside a connector instance's staged files
// (staging/<snapshot>/<connector>/_run.json); transform trusts staged files
// only of records with Status "ok".
type RunRecord struct {
	// RunID tells attempts apart even when Options.Now is pinned.
	RunID    string `json:"run_id"`
	Snapshot string `json:"snapshot"`
	// Folder is the staging folder of a replacement's re-extract (DATE.rN);
	// empty for the folder named after the snapshot date.
	Folder     string               `json:"folder,omitempty"`
	Connector  string               `json:"connector"`
	Type       string               `json:"connector_type"`
	Tenant     string               `json:"tenant"`
	Status     string               `json:"status"` // ok | failed
	StartedAt  time.Time            `json:"started_at"`
	FinishedAt time.Time            `json:"finished_at"`
	Entities   map[string]EntityRun `json:"entities"`
	Requests   int64                `json:"requests"`
	Throttled  int64                `json:"throttled"`
	Retries    int64                `json:"retries"`
	Refreshes  int64                `json:"token_refreshes"`
	WaitSecs   float64              `json:"rate_limit_wait_seconds"`
	Error      string               `json:"error,omitempty"`
	// Metrics are vendor-reported figures (last value per name).
	Metrics map[string]string `json:"metrics,omitempty"`
	// Capabilities are what the connector reported of its tenant.
	Capabilities map[string]extract.CapabilityState `json:"capabilities,omitempty"`
	// Seconds is measured on the monotonic clock, independent of Options.Now.
	Seconds float64 `json:"seconds"`
}

// EntityRun is one entity of a RunRecord.
type EntityRun struct {
	Rows     int64   `json:"rows"`
	File     string  `json:"file,omitempty"` // relative to the data directory
	Seconds  float64 `json:"seconds"`
	Complete bool    `json:"complete"`
}

// Extract runs every selected enabled connector instance concurrently (at
// most Config.Concurrency at once). It returns one RunRecord per instance;
// the error is non-nil only for problems outside any connector (lock, disk).
func Extract(ctx context.Context, o Options) ([]RunRecord, error) {
	instances, err := o.selected()
	if err != nil {
		return nil, err
	}
	if o.Replace {
		// Re-extracting a sealed date stages into the folder of the next
		// revision: the sealed revision's evidence is never written again.
		if err := o.replacementReason(); err != nil {
			return nil, err
		}
		revs, err := readRevisions(o.layout())
		if err != nil {
			return nil, err
		}
		_, o.folder = o.target(revs)
	}
	records := make([]RunRecord, len(instances))
	p := pool.New().WithMaxGoroutines(max(1, o.Config.Concurrency))
	for i, inst := range instances {
		p.Go(func() {
			records[i] = extractOne(ctx, o, inst)
		})
	}
	p.Wait()
	if err := ctx.Err(); err != nil {
		return records, err
	}
	return records, nil
}

func (o *Options) selected() ([]extract.Instance, error) {
	all := o.Config.Instances()
	if len(o.Connectors) == 0 {
		return all, nil
	}
	var out []extract.Instance
	for _, name := range o.Connectors {
		i := slices.IndexFunc(all, func(in extract.Instance) bool { return in.Name == name })
		if i < 0 {
			return nil, &UsageError{Msg: fmt.Sprintf("--connector %s: no enabled connector instance of that name in %s", name, o.Config.Path)}
		}
		out = append(out, all[i])
	}
	return out, nil
}

// UsageError is a mistake in how saaspipe was called (exit code 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// extractOne runs one instance: lock, build, every entity, run record,
// cursors. It never panics and never returns an error: failures land in the
// record, so that no connector can stop another.
func extractOne(ctx context.Context, o Options, inst extract.Instance) (rec RunRecord) {
	l := o.layout()
	snap := o.snapshotID()
	folder := o.stagingFolder()
	log := o.logger().With("connector", inst.Name, "type", inst.Type)
	stats := &httpx.Stats{}
	wall := time.Now()
	var prog ConnectorProgress = noProgress{}
	if o.Progress != nil {
		prog = o.Progress.Connector(inst.Name, inst.Type)
	}
	rec = RunRecord{RunID: fmt.Sprintf("%x-%d", wall.UnixNano(), os.Getpid()), Snapshot: snap, Connector: inst.Name, Type: inst.Type, Status: "failed",
		StartedAt: o.now().UTC(), Entities: map[string]EntityRun{}}
	if folder != snap {
		rec.Folder = folder
	}
	// The record is written while the instance lock is held: a run that
	// did not get the lock leaves the running one's record alone, and the
	// next run cannot start between this run's files and its record.
	lock, err := AcquireLock(l, "extract-"+inst.Name)
	if err != nil {
		rec.Error = err.Error()
		rec.FinishedAt = o.now().UTC()
		log.Error("connector not started", "error", rec.Error)
		prog.Done(err)
		return rec
	}
	defer func() {
		defer lock.Release()
		if p := recover(); p != nil {
			rec.Status = "failed"
			rec.Error = fmt.Sprintf("panic: %v", p)
			log.Error("connector panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
		rec.FinishedAt = o.now().UTC()
		rec.Seconds = time.Since(wall).Seconds()
		rec.Requests, rec.Throttled = stats.Requests.Load(), stats.Throttled.Load()
		rec.Retries, rec.Refreshes = stats.Retries.Load(), stats.Refreshes.Load()
		rec.WaitSecs = time.Duration(stats.WaitNanos.Load()).Seconds()
		if err := writeJSONAtomic(l.RunRecord(folder, inst.Name), rec); err != nil {
			rec.Status, rec.Error = "failed", err.Error()
		}
		level := slog.LevelInfo
		if rec.Status != "ok" {
			level = slog.LevelError
			prog.Done(errors.New(rec.Error))
		} else {
			prog.Done(nil)
		}
		log.Log(ctx, level, "connector finished", "status", rec.Status, "seconds", rec.Seconds,
			"requests", rec.Requests, "throttled", rec.Throttled, "retries", rec.Retries, "error", rec.Error)
	}()

	// A previous attempt's record must not vouch for this attempt's files.
	os.Remove(l.RunRecord(folder, inst.Name))
	// Temporary files of a crashed attempt of this instance; other
	// instances' directories belong to their own (possibly running) tasks.
	if err := stage.CleanTemp(filepath.Dir(l.RunRecord(folder, inst.Name))); err != nil {
		rec.Error = fmt.Sprintf("cleaning temporary staged files: %v", err)
		return rec
	}

	if o.BeforeExtract != nil {
		if err := o.BeforeExtract(ctx, inst.Name); err != nil {
			rec.Error = fmt.Sprintf("%s: %v", inst.Name, err)
			return rec
		}
	}
	typ, ok := o.typeOf(inst.Type)
	if !ok {
		rec.Error = fmt.Sprintf("unknown connector type %q", inst.Type)
		return rec
	}
	env := o.env(inst, stats, log)
	var capMu sync.Mutex
	env.Capability = func(name string, available bool, reason string) {
		capMu.Lock()
		defer capMu.Unlock()
		if rec.Capabilities == nil {
			rec.Capabilities = map[string]extract.CapabilityState{}
		}
		rec.Capabilities[name] = extract.CapabilityState{Available: available, Reason: reason}
		log.Info("capability", "capability", name, "available", available, "reason", reason)
	}
	env.Metric = func(name, value string) {
		capMu.Lock()
		defer capMu.Unlock()
		if rec.Metrics == nil {
			rec.Metrics = map[string]string{}
		}
		rec.Metrics[name] = value
	}
	conn, err := typ.New(inst, env)
	if err != nil {
		rec.Error = fmt.Sprintf("configuring %s: %v", inst.Name, err)
		return rec
	}
	rec.Tenant = conn.Tenant()
	cursors, err := loadCursors(l, inst.Name)
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	type advance struct{ entity, from, to string }
	var moves []advance
	log.Info("connector started", "tenant", rec.Tenant)
	var total int64
	for _, ent := range conn.Entities() {
		from := ""
		if ent.Incremental {
			from = cursors.from(ent.Name, snap)
		}
		sink := &countingSink{p: prog, stats: stats, entity: ent.Name, base: total}
		er, to, err := extractEntity(ctx, o, inst, rec.Tenant, ent, from, sink, log)
		rec.Entities[ent.Name] = er
		total += er.Rows
		sink.report()
		if err != nil {
			rec.Error = fmt.Sprintf("%s %s: %v", inst.Name, ent.Name, err)
			return rec
		}
		if ent.Incremental {
			moves = append(moves, advance{ent.Name, from, to})
		}
	}
	crashpoint.Hit("extract:before-cursors")
	// Cursors move only now, after every staged file of the run is in
	// place: a run that fails part-way leaves them where they were.
	for _, m := range moves {
		cursors.advance(m.entity, snap, m.from, m.to)
	}
	if len(moves) > 0 {
		if err := writeJSONAtomic(l.State(inst.Name), cursors); err != nil {
			rec.Error = err.Error()
			return rec
		}
	}
	rec.Status = "ok"
	return rec
}

func extractEntity(ctx context.Context, o Options, inst extract.Instance, tenant string, ent extract.Entity, from string, sink *countingSink, log *slog.Logger) (EntityRun, string, error) {
	l := o.layout()
	start := time.Now()
	w, err := stage.Create(l.Staging(), stage.Envelope{
		SnapshotID: o.snapshotID(), Connector: inst.Name, ConnectorType: inst.Type, Tenant: tenant, Entity: ent.Name,
		Folder: o.stagingFolder(),
	}, o.Now)
	if err != nil {
		return EntityRun{}, "", err
	}
	log.Info("entity started", "entity", ent.Name)
	// Credential and recovery fields the type declares are removed here,
	// before anything is written: staged payloads are as received minus
	// those fields.
	sink.next = stage.Redacting(w, o.redactions(inst.Type, ent.Name))
	to, err := ent.Fetch(ctx, from, sink)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	er := EntityRun{Rows: w.Rows(), Seconds: time.Since(start).Seconds()}
	if err != nil {
		w.Abort()
		log.Error("entity failed", "entity", ent.Name, "rows", er.Rows, "seconds", er.Seconds, "error", err.Error())
		return er, "", err
	}
	path, err := w.Commit()
	if err != nil {
		return er, "", err
	}
	crashpoint.Hit("extract:committed:" + ent.Name)
	rel, _ := filepath.Rel(l.Root, path)
	er.File, er.Complete = rel, true
	log.Info("entity finished", "entity", ent.Name, "rows", er.Rows, "seconds", er.Seconds)
	return er, to, nil
}

// redactions are the payload paths the type declares as credentials for
// entity (extract.EntitySpec.Redact).
func (o *Options) redactions(typ, entity string) []string {
	t, _ := o.typeOf(typ)
	for _, e := range t.Entities {
		if e.Name == entity {
			return e.Redact
		}
	}
	return nil
}

// env is what an instance gets from the pipeline: its HTTP layer is built
// with the instance's own limits and counted into its stats.
func (o *Options) env(inst extract.Instance, stats *httpx.Stats, log *slog.Logger) extract.Env {
	s := inst.Settings
	return extract.Env{
		Logger: log,
		Now:    o.now,
		HTTP: func(h httpx.Options) *http.Client {
			h.Stats = stats
			h.Logger = log
			if h.Transport == nil {
				h.Transport = o.Transport
			}
			if v, ok := s["max_retries"]; ok && v != nil {
				h.MaxRetries = s.Int("max_retries")
			}
			if d := s.Duration("request_timeout"); d > 0 {
				h.Timeout = d
			}
			if r := s.Float("requests_per_second"); r > 0 {
				h.RequestsPerSecond = r
			}
			if h.MaxResponseBytes == 0 {
				h.MaxResponseBytes = 256 << 20
			}
			return httpx.New(h)
		},
	}
}

// readRunRecord loads a connector's run record for a snapshot.
func readRunRecord(l Layout, snapshot, connector string) (RunRecord, error) {
	var r RunRecord
	err := readJSON(l.RunRecord(snapshot, connector), &r)
	if errors.Is(err, os.ErrNotExist) {
		return r, err
	}
	return r, err
}
