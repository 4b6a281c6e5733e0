package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

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
// is missing is carried forward from its last good snapshot and marked stale.
func gatherInputs(o Options) ([]connectorInput, error) {
	l := o.layout()
	snap := o.snapshotID()
	var out []connectorInput
	for _, inst := range o.Config.Instances() {
		ci := connectorInput{}
		rec, err := readRunRecord(l, snap, inst.Name)
		switch {
		case err == nil:
			ci.latest = rec
		case errors.Is(err, os.ErrNotExist):
			ci.latest = RunRecord{Snapshot: snap, Connector: inst.Name, Type: inst.Type, Status: StatusFailed,
				Error: "not extracted for this snapshot"}
		default:
			return nil, err
		}
		if ci.latest.Status == StatusOK {
			ci.run = ci.latest
		} else if prev, ok, err := lastGoodRun(l, snap, inst.Name); err != nil {
			return nil, err
		} else if ok {
			ci.run, ci.stale = prev, true
		}
		for _, name := range sortedKeys(ci.run.Entities) {
			e := ci.run.Entities[name]
			if !e.Complete || e.File == "" {
				continue
			}
			ci.files = append(ci.files, transform.StagedFile{
				Path: filepath.Join(l.Root, e.File), Connector: ci.run.Connector, ConnectorType: ci.run.Type,
				Tenant: ci.run.Tenant, Entity: name, Rows: e.Rows,
			})
		}
		out = append(out, ci)
	}
	return out, nil
}

// lastGoodRun finds the newest snapshot before snap in which connector ran ok.
func lastGoodRun(l Layout, snap, connector string) (RunRecord, bool, error) {
	entries, err := os.ReadDir(l.Staging())
	if errors.Is(err, os.ErrNotExist) {
		return RunRecord{}, false, nil
	}
	if err != nil {
		return RunRecord{}, false, err
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && e.Name() < snap {
			ids = append(ids, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	for _, id := range ids {
		rec, err := readRunRecord(l, id, connector)
		if err == nil && rec.Status == StatusOK {
			return rec, true, nil
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

// Publish runs transform and load for the snapshot: it builds every dataset
// from the chosen staged files in DuckDB and publishes them atomically. A
// sealed snapshot is left alone (StatusAlreadyPublished) unless o.Replace.
func Publish(ctx context.Context, o Options, sum *Summary) error {
	l := o.layout()
	log := o.logger()
	snap := o.snapshotID()
	lock, err := AcquireLock(l, "publish")
	if err != nil {
		return err
	}
	defer lock.Release()

	sealed, err := load.Published(l.Root, snap)
	if err != nil {
		return err
	}
	if sealed && !o.Replace {
		sum.Status = StatusAlreadyPublished
		log.Info("snapshot already published; nothing to do (use --replace --reason to publish a new revision)", "snapshot", snap)
		return nil
	}
	if sealed {
		return &UsageError{Msg: "--replace is not available yet: snapshot " + snap + " is sealed"}
	}

	inputs, err := gatherInputs(o)
	if err != nil {
		return fmt.Errorf("choosing staged inputs: %w", err)
	}
	in := transform.Input{SnapshotID: snap, SnapshotDate: o.SnapshotDate, ActivityThresholdDays: o.Config.ActivityThresholdDays}
	for _, t := range o.Types {
		in.Types = append(in.Types, transform.TypeInfo{Name: t.Name, Vendor: t.Vendor, Product: t.Product, Capabilities: t.Capabilities})
	}
	sum.Connectors = nil
	stale := 0
	for _, ci := range inputs {
		cs := connectorSummary(ci.latest)
		run := transform.ConnectorRun{Connector: ci.latest.Connector, ConnectorType: ci.latest.Type,
			Tenant: ci.run.Tenant, Status: ci.latest.Status, Rows: map[string]int64{},
			Requests: ci.latest.Requests, Throttled: ci.latest.Throttled, Retries: ci.latest.Retries,
			Duration: time.Duration(ci.latest.Seconds * float64(time.Second)), Error: ci.latest.Error}
		if ci.run.Connector != "" {
			run.DataAsOf = ci.run.StartedAt
			t := ci.run.StartedAt
			cs.DataAsOf = &t
		}
		if ci.stale {
			run.Status, run.Stale, cs.Status = "stale", true, "stale"
		}
		if ci.latest.Status != StatusOK {
			stale++
		}
		for _, f := range ci.files {
			run.Rows[f.Entity] = f.Rows
		}
		in.Staged = append(in.Staged, ci.files...)
		in.Runs = append(in.Runs, run)
		sum.Connectors = append(sum.Connectors, cs)
	}

	work := l.Work(snap)
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(work)
	start := time.Now()
	db, err := transform.Open(ctx, work)
	if err != nil {
		return fmt.Errorf("opening DuckDB: %w", err)
	}
	defer db.Close()
	rows, err := db.Run(ctx, in)
	if err != nil {
		return fmt.Errorf("transforming snapshot %s: %w", snap, err)
	}
	log.Info("transform finished", "seconds", time.Since(start).Seconds(), "datasets", len(rows))
	start = time.Now()
	m, err := load.Publish(ctx, db.SQL(), load.Options{
		DataDir: l.Root, SnapshotID: snap, SnapshotDate: o.SnapshotDate,
		Datasets: transform.Datasets, Staged: in.Staged, Runs: in.Runs,
		ToolVersion: o.ToolVersion, ConfigFingerprint: o.Config.Fingerprint(o.Types),
	})
	if err != nil {
		return fmt.Errorf("publishing snapshot %s: %w", snap, err)
	}
	log.Info("publish finished", "seconds", time.Since(start).Seconds(), "files", len(m.Files))
	sum.Datasets = rows
	sum.Manifest = filepath.Join(l.Snapshots(), snap, "manifest.json")
	sum.Status = StatusOK
	if stale > 0 {
		sum.Status = StatusPartial
	}
	return nil
}
