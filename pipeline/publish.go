package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/saaspipe/saaspipe/internal/crashpoint"
	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/transform"
)

// connectorInput is what transform gets from one connector instance: the
// staged files of this snapshot's successful run, or of its last good
// snapshot (stale), or nothing.
type connectorInput struct {
	run    RunRecord // the run whose files are used (zero when none)
	latest RunRecord // this snapshot's run record (may be failed or absent)
	stale  bool
	files  []transform.StagedFile
}

// gatherInputs picks, for every enabled instance, the staged files the
// snapshot is built from. A connector whose run for this snapshot failed or
// is missing is carried forward from its last good snapshot and marked
// stale. For a replacement revision, a connector the replacement
// re-extracted uses its new files; one it did not keeps the evidence of the
// revision being replaced; one whose re-extract failed keeps that evidence
// too, marked stale.
func gatherInputs(o Options) ([]connectorInput, int, error) {
	l := o.layout()
	snap := o.snapshotID()
	revs, err := readRevisions(l)
	if err != nil {
		return nil, 0, err
	}
	ix, err := readStagingIndex(l)
	if err != nil {
		return nil, 0, err
	}
	rev, _ := o.target(revs)
	var out []connectorInput
	for _, inst := range o.Config.Instances() {
		ci := connectorInput{}
		latest, good, err := ix.records(l, snap, rev, inst.Name)
		if err != nil {
			return nil, 0, err
		}
		switch {
		case latest == nil:
			ci.latest = RunRecord{Snapshot: snap, Connector: inst.Name, Type: inst.Type, Status: StatusFailed,
				Error: "not extracted for this snapshot"}
		default:
			ci.latest = *latest
		}
		switch {
		case good != nil && good.RunID == ci.latest.RunID:
			ci.run = *good
		case good != nil:
			ci.run, ci.stale = *good, true
		default:
			prev, ok, err := lastGoodRun(l, ix, revs, snap, inst.Name)
			if err != nil {
				return nil, 0, err
			}
			if ok {
				ci.run, ci.stale = prev, true
			}
		}
		ci.files = stagedFiles(l, ci.run, nil)
		// Incremental entities hold only what is new since the last run:
		// add what earlier snapshots staged inside the activity window, so
		// "active in the last N days" sees N days (sql/README.md, "Activity
		// windows").
		history, err := windowRuns(l, ix, revs, snap, inst.Name, o.SnapshotDate.AddDate(0, 0, -o.threshold()))
		if err != nil {
			return nil, 0, err
		}
		incremental := o.incremental(inst.Type)
		for _, h := range history {
			if h.Snapshot != ci.run.Snapshot {
				ci.files = append(ci.files, stagedFiles(l, h, incremental)...)
			}
		}
		out = append(out, ci)
	}
	return out, rev, nil
}

// stagedFiles lists a run's complete staged files, all of them or only the
// entities named in only.
func stagedFiles(l Layout, run RunRecord, only map[string]bool) []transform.StagedFile {
	var out []transform.StagedFile
	for _, name := range sortedKeys(run.Entities) {
		e := run.Entities[name]
		if !e.Complete || e.File == "" || only != nil && !only[name] {
			continue
		}
		out = append(out, transform.StagedFile{
			Path: filepath.Join(l.Root, e.File), Connector: run.Connector, ConnectorType: run.Type,
			Tenant: run.Tenant, Entity: name, Rows: e.Rows,
		})
	}
	return out
}

// windowRuns returns the connector's good runs of the dates in [since,
// snap), each as its current revision holds it.
func windowRuns(l Layout, ix stagingIndex, revs revisions, snap, connector string, since time.Time) ([]RunRecord, error) {
	first := SnapshotID(since)
	var out []RunRecord
	for _, d := range ix.dates() {
		if d >= snap || d < first {
			continue
		}
		_, good, err := ix.records(l, d, revs.readable(d), connector)
		if err != nil {
			return nil, err
		}
		if good != nil {
			out = append(out, *good)
		}
	}
	return out, nil
}

func (o *Options) threshold() int {
	if o.Config.ActivityThresholdDays > 0 {
		return o.Config.ActivityThresholdDays
	}
	return transform.DefaultActivityThresholdDays
}

// incremental names the incremental entities of a connector type.
func (o *Options) incremental(typeName string) map[string]bool {
	out := map[string]bool{}
	if t, ok := o.typeOf(typeName); ok {
		for _, e := range t.Entities {
			if e.Incremental {
				out[e.Name] = true
			}
		}
	}
	return out
}

