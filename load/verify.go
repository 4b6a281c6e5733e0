package load

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Finding is one thing verification found wrong, named so an auditor can go
// straight to it.
type Finding struct {
	Snapshot string `json:"snapshot"`
	Path     string `json:"path,omitempty"` // relative to the data directory
	Problem  string `json:"problem"`
}

func (f Finding) String() string {
	if f.Path == "" {
		return f.Snapshot + ": " + f.Problem
	}
	return f.Snapshot + ": " + f.Path + ": " + f.Problem
}

// Verify checks sealed snapshots against their manifests without trusting
// anything but the bytes on disk: every published and staged file's SHA-256,
// size and (for published Parquet) row count; files in a snapshot's
// partitions that its manifest does not list; and the hash chain from the
// first manifest up to id ("" = every snapshot). It returns the snapshots it
// checked and every finding; no findings means the evidence is intact.
func Verify(dataDir, id string) (checked []string, findings []Finding, err error) {
	ids, err := sealedSnapshots(dataDir)
	if err != nil {
		return nil, nil, err
	}
	if id != "" {
		i := slices.Index(ids, id)
		if i < 0 {
			return nil, nil, fmt.Errorf("snapshot %s has no manifest in %s", id, dataDir)
		}
		ids = ids[:i+1] // the chain up to id must hold too
	}
	prevID, prevHash := "", ""
	for _, sid := range ids {
		raw, err := os.ReadFile(manifestPath(dataDir, sid))
		if err != nil {
			return nil, nil, err
		}
		m, err := ReadManifest(dataDir, sid)
		if err != nil {
			findings = append(findings, Finding{Snapshot: sid, Path: rel(dataDir, manifestPath(dataDir, sid)), Problem: "manifest unreadable: " + err.Error()})
			prevID, prevHash = sid, sha256Hex(raw)
			continue
		}
		if m.PreviousSnapshotID != prevID || m.PreviousManifestSHA256 != prevHash {
			findings = append(findings, Finding{Snapshot: sid, Problem: fmt.Sprintf(
				"out of chain: manifest names previous %q sha256 %s, but the previous manifest on disk is %q sha256 %s",
				m.PreviousSnapshotID, short(m.PreviousManifestSHA256), prevID, short(prevHash))})
		}
		if id == "" || sid == id {
			checked = append(checked, sid)
			findings = append(findings, verifyFiles(dataDir, m)...)
		}
		prevID, prevHash = sid, sha256Hex(raw)
	}
	return checked, findings, nil
}

func verifyFiles(dataDir string, m *Manifest) []Finding {
	var out []Finding
	listed := map[string]bool{}
	check := func(path, wantHash string, wantSize, wantRows int64, parquetRows bool) {
		listed[path] = true
		full := filepath.Join(dataDir, filepath.FromSlash(path))
		if filepath.IsAbs(path) {
			full = path
		}
		got, size, err := hashFile(full)
		switch {
		case os.IsNotExist(err):
			out = append(out, Finding{m.SnapshotID, path, "missing"})
			return
		case err != nil:
			out = append(out, Finding{m.SnapshotID, path, "unreadable: " + err.Error()})
			return
		case got != wantHash:
			out = append(out, Finding{m.SnapshotID, path, fmt.Sprintf("altered: sha256 %s, manifest says %s", short(got), short(wantHash))})
			return
		case size != wantSize:
			out = append(out, Finding{m.SnapshotID, path, fmt.Sprintf("altered: %d bytes, manifest says %d", size, wantSize)})
			return
		}
		if parquetRows {
			if n, err := parquetRowCount(full); err != nil {
				out = append(out, Finding{m.SnapshotID, path, "not readable as Parquet: " + err.Error()})
			} else if n != wantRows {
				out = append(out, Finding{m.SnapshotID, path, fmt.Sprintf("%d rows, manifest says %d", n, wantRows)})
			}
		}
	}
	for _, f := range m.Files {
		check(f.Path, f.SHA256, f.Size, f.Rows, true)
	}
	for _, s := range m.Staged {
		check(s.Path, s.SHA256, s.Size, s.Rows, false)
	}
	// A file slipped into a sealed partition changes what readers see
	// through the catalog's globs: it is as much an alteration as an edit.
	dirs := map[string]bool{}
	for _, f := range m.Files {
		dirs[filepath.Dir(filepath.Join(dataDir, filepath.FromSlash(f.Path)))] = true
	}
	for _, d := range sortedKeys(dirs) {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			if r := rel(dataDir, p); !listed[r] {
				out = append(out, Finding{m.SnapshotID, r, "not listed in the manifest"})
			}
			return nil
		})
	}
	return out
}

func parquetRowCount(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return 0, err
	}
	return pf.NumRows(), nil
}

func rel(dataDir, p string) string {
	r, err := filepath.Rel(dataDir, p)
	if err != nil || strings.HasPrefix(r, "..") {
		return p
	}
	return filepath.ToSlash(r)
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	if h == "" {
		return "(none)"
	}
	return h
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
