package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/saaspipe/saaspipe/extract/stage"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/transform"
)

// PruneRecord is the tombstone a prune leaves in the chain: what it removed,
// when, by whom and under which policy. Verify treats the files it lists as
// removed on purpose, and the record is chained like a manifest, so a
// removal without one shows as a missing file and an edited record as a
// broken chain.
type PruneRecord struct {
	Version    int              `json:"prune_version"`
	Sequence   int64            `json:"sequence"`
	PrunedAt   time.Time        `json:"pruned_at"`
	User       string           `json:"user"`
	Host       string           `json:"host"`
	KeepDays   int              `json:"keep_days"`
	StagedOnly bool             `json:"staged_only"`
	Cutoff     string           `json:"cutoff"` // snapshots of earlier dates were pruned
	Snapshots  []PrunedSnapshot `json:"snapshots"`
	// PreviousRecord and PreviousRecordSHA256 link the record into the
	// chain as Manifest's previous fields do.
	PreviousRecord       string `json:"previous_record"`
	PreviousRecordSHA256 string `json:"previous_record_sha256"`
}

// PrunedSnapshot is what a prune removed of one snapshot revision.
type PrunedSnapshot struct {
	SnapshotID string     `json:"snapshot_id"`
	Removed    []Evidence `json:"removed"`
}

// PruneOptions is a retention policy.
type PruneOptions struct {
	// KeepDays keeps snapshots whose date is within KeepDays of Now.
	KeepDays int
	// StagedOnly removes raw staged files only and keeps published datasets.
	StagedOnly bool
	Now        time.Time
	Actor      Actor
}

// Prune removes what the policy lets go of snapshots older than the cutoff:
// their staged raw files (except those a kept snapshot was also built
// from) and, unless StagedOnly, their published files. Manifests and
// inputs.json stay: they are the record of what existed. The latest date is
// never pruned, so the next snapshot can extend its history. The prune
// record is written before anything is removed; a prune that crashes
// part-way is finished by the next one. It returns nil when there was
// nothing to prune. The caller holds the publish lock.
func Prune(ctx context.Context, dataDir string, o PruneOptions) (*PruneRecord, error) {
	if o.KeepDays < 0 {
		return nil, fmt.Errorf("prune: keep-days %d is negative", o.KeepDays)
	}
	chain, err := readChain(dataDir)
	if err != nil {
		return nil, err
	}
	all, err := Snapshots(dataDir)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, nil
	}
	pruned := prunedFiles(chain)
	if err := removeFiles(dataDir, pruned); err != nil {
		return nil, err
	}
	cutoff := o.Now.UTC().AddDate(0, 0, -o.KeepDays).Format(time.DateOnly)
	latest := all[len(all)-1].SnapshotDate
	old := func(s Snapshot) bool { return s.SnapshotDate < cutoff && s.SnapshotDate != latest }
	keptStaged := map[string]bool{}
	for _, s := range all {
		if !old(s) {
			for _, f := range s.Staged {
				keptStaged[f.Path] = true
			}
		}
	}
	rec := &PruneRecord{Version: 1, PrunedAt: o.Now.UTC().Truncate(time.Second), User: o.Actor.User, Host: o.Actor.Host,
		KeepDays: o.KeepDays, StagedOnly: o.StagedOnly, Cutoff: cutoff}
	seen := map[string]bool{}
	for _, s := range all {
		if !old(s) {
			continue
		}
		ps := PrunedSnapshot{SnapshotID: s.SnapshotID}
		for _, f := range s.Staged {
			// Staged paths outside the data directory are not ours to
			// remove; one file may be evidence of several snapshots.
			if pruned[f.Path] || seen[f.Path] || keptStaged[f.Path] || filepath.IsAbs(f.Path) || strings.HasPrefix(f.Path, "..") {
				continue
			}
			seen[f.Path] = true
			ps.Removed = append(ps.Removed, Evidence{Path: f.Path, SHA256: f.SHA256, Size: f.Size})
		}
		if !o.StagedOnly {
			for _, f := range s.Files {
				if !pruned[f.Path] {
					ps.Removed = append(ps.Removed, Evidence{Path: f.Path, SHA256: f.SHA256, Size: f.Size})
				}
			}
		}
		if len(ps.Removed) > 0 {
			rec.Snapshots = append(rec.Snapshots, ps)
		}
	}
	if len(rec.Snapshots) == 0 {
		return nil, nil
	}
	prevPath, prevSum, seq := chainTail(chain)
	rec.Sequence, rec.PreviousRecord, rec.PreviousRecordSHA256 = seq, prevPath, prevSum
	body, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(snapshotsDir(dataDir), pruneDir)
	if err := os.MkdirAll(dir, stage.DirMode); err != nil {
		return nil, fmt.Errorf("creating prune record directory: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, fmt.Sprintf("%06d.json", seq)), append(body, '\n')); err != nil {
		return nil, fmt.Errorf("writing prune record: %w", err)
	}
	gone := map[string]bool{}
	for _, s := range rec.Snapshots {
		for _, f := range s.Removed {
			gone[f.Path] = true
		}
	}
	if err := removeFiles(dataDir, gone); err != nil {
		return rec, err
	}
	if !o.StagedOnly {
		if err := RebuildCatalog(ctx, dataDir, transform.Datasets); err != nil {
			return rec, fmt.Errorf("pruned, but the catalog was not rebuilt: %w", err)
		}
	}
	return rec, nil
}

// removeFiles removes the files a prune record lists (those already gone
// are fine), then directories left without data: an empty partition, a
// staged connector directory holding only its run record (carry-forward
// must not pick a run whose files are gone).
func removeFiles(dataDir string, paths map[string]bool) error {
	dirs := map[string]bool{}
	for _, p := range sortedKeys(paths) {
		full := filepath.Join(dataDir, filepath.FromSlash(p))
		if err := os.Remove(full); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("pruning %s: %w", p, err)
		}
		dirs[filepath.Dir(full)] = true
	}
	for _, d := range sortedKeys(dirs) {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		data := slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.Name() != "_run.json" })
		if !data {
			if err := os.RemoveAll(d); err != nil {
				return fmt.Errorf("pruning %s: %w", rel(dataDir, d), err)
			}
		}
	}
	return nil
}
