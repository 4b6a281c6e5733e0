package load

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/extract/stage"
)

// ManifestVersion is the manifest format written by this package. Version 1
// manifests (no sequence, chained in snapshot id order) are still read and
// verified.
const ManifestVersion = 2

// Manifest describes one sealed snapshot revision.
type Manifest struct {
	Version      int    `json:"manifest_version"`
	SnapshotID   string `json:"snapshot_id"`   // the date for revision 1, DATE.rN for later revisions
	SnapshotDate string `json:"snapshot_date"` // YYYY-MM-DD
	// Revision counts the publications of SnapshotDate, from 1. The
	// catalog, diffs and history read the highest revision of each date.
	Revision int `json:"revision"`
	// Sequence is the manifest's place in the chain: sealing order, so that
	// replacing an old date later appends to the chain instead of
	// splicing into it.
	Sequence          int64     `json:"sequence"`
	CreatedAt         time.Time `json:"created_at"`
	ToolVersion       string    `json:"tool_version"`
	ConfigFingerprint string    `json:"config_fingerprint"`
	// Replacement says why this revision superseded an earlier one.
	Replacement *Replacement `json:"replacement,omitempty"`
	// Inputs is snapshots/<id>/inputs.json: everything the transform read
	// besides the staged files' contents, so the snapshot can be rebuilt.
	Inputs *Evidence `json:"inputs,omitempty"`
	// HistoryBase is the snapshot whose history datasets this snapshot's
	// extend ("" when the history starts here).
	HistoryBase string `json:"history_base,omitempty"`
	// Files are the published part files, paths relative to DataDir with
	// forward slashes, sorted by path.
	Files []File `json:"files"`
	// Staged are the raw evidence files the snapshot was built from.
	Staged     []StagedEntry    `json:"staged"`
	Connectors []ConnectorEntry `json:"connectors"`
	// PreviousRecord is the chain record before this one (a manifest or a
	// prune record, path relative to DataDir) and PreviousManifestSHA256
	// its SHA-256; PreviousSnapshotID names the previous snapshot when that
	// record is a manifest. All are empty for the first record.
	PreviousRecord         string `json:"previous_record,omitempty"`
	PreviousSnapshotID     string `json:"previous_snapshot_id"`
	PreviousManifestSHA256 string `json:"previous_manifest_sha256"`
}

// Replacement records who replaced which revision, when and why.
type Replacement struct {
	Replaces string    `json:"replaces"`
	At       time.Time `json:"at"`
	User     string    `json:"user"`
	Host     string    `json:"host"`
	Reason   string    `json:"reason"`
}

// Evidence is a file known by its hash.
type Evidence struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// File is one published Parquet file.
type File struct {
	Dataset string `json:"dataset"`
	Path    string `json:"path"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	Rows    int64  `json:"rows"`
}

// StagedEntry is one staged raw file.
type StagedEntry struct {
	Path      string `json:"path"` // relative to DataDir when inside it
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	Rows      int64  `json:"rows"`
	Connector string `json:"connector"`
	Entity    string `json:"entity"`
}

// ConnectorEntry is one connector instance's status in the snapshot.
type ConnectorEntry struct {
	Connector     string     `json:"connector"`
	ConnectorType string     `json:"connector_type"`
	Tenant        string     `json:"tenant"`
	Status        string     `json:"status"`
	Stale         bool       `json:"stale"`
	DataAsOf      *time.Time `json:"data_as_of"`
	Rows          int64      `json:"rows"`
	Error         string     `json:"error,omitempty"`
}

// File returns the manifest's file of a dataset.
func (m *Manifest) File(dataset string) (File, bool) {
	for _, f := range m.Files {
		if f.Dataset == dataset {
			return f, true
		}
	}
	return File{}, false
}

func snapshotsDir(dataDir string) string { return filepath.Join(dataDir, "snapshots") }

func manifestPath(dataDir, snapshotID string) string {
	return filepath.Join(snapshotsDir(dataDir), snapshotID, "manifest.json")
}

// Published reports whether snapshotID has a manifest, i.e. is sealed.
func Published(dataDir, snapshotID string) (bool, error) {
	if err := checkSnapshotID(snapshotID); err != nil {
		return false, err
	}
	_, err := os.Stat(manifestPath(dataDir, snapshotID))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("checking manifest of snapshot %s: %w", snapshotID, err)
	}
}

// ReadManifest reads a sealed snapshot's manifest.
func ReadManifest(dataDir, snapshotID string) (*Manifest, error) {
	if err := checkSnapshotID(snapshotID); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(manifestPath(dataDir, snapshotID))
	if err != nil {
		return nil, fmt.Errorf("reading manifest of snapshot %s: %w", snapshotID, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding manifest of snapshot %s: %w", snapshotID, err)
	}
	return &m, nil
}

// sealedSnapshots lists the ids that have a manifest, sorted.
func sealedSnapshots(dataDir string) ([]string, error) {
	entries, err := os.ReadDir(snapshotsDir(dataDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing snapshots: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if !e.IsDir() || checkSnapshotID(e.Name()) != nil {
			continue
		}
		if _, err := os.Stat(manifestPath(dataDir, e.Name())); err == nil {
			ids = append(ids, e.Name())
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func checkSnapshotID(id string) error {
	if id == "" || strings.HasPrefix(id, ".") || strings.ContainsAny(id, `/\`) || id != filepath.Base(id) {
		return fmt.Errorf("snapshot id %q is not a plain directory name", id)
	}
	return nil
}

// hashFile returns the hex SHA-256 and size of a file.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// writeFileAtomic writes data to path through a temporary file that is
// fsynced and renamed, then fsyncs the directory: a reader sees the old
// file or the complete new one, and after return the new one survives a
// crash.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return stage.Sync(dir)
}