// lastGoodRun finds the newest date before snap whose current revision
// holds a good run of connector.
func lastGoodRun(l Layout, ix stagingIndex, revs revisions, snap, connector string) (RunRecord, bool, error) {
	dates := ix.dates()
	for i := len(dates) - 1; i >= 0; i-- {
		d := dates[i]
		if d >= snap {
			continue
		}
		_, good, err := ix.records(l, d, revs.readable(d), connector)
		if err != nil {
			return RunRecord{}, false, err
		}
		if good != nil {
			return *good, true, nil
		}
	}
	return RunRecord{}, false, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// transformState is what the transform stage leaves in work/<snapshot>/
// beside its dataset files (datasets/) for the load stage, which may run
// in another process.
type transformState struct {
	Snapshot string `json:"snapshot"`
	// Revision is the revision of the snapshot the transform was built
	// for: a publish in between invalidates it.
	Revision   int                      `json:"revision"`
	Staged     []transform.StagedFile   `json:"staged"`
	Runs       []transform.ConnectorRun `json:"runs"`
	Connectors []ConnectorSummary       `json:"connectors"`
	Datasets   map[string]int64         `json:"datasets"`
	// RunStamps pins the run records the transform read: a re-extract
	// between transform and load invalidates the transform.
	RunStamps   map[string]string `json:"run_stamps"`
	Fingerprint string            `json:"config_fingerprint"`
	// Input is the transform's whole input, which load stores with the
	// snapshot (inputs.json) for a rebuild.
	Input transform.Input `json:"input"`
}

const (
	workDatasets = "datasets"
	workState    = "transform.json"
)

// checkSealed answers whether the snapshot is already published; sealed and
// not replacing means there is nothing to do.
func checkSealed(o Options, sum *Summary) (bool, error) {
	sealed, err := load.Published(o.layout().Root, o.snapshotID())
	if err != nil {
		return false, err
	}
	if sealed && !o.Replace {
		sum.Status = StatusAlreadyPublished
		o.logger().Info("snapshot already published; nothing to do", "snapshot", o.snapshotID())
		return true, nil
	}
	return false, o.replacementReason()
}

// Transform builds every dataset of the snapshot from the chosen staged
// files, as Parquet files under work/<snapshot>/datasets/.
func Transform(ctx context.Context, o Options, sum *Summary) error {
	l := o.layout()
	lock, err := AcquireLock(l, "publish")
	if err != nil {
		return err
	}
	defer lock.Release()
	if done, err := checkSealed(o, sum); done || err != nil {
		return err
	}
	return transformLocked(ctx, o, sum)
}

func transformLocked(ctx context.Context, o Options, sum *Summary) error {
	l := o.layout()
	snap := o.snapshotID()
	inputs, rev, err := gatherInputs(o)
	if err != nil {
		return fmt.Errorf("choosing staged inputs: %w", err)
	}
	st := transformState{Snapshot: snap, Revision: rev, RunStamps: map[string]string{}, Fingerprint: o.Config.Fingerprint(o.Types)}
	in := transform.Input{SnapshotID: snap, SnapshotDate: o.SnapshotDate, ActivityThresholdDays: o.Config.ActivityThresholdDays,
		OrgSourcePriority: o.Config.OrgSourcePriority, Identity: o.Config.Identity, Prices: o.Config.Prices,
		SubscriptionThresholds: o.Config.SubscriptionThresholds}
	for _, t := range o.Types {
		in.Types = append(in.Types, transform.TypeInfo{Name: t.Name, Vendor: t.Vendor, Product: t.Product, Capabilities: t.Capabilities})
	}
	for _, ci := range inputs {
		cs := connectorSummary(ci.latest)
		run := transform.ConnectorRun{Connector: ci.latest.Connector, ConnectorType: ci.latest.Type,
			Tenant: ci.run.Tenant, Status: ci.latest.Status, Rows: map[string]int64{},
			Requests: ci.latest.Requests, Throttled: ci.latest.Throttled, Retries: ci.latest.Retries,
			Duration: time.Duration(ci.latest.Seconds * float64(time.Second)), Error: ci.latest.Error,
			Capabilities: ci.run.Capabilities}
		if ci.run.Connector != "" {
			run.DataAsOf = ci.run.StartedAt
			t := ci.run.StartedAt
			cs.DataAsOf = &t
		}
		if ci.stale {
			run.Status, run.Stale, cs.Status = "stale", true, "stale"
		}
		for _, f := range stagedFiles(l, ci.run, nil) {
			run.Rows[f.Entity] = f.Rows
		}
		st.RunStamps[ci.latest.Connector] = ci.latest.RunID
		in.Staged = append(in.Staged, ci.files...)
		in.Runs = append(in.Runs, run)
		st.Connectors = append(st.Connectors, cs)
	}
	st.Staged, st.Runs = in.Staged, in.Runs
	st.Input = in
	sum.Connectors = st.Connectors

	work := l.Work(snap)
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	start := time.Now()
	db, err := transform.Open(ctx, work)
	if err != nil {
		return fmt.Errorf("opening DuckDB: %w", err)
	}
	db.DiscardIntermediates()
	db.WriteDatasetsTo(filepath.Join(work, workDatasets))
	rows, err := db.Run(ctx, in)
	for _, s := range db.Steps() {
		o.logger().Debug("transform step", "step", s.Name, "start_seconds", s.Start.Seconds(), "seconds", s.Duration.Seconds(), "cpu_seconds", s.CPU.Seconds())
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing DuckDB: %w", cerr)
	}
	if err != nil {
		os.RemoveAll(work)
		return fmt.Errorf("transforming snapshot %s: %w", snap, err)
	}
	st.Datasets = rows
	sum.Datasets = rows
	crashpoint.Hit("transform:built")
	// The state file is written last: its presence means the dataset files
	// are complete.
	if err := writeJSONAtomic(filepath.Join(work, workState), st); err != nil {
		return err
	}
	o.logger().Info("transform finished", "seconds", time.Since(start).Seconds(), "datasets", len(rows))
	sum.Status = statusOf(st.Connectors)
	return nil
}

// statusOf is ok when every connector ran ok for this snapshot, else partial.
func statusOf(cs []ConnectorSummary) string {
	for _, c := range cs {
		if c.Status != StatusOK {
			return StatusPartial
		}
	}
	return StatusOK
}

// LoadStage publishes what Transform built for the snapshot: Parquet per
// dataset, the manifest, the catalog.
func LoadStage(ctx context.Context, o Options, sum *Summary) error {
	l := o.layout()
	lock, err := AcquireLock(l, "publish")
	if err != nil {
		return err
	}
	defer lock.Release()
	if done, err := checkSealed(o, sum); done || err != nil {
		return err
	}
	return loadLocked(ctx, o, sum)
}

func loadLocked(ctx context.Context, o Options, sum *Summary) error {
	l := o.layout()
	snap := o.snapshotID()
	work := l.Work(snap)
	var st transformState
	if err := readJSON(filepath.Join(work, workState), &st); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return &UsageError{Msg: "nothing transformed for snapshot " + snap + ": run 'saaspipe transform' for it first"}
		}
		return err
	}
	revs, err := readRevisions(l)
	if err != nil {
		return err
	}
	ix, err := readStagingIndex(l)
	if err != nil {
		return err
	}
	rev, _ := o.target(revs)
	if st.Revision != 0 && st.Revision != rev {
		return fmt.Errorf("the transform in %s was built for revision %d of %s, but publishing now makes revision %d: run 'saaspipe transform' again", work, st.Revision, snap, rev)
	}
	for name, stamp := range st.RunStamps {
		latest, _, err := ix.records(l, snap, rev, name)
		if err != nil {
			return err
		}
		if latest != nil && latest.RunID != stamp || latest == nil && stamp != "" {
			return fmt.Errorf("connector %s was extracted again after the transform of %s: run 'saaspipe transform' again", name, snap)
		}
	}
	sum.Connectors = st.Connectors
	start := time.Now()
	db, err := transform.Open(ctx, work)
	if err != nil {
		return fmt.Errorf("opening DuckDB: %w", err)
	}
	defer db.Close()
	m, err := load.Publish(ctx, db.SQL(), load.Options{
		DataDir: l.Root, SnapshotID: snap, SnapshotDate: o.SnapshotDate,
		Datasets: transform.Datasets, Staged: st.Staged, Runs: st.Runs,
		ToolVersion: o.ToolVersion, ConfigFingerprint: st.Fingerprint,
		Input: st.Input, Replace: o.Replace, Reason: o.Reason, Actor: load.CurrentActor(),
		DatasetDir: filepath.Join(work, workDatasets),
	})
	if err != nil {
		return fmt.Errorf("publishing snapshot %s: %w", snap, err)
	}
	db.Close()
	os.RemoveAll(work)
	o.logger().Info("publish finished", "snapshot", m.SnapshotID, "revision", m.Revision, "seconds", time.Since(start).Seconds(), "files", len(m.Files))
	sum.Datasets = st.Datasets
	sum.Manifest = filepath.Join(l.Snapshots(), m.SnapshotID, "manifest.json")
	sum.Status = statusOf(st.Connectors)
	return nil
}

// Publish runs transform then load under one lock.
func Publish(ctx context.Context, o Options, sum *Summary) error {
	lock, err := AcquireLock(o.layout(), "publish")
	if err != nil {
		return err
	}
	defer lock.Release()
	if done, err := checkSealed(o, sum); done || err != nil {
		return err
	}
	if err := transformLocked(ctx, o, sum); err != nil {
		return err
	}
	return loadLocked(ctx, o, sum)
}
