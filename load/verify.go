package load

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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
// size and (for published Parquet) row count, and the inputs.json a rebuild
// reads; files in a snapshot's partitions that no manifest lists; and the
// hash chain of manifests and prune records in sealing order, from the first
// record up to id's manifest ("" = every record). id is a snapshot id or a
// date (its current revision). Files a prune record removed are not
// missing: the chain says when and why they went. It returns the snapshots
// whose files it checked and every finding; no findings means the evidence
// is intact.
func Verify(dataDir, id string) (checked []string, findings []Finding, err error) {
	chain, err := readChain(dataDir)
	if err != nil {
		return nil, nil, err
	}
	// Later records count here even when checking an earlier id: a later
	// revision shares its partitions, a later prune removed files on purpose.
	pruned := prunedFiles(chain)
	listed := map[string]bool{}   // every file any manifest lists: revisions share partitions
	sealedRev := map[string]int{} // date -> highest sealed revision
	for _, r := range chain {
		if r.Manifest != nil {
			for _, f := range r.Manifest.Files {
				listed[f.Path] = true
			}
			sealedRev[r.Manifest.SnapshotDate] = max(sealedRev[r.Manifest.SnapshotDate], r.Manifest.Revision, 1)
		}
	}
	// The part file of a revision above the date's highest sealed one is
	// what a replacement that crashed before its manifest left: like the
	// partition of a first publication that never sealed, it was never
	// part of a snapshot, no catalog view or manifest reads it, and the
	// next publish removes it.
	unsealed := func(m *Manifest, path string) bool {
		n := revisionPartRE.FindStringSubmatch(filepath.Base(path))
		if n == nil {
			return false
		}
		rev, err := strconv.Atoi(n[1])
		return err == nil && rev > sealedRev[m.SnapshotDate]
	}
	if id != "" {
		m, err := Resolve(dataDir, id)
		if err != nil {
			return nil, nil, err
		}
		id = m.SnapshotID
		i := slices.IndexFunc(chain, func(r chainRecord) bool { return r.Manifest != nil && r.Manifest.SnapshotID == id })
		chain = chain[:i+1] // the chain up to id must hold too
	}
	prevPath, prevHash := "", ""
	var prevSeq int64
	for _, r := range chain {
		name := recordName(r)
		if r.Err != nil {
			findings = append(findings, Finding{Snapshot: name, Path: r.Path, Problem: "unreadable: " + r.Err.Error()})
		} else {
			p, h := r.prev()
			if p != prevPath || h != prevHash {
				findings = append(findings, Finding{Snapshot: name, Problem: fmt.Sprintf(
					"out of chain: names previous %q sha256 %s, but the previous record on disk is %q sha256 %s",
					p, short(h), prevPath, short(prevHash))})
			}
			if r.Sequence != 0 && prevSeq != 0 && r.Sequence != prevSeq+1 {
				findings = append(findings, Finding{Snapshot: name, Problem: fmt.Sprintf(
					"out of chain: sequence %d follows %d (a record is missing)", r.Sequence, prevSeq)})
			}
		}
		if m := r.Manifest; m != nil && (id == "" || m.SnapshotID == id) {
			checked = append(checked, m.SnapshotID)
			findings = append(findings, verifyFiles(dataDir, m, pruned, listed, unsealed)...)
		}
		prevPath, prevHash, prevSeq = r.Path, sha256Hex(r.Raw), max(r.Sequence, prevSeq)
	}
	return checked, findings, nil
}

// revisionPartRE matches the part file of a later revision (partName).
var revisionPartRE = regexp.MustCompile(`^part-0\.r([0-9]+)\.parquet$`)

func recordName(r chainRecord) string {
	if r.Manifest != nil {
		return r.Manifest.SnapshotID
	}
	return r.Path
}

func verifyFiles(dataDir string, m *Manifest, pruned, listed map[string]bool, unsealed func(*Manifest, string) bool) []Finding {
	var out []Finding
	check := func(path, wantHash string, wantSize, wantRows int64, parquetRows bool) {
		if pruned[path] {
			return
		}
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
	if m.Inputs != nil {
		check(m.Inputs.Path, m.Inputs.SHA256, m.Inputs.Size, 0, false)
	}
	// A file slipped into a sealed partition changes what readers globbing
	// the partition see: it is as much an alteration as an edit.
	dirs := map[string]bool{}
	for _, f := range m.Files {
		dirs[filepath.Dir(filepath.Join(dataDir, filepath.FromSlash(f.Path)))] = true
	}
	for _, d := range sortedKeys(dirs) {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			if r := rel(dataDir, p); !listed[r] && !unsealed(m, r) {
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
