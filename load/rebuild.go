package load

import (
	"context"
	"fmt"
	"github.com/saaspipe/saaspipe/extract/stage"
	"os"
	"path/filepath"
	"slices"

	"github.com/saaspipe/saaspipe/transform"
)

// Rebuild is the rebuild proof of one sealed snapshot revision (ref: id or
// date): it checks the snapshot's inputs.json and staged evidence against
// its manifest, runs the transform on them in a fresh DuckDB under scratch,
// folds the history from the snapshot's history base, writes every dataset
// the manifest lists the way Publish does, and compares the bytes. No
// finding means the published files come out of the evidence bit for bit.
// Nothing under dataDir is written.
func Rebuild(ctx context.Context, dataDir, ref, scratch string) (*Manifest, []Finding, error) {
	m, err := Resolve(dataDir, ref)
	if err != nil {
		return nil, nil, err
	}
	in, err := readInputs(dataDir, m)
	if err != nil {
		return m, nil, err
	}
	chain, err := readChain(dataDir)
	if err != nil {
		return m, nil, err
	}
	pruned := prunedFiles(chain)
	for _, s := range m.Staged {
		if pruned[s.Path] {
			return m, nil, fmt.Errorf("snapshot %s cannot be rebuilt: its staged evidence %s was pruned", m.SnapshotID, s.Path)
		}
		full := s.Path
		if !filepath.IsAbs(full) {
			full = filepath.Join(dataDir, filepath.FromSlash(s.Path))
		}
		if sum, _, err := hashFile(full); err != nil || sum != s.SHA256 {
			return m, nil, fmt.Errorf("snapshot %s cannot be rebuilt: its staged evidence %s is missing or altered (run 'saaspipe snapshots verify %s')", m.SnapshotID, s.Path, m.SnapshotID)
		}
	}
	tin, err := in.transformInput(dataDir)
	if err != nil {
		return m, nil, err
	}
	var base *Manifest
	if m.HistoryBase != "" {
		if base, err = ReadManifest(dataDir, m.HistoryBase); err != nil {
			return m, nil, err
		}
	}
	if err := os.MkdirAll(scratch, stage.DirMode); err != nil {
		return m, nil, err
	}
	db, err := transform.Open(ctx, scratch)
	if err != nil {
		return m, nil, err
	}
	defer db.Close()
	if _, err := db.Run(ctx, tin); err != nil {
		return m, nil, fmt.Errorf("rebuilding snapshot %s: %w", m.SnapshotID, err)
	}
	if err := buildHistory(ctx, db.SQL(), dataDir, base, m.SnapshotDate); err != nil {
		return m, nil, fmt.Errorf("rebuilding snapshot %s: %w", m.SnapshotID, err)
	}
	out := filepath.Join(scratch, "published")
	datasets := append(slices.Clone(transform.Datasets), HistoryDatasets...)
	var findings []Finding
	for _, f := range m.Files {
		i := slices.IndexFunc(datasets, func(d transform.Dataset) bool { return d.Name == f.Dataset })
		if i < 0 {
			findings = append(findings, Finding{m.SnapshotID, f.Path, "not rebuilt: this version of saaspipe no longer builds dataset " + f.Dataset})
			continue
		}
		got, err := writeDataset(ctx, db.SQL(), out, datasets[i], "")
		if err != nil {
			return m, findings, err
		}
		switch {
		case got.SHA256 != f.SHA256:
			findings = append(findings, Finding{m.SnapshotID, f.Path, fmt.Sprintf("rebuilt differently: sha256 %s (%d rows), published %s (%d rows)",
				short(got.SHA256), got.Rows, short(f.SHA256), f.Rows)})
		case got.Rows != f.Rows:
			findings = append(findings, Finding{m.SnapshotID, f.Path, fmt.Sprintf("rebuilt with %d rows, published %d", got.Rows, f.Rows)})
		}
	}
	return m, findings, nil
}
