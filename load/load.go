package load

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/internal/crashpoint"
	"github.com/saaspipe/saaspipe/transform"
)

// Options describe one snapshot to publish.
type Options struct {
	DataDir string
	// SnapshotID is the id the transform was given: the date. A
	// replacement is published as RevisionID(date, n).
	SnapshotID        string
	SnapshotDate      time.Time // a UTC day; the partition value
	Datasets          []transform.Dataset
	Staged            []transform.StagedFile
	Runs              []transform.ConnectorRun
	ToolVersion       string
	ConfigFingerprint string
	// Input is what the transform read. It is stored whole as inputs.json
	// (staged paths relative to DataDir) so that the snapshot can be
	// rebuilt from its evidence; its Staged and Runs default to the ones
	// above.
	Input transform.Input
	// Replace publishes a new revision of a sealed date; Reason and Actor
	// are recorded in its manifest.
	Replace bool
	Reason  string
	Actor   Actor
	// DatasetDir, when set, holds the datasets as transform.DB.WriteDatasetsTo
	// wrote them (transform.DatasetFile); Publish copies those files byte
	// for byte, and db reads them through views named after the datasets.
	// When empty, db holds the dataset tables and Publish writes them.
	DatasetDir string
	// Now stamps the manifest (time.Now when nil); published rows never
	// see it.
	Now func() time.Time
}

var (
	// ErrSealed: the snapshot (or another snapshot of the same date) already
	// has a manifest; its files are never rewritten.
	ErrSealed = errors.New("snapshot is sealed")
	// ErrOutOfOrder: a later snapshot is already sealed. History datasets
	// fold snapshots in date order, so a new date cannot go before one
	// already published (a replacement of an existing date can).
	ErrOutOfOrder = errors.New("a later snapshot is already sealed")
)

const (
	publishedDir = "published"
	tempPrefix   = ".publish-"
	catalogName  = "saaspipe.duckdb"
	partFile     = "part-0.parquet"
	inputsName   = "inputs.json"
)

// partName is the file of a revision in its date's partition: revisions
// share the partition (readers filter through the catalog or a manifest),
// so each has its own name and none is ever rewritten.
func partName(rev int) string {
	if rev <= 1 {
		return partFile
	}
	return fmt.Sprintf("part-0.r%d.parquet", rev)
}

var (
	datasetNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	revisionFile  = regexp.MustCompile(`^part-0\.r[0-9]+\.parquet$`)
)

// failpoint lets tests stop a publish after a named step; nil in
// production.
var failpoint func(step string) error

func hit(step string) error {
	crashpoint.Hit("load:" + step)
	if failpoint == nil {
		return nil
	}
	return failpoint(step)
}

func partitionDir(dataDir, dataset, day string) string {
	return filepath.Join(dataDir, publishedDir, dataset, "snapshot_date="+day)
}

// Publish writes every dataset table of db, and the history datasets folded
// from the previous snapshot, as a new sealed snapshot revision, chains its
// manifest and rebuilds the catalog. A failure at any point leaves the
// previously sealed snapshots and their catalog as they were; the next
// Publish removes what the failed one left.
func Publish(ctx context.Context, db *sql.DB, o Options) (*Manifest, error) {
	if err := checkSnapshotID(o.SnapshotID); err != nil {
		return nil, err
	}
	if o.SnapshotDate.IsZero() {
		return nil, errors.New("publishing: snapshot date is zero")
	}
	for _, ds := range append(slices.Clone(o.Datasets), HistoryDatasets...) {
		if !datasetNameRE.MatchString(ds.Name) || len(ds.Key) == 0 {
			return nil, fmt.Errorf("publishing: dataset %q needs a lowercase identifier name and a key", ds.Name)
		}
	}
	day := o.SnapshotDate.UTC().Format(time.DateOnly)
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if err := os.MkdirAll(o.DataDir, stage.DirMode); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}

	chain, err := readChain(o.DataDir)
	if err != nil {
		return nil, err
	}
	var sealed []*Manifest
	var replaced *Manifest // current revision of day
	for _, r := range chain {
		if r.Err != nil {
			return nil, fmt.Errorf("decoding %s: %w", r.Path, r.Err)
		}
		if r.Manifest == nil {
			continue
		}
		m := r.Manifest
		m.Revision = max(m.Revision, 1)
		sealed = append(sealed, m)
		if m.SnapshotDate == day && (replaced == nil || m.Revision > replaced.Revision) {
			replaced = m
		}
	}
	rev := 1
	switch {
	case replaced != nil && !o.Replace && replaced.SnapshotID == o.SnapshotID:
		return nil, fmt.Errorf("publishing snapshot %s: %w", o.SnapshotID, ErrSealed)
	case replaced != nil && !o.Replace:
		return nil, fmt.Errorf("publishing snapshot %s: date %s is held by snapshot %s: %w", o.SnapshotID, day, replaced.SnapshotID, ErrSealed)
	case replaced != nil:
		if strings.TrimSpace(o.Reason) == "" {
			return nil, fmt.Errorf("replacing snapshot %s: a reason is required", replaced.SnapshotID)
		}
		rev = replaced.Revision + 1
	default:
		for _, m := range sealed {
			if m.SnapshotDate > day {
				return nil, fmt.Errorf("publishing snapshot %s after snapshot %s: %w", o.SnapshotID, m.SnapshotID, ErrOutOfOrder)
			}
		}
	}
	id := o.SnapshotID
	if rev > 1 {
		id = RevisionID(day, rev)
	}
	if err := cleanLeftovers(o.DataDir, sealed); err != nil {
		return nil, err
	}

	tmp, err := os.MkdirTemp(o.DataDir, tempPrefix+id+"-")
	if err != nil {
		return nil, fmt.Errorf("creating publish directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	created := now().UTC().Truncate(time.Second)
	m := &Manifest{
		Version:           ManifestVersion,
		SnapshotID:        id,
		SnapshotDate:      day,
		Revision:          rev,
		CreatedAt:         created,
		ToolVersion:       o.ToolVersion,
		ConfigFingerprint: o.ConfigFingerprint,
	}
	if replaced != nil {
		m.Replacement = &Replacement{Replaces: replaced.SnapshotID, At: created, User: o.Actor.User, Host: o.Actor.Host, Reason: o.Reason}
	}
	if o.DatasetDir != "" {
		for _, ds := range o.Datasets {
			// ds.Name is checked against datasetNameRE above.
			if _, err := db.ExecContext(ctx, "CREATE OR REPLACE VIEW "+ds.Name+" AS FROM read_parquet("+quote(transform.DatasetFile(o.DatasetDir, ds.Name))+")"); err != nil {
				return nil, fmt.Errorf("reading the transformed dataset %s: %w", ds.Name, err)
			}
		}
	}
	base, err := historyBase(o.DataDir, chain, day)
	if err != nil {
		return nil, err
	}
	if base != nil {
		m.HistoryBase = base.SnapshotID
	}
	if err := buildHistory(ctx, db, o.DataDir, base, day); err != nil {
		return nil, err
	}
	// Two datasets at a time: a history dataset is written from its table
	// while another is copied or written beside it.
	datasets := append(slices.Clone(o.Datasets), HistoryDatasets...)
	m.Files = make([]File, len(datasets))
	err = twoOnOneThread(ctx, db, func() error {
		p := pool.New().WithErrors().WithContext(ctx).WithFirstError().WithMaxGoroutines(2)
		for i, ds := range datasets {
			p.Go(func(ctx context.Context) error {
				from := ""
				if o.DatasetDir != "" && i < len(o.Datasets) {
					from = transform.DatasetFile(o.DatasetDir, ds.Name)
				}
				f, err := writeDataset(ctx, db, tmp, ds, from)
				if err != nil {
					return err
				}
				f.Path = filepath.ToSlash(filepath.Join(publishedDir, ds.Name, "snapshot_date="+day, partName(rev)))
				m.Files[i] = f
				return hit("written:" + ds.Name)
			})
		}
		return p.Wait()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(m.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })

	if m.Staged, err = stagedEntries(o.DataDir, o.Staged); err != nil {
		return nil, err
	}
	m.Connectors = connectorEntries(o.Runs)
	inputs, err := json.MarshalIndent(inputsOf(o), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding inputs: %w", err)
	}
	inputs = append(inputs, '\n')
	m.Inputs = &Evidence{Path: "snapshots/" + id + "/" + inputsName, SHA256: sha256Hex(inputs), Size: int64(len(inputs))}
	prevPath, prevSum, seq := chainTail(chain)
	m.Sequence, m.PreviousRecord, m.PreviousManifestSHA256 = seq, prevPath, prevSum
	if len(chain) > 0 && chain[len(chain)-1].Manifest != nil {
		m.PreviousSnapshotID = chain[len(chain)-1].Manifest.SnapshotID
	}

	// Move into place. Until the manifest exists these files are
	// uncommitted: the catalog does not list them and cleanLeftovers
	// removes them.
	for _, ds := range datasets {
		final := partitionDir(o.DataDir, ds.Name, day)
		if err := os.MkdirAll(final, stage.DirMode); err != nil {
			return nil, fmt.Errorf("creating directory of dataset %s: %w", ds.Name, err)
		}
		if err := os.Rename(filepath.Join(tmp, ds.Name, partFile), filepath.Join(final, partName(rev))); err != nil {
			return nil, fmt.Errorf("moving dataset %s into place: %w", ds.Name, err)
		}
		if err := stage.Sync(final); err != nil {
			return nil, fmt.Errorf("syncing directory of dataset %s: %w", ds.Name, err)
		}
		if err := stage.Sync(filepath.Dir(final)); err != nil {
			return nil, fmt.Errorf("syncing directory of dataset %s: %w", ds.Name, err)
		}
		if err := hit("moved:" + ds.Name); err != nil {
			return nil, err
		}
	}

	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	dir := filepath.Dir(manifestPath(o.DataDir, id))
	if err := os.MkdirAll(dir, stage.DirMode); err != nil {
		return nil, fmt.Errorf("creating snapshot directory: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, inputsName), inputs); err != nil {
		return nil, fmt.Errorf("writing inputs of snapshot %s: %w", id, err)
	}
	if err := hit("manifest"); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(manifestPath(o.DataDir, id), append(body, '\n')); err != nil {
		return nil, fmt.Errorf("writing manifest of snapshot %s: %w", id, err)
	}
	if err := stage.Sync(snapshotsDir(o.DataDir)); err != nil {
		return nil, fmt.Errorf("syncing snapshots directory: %w", err)
	}

	if err := RebuildCatalog(ctx, o.DataDir, o.Datasets); err != nil {
		return m, fmt.Errorf("snapshot %s is sealed, but the catalog was not rebuilt: %w", id, err)
	}
	return m, nil
}

// writeDataset puts one dataset at <tmp>/<name>/part-0.parquet and
// describes the file: a copy of from, the file the transform's Run
// wrote, or, when from is empty, the table written by transform.WriteDataset.
func writeDataset(ctx context.Context, db *sql.DB, tmp string, ds transform.Dataset, from string) (File, error) {
	dir := filepath.Join(tmp, ds.Name)
	if err := os.MkdirAll(dir, stage.DirMode); err != nil {
		return File{}, fmt.Errorf("creating directory of dataset %s: %w", ds.Name, err)
	}
	path := filepath.Join(dir, partFile)
	if from != "" {
		if err := copyFile(from, path); err != nil {
			return File{}, fmt.Errorf("copying dataset %s: %w", ds.Name, err)
		}
	} else if err := transform.WriteDataset(ctx, db, ds, path); err != nil {
		return File{}, err
	}
	return describeDataset(ctx, db, ds, path)
}

func copyFile(from, to string) (err error) {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, stage.FileMode)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(dst, src)
	return err
}

// describeDataset counts, hashes and fsyncs a dataset file written under
// the publish directory. Rows are counted from the file, not the table, so
// the manifest states what is on disk.
func describeDataset(ctx context.Context, db *sql.DB, ds transform.Dataset, path string) (File, error) {
	f := File{Dataset: ds.Name}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM read_parquet(?)", path).Scan(&f.Rows); err != nil {
		return File{}, fmt.Errorf("counting rows of dataset %s: %w", ds.Name, err)
	}
	var err error
	if f.SHA256, f.Size, err = hashFile(path); err != nil {
		return File{}, fmt.Errorf("hashing dataset %s: %w", ds.Name, err)
	}
	// The directory entry must be durable before the rename makes it public.
	if err := stage.Sync(path); err != nil {
		return File{}, fmt.Errorf("syncing dataset %s: %w", ds.Name, err)
	}
	return f, nil
}

func stagedEntries(dataDir string, staged []transform.StagedFile) ([]StagedEntry, error) {
	out := make([]StagedEntry, 0, len(staged))
	for _, s := range staged {
		sum, size, err := hashFile(s.Path)
		if err != nil {
			return nil, fmt.Errorf("hashing staged file %s: %w", s.Path, err)
		}
		p := s.Path
		if rel, err := filepath.Rel(dataDir, s.Path); err == nil && !strings.HasPrefix(rel, "..") {
			p = rel
		}
		out = append(out, StagedEntry{Path: filepath.ToSlash(p), SHA256: sum, Size: size, Rows: s.Rows,
			Connector: s.Connector, Entity: s.Entity})
	}
	slices.SortFunc(out, func(a, b StagedEntry) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func connectorEntries(runs []transform.ConnectorRun) []ConnectorEntry {
	out := make([]ConnectorEntry, 0, len(runs))
	for _, r := range runs {
		e := ConnectorEntry{Connector: r.Connector, ConnectorType: r.ConnectorType, Tenant: r.Tenant,
			Status: r.Status, Stale: r.Stale, Error: r.Error}
		if !r.DataAsOf.IsZero() {
			t := r.DataAsOf.UTC()
			e.DataAsOf = &t
		}
		for _, n := range r.Rows {
			e.Rows += n
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b ConnectorEntry) int { return strings.Compare(a.Connector, b.Connector) })
	return out
}

// cleanLeftovers removes what a crashed publish left: temporary publish
// directories, partitions of dates no manifest holds, snapshot directories
// without a manifest and temporary manifest and catalog files.
func cleanLeftovers(dataDir string, sealed []*Manifest) error {
	days := map[string]bool{}
	listed := map[string]bool{}
	for _, m := range sealed {
		days["snapshot_date="+m.SnapshotDate] = true
		for _, f := range m.Files {
			listed[f.Path] = true
		}
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return fmt.Errorf("listing data directory: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) || strings.HasPrefix(e.Name(), catalogName+".") && strings.HasSuffix(e.Name(), ".tmp") {
			if err := os.RemoveAll(filepath.Join(dataDir, e.Name())); err != nil {
				return fmt.Errorf("removing leftover %s: %w", e.Name(), err)
			}
		}
	}
	datasets, err := os.ReadDir(filepath.Join(dataDir, publishedDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("listing published datasets: %w", err)
	}
	for _, ds := range datasets {
		parts, err := os.ReadDir(filepath.Join(dataDir, publishedDir, ds.Name()))
		if err != nil {
			return fmt.Errorf("listing partitions of %s: %w", ds.Name(), err)
		}
		for _, p := range parts {
			if !strings.HasPrefix(p.Name(), "snapshot_date=") {
				continue
			}
			if !days[p.Name()] {
				if err := os.RemoveAll(filepath.Join(dataDir, publishedDir, ds.Name(), p.Name())); err != nil {
					return fmt.Errorf("removing unsealed partition %s/%s: %w", ds.Name(), p.Name(), err)
				}
				continue
			}
			// A sealed date's partition may hold the file of a replacement
			// revision whose publish crashed before its manifest.
			files, err := os.ReadDir(filepath.Join(dataDir, publishedDir, ds.Name(), p.Name()))
			if err != nil {
				return fmt.Errorf("listing partition %s/%s: %w", ds.Name(), p.Name(), err)
			}
			for _, f := range files {
				rel := publishedDir + "/" + ds.Name() + "/" + p.Name() + "/" + f.Name()
				if revisionFile.MatchString(f.Name()) && !listed[rel] {
					if err := os.Remove(filepath.Join(dataDir, filepath.FromSlash(rel))); err != nil {
						return fmt.Errorf("removing unsealed revision file %s: %w", rel, err)
					}
				}
			}
		}
	}
	snaps, err := os.ReadDir(snapshotsDir(dataDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("listing snapshots: %w", err)
	}
	for _, s := range snaps {
		if s.Name() == pruneDir {
			continue
		}
		if _, err := os.Stat(manifestPath(dataDir, s.Name())); errors.Is(err, os.ErrNotExist) {
			if err := os.RemoveAll(filepath.Join(snapshotsDir(dataDir), s.Name())); err != nil {
				return fmt.Errorf("removing unsealed snapshot directory %s: %w", s.Name(), err)
			}
		}
	}
	return nil
}
