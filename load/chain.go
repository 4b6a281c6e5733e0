package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The chain is every manifest and every prune record, in sealing order
// (Sequence). Each record holds the SHA-256 of the record before it, so an
// edit, a removal or a reordering anywhere shows at the next record.

// pruneDir holds the prune records, snapshots/_prune/<sequence>.json. The
// leading underscore keeps it apart from snapshot ids, which are dates.
const pruneDir = "_prune"

// Actor is who did something recorded in the chain.
type Actor struct {
	User string `json:"user"`
	Host string `json:"host"`
}

// CurrentActor names the user and host running this process.
func CurrentActor() Actor {
	a := Actor{User: os.Getenv("USER")}
	if u, err := user.Current(); err == nil {
		a.User = u.Username
	}
	a.Host, _ = os.Hostname()
	return a
}

// chainRecord is one link of the chain as found on disk.
type chainRecord struct {
	Path     string // relative to the data directory
	Sequence int64
	Raw      []byte
	Manifest *Manifest    // set for a manifest
	Prune    *PruneRecord // set for a prune record
	Err      error        // the record could not be decoded
}

func (r chainRecord) prev() (path, sum string) {
	switch {
	case r.Manifest != nil:
		m := r.Manifest
		if m.PreviousRecord == "" && m.PreviousSnapshotID != "" {
			// Version 1 manifests name the previous snapshot only.
			return manifestRel(m.PreviousSnapshotID), m.PreviousManifestSHA256
		}
		return m.PreviousRecord, m.PreviousManifestSHA256
	case r.Prune != nil:
		return r.Prune.PreviousRecord, r.Prune.PreviousRecordSHA256
	}
	return "", ""
}

func manifestRel(id string) string { return "snapshots/" + id + "/manifest.json" }

var revisionIDRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})\.r([0-9]+)$`)

// RevisionID is the snapshot id of revision rev of a date: the date itself
// for the first, DATE.rN after.
func RevisionID(date string, rev int) string {
	if rev <= 1 {
		return date
	}
	return date + ".r" + strconv.Itoa(rev)
}

// readChain reads every chain record, sorted by sequence. Version 1
// manifests carry no sequence: they come first, in snapshot id order, as
// they were chained.
func readChain(dataDir string) ([]chainRecord, error) {
	ids, err := sealedSnapshots(dataDir)
	if err != nil {
		return nil, err
	}
	var out []chainRecord
	for _, id := range ids {
		p := manifestPath(dataDir, id)
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading manifest of snapshot %s: %w", id, err)
		}
		r := chainRecord{Path: manifestRel(id), Raw: raw}
		var m Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			r.Err = err
		} else {
			r.Manifest, r.Sequence = &m, m.Sequence
		}
		out = append(out, r)
	}
	entries, err := os.ReadDir(filepath.Join(snapshotsDir(dataDir), pruneDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("listing prune records: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		rel := "snapshots/" + pruneDir + "/" + e.Name()
		raw, err := os.ReadFile(filepath.Join(dataDir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, fmt.Errorf("reading prune record %s: %w", rel, err)
		}
		r := chainRecord{Path: rel, Raw: raw}
		var pr PruneRecord
		if err := json.Unmarshal(raw, &pr); err != nil {
			r.Err = err
			r.Sequence, _ = strconv.ParseInt(strings.TrimSuffix(e.Name(), ".json"), 10, 64)
		} else {
			r.Prune, r.Sequence = &pr, pr.Sequence
		}
		out = append(out, r)
	}
	// Records whose sequence is unknown (version 1, or undecodable) keep
	// their id order ahead of the sequenced ones; stable sort keeps it.
	slices.SortStableFunc(out, func(a, b chainRecord) int {
		if a.Sequence != b.Sequence {
			if a.Sequence < b.Sequence {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Path, b.Path)
	})
	return out, nil
}

// chainTail is what the next record links to: the last record's path, its
// SHA-256 and the sequence number after it.
func chainTail(chain []chainRecord) (path, sum string, next int64) {
	if len(chain) == 0 {
		return "", "", 1
	}
	last := chain[len(chain)-1]
	return last.Path, sha256Hex(last.Raw), max(last.Sequence, int64(len(chain))) + 1
}

// Snapshot is one sealed revision as listed by Snapshots.
type Snapshot struct {
	*Manifest
	// Current is false for a revision a later one replaced.
	Current bool `json:"current"`
	// Pruned lists what prune records removed of this revision:
	// "published" (its datasets), "staged" (its raw evidence) or both.
	Pruned []string `json:"pruned,omitempty"`
}

// Snapshots lists every sealed revision in date then revision order, with
// which is current and what was pruned.
func Snapshots(dataDir string) ([]Snapshot, error) {
	chain, err := readChain(dataDir)
	if err != nil {
		return nil, err
	}
	pruned := prunedFiles(chain)
	var out []Snapshot
	latest := map[string]int{} // date -> highest revision
	for _, r := range chain {
		if r.Err != nil {
			return nil, fmt.Errorf("decoding %s: %w", r.Path, r.Err)
		}
		if r.Manifest == nil {
			continue
		}
		m := r.Manifest
		if m.Revision == 0 {
			m.Revision = 1 // version 1 manifests have one revision per date
		}
		if _, err := time.Parse(time.DateOnly, m.SnapshotDate); err != nil {
			return nil, fmt.Errorf("manifest of snapshot %s: snapshot_date %q is not YYYY-MM-DD", m.SnapshotID, m.SnapshotDate)
		}
		latest[m.SnapshotDate] = max(latest[m.SnapshotDate], m.Revision)
		s := Snapshot{Manifest: m}
		if len(m.Files) > 0 && pruned[m.Files[0].Path] {
			s.Pruned = append(s.Pruned, "published")
		}
		for _, st := range m.Staged {
			if pruned[st.Path] {
				s.Pruned = append(s.Pruned, "staged")
				break
			}
		}
		out = append(out, s)
	}
	for i := range out {
		out[i].Current = out[i].Revision == latest[out[i].SnapshotDate]
	}
	slices.SortFunc(out, func(a, b Snapshot) int {
		if c := strings.Compare(a.SnapshotDate, b.SnapshotDate); c != 0 {
			return c
		}
		return a.Revision - b.Revision
	})
	return out, nil
}

// CurrentSnapshots returns the current revision of every sealed date whose
// published files were not pruned, oldest date first: what readers see.
func CurrentSnapshots(dataDir string) ([]*Manifest, error) {
	all, err := Snapshots(dataDir)
	if err != nil {
		return nil, err
	}
	var out []*Manifest
	for _, s := range all {
		if s.Current && !slices.Contains(s.Pruned, "published") {
			out = append(out, s.Manifest)
		}
	}
	return out, nil
}

// Resolve finds the sealed revision named by ref: a snapshot id, or a date
// (its current revision).
func Resolve(dataDir, ref string) (*Manifest, error) {
	all, err := Snapshots(dataDir)
	if err != nil {
		return nil, err
	}
	var found *Manifest
	for _, s := range all {
		if s.SnapshotID == ref || s.Current && s.SnapshotDate == ref {
			found = s.Manifest
		}
	}
	if found == nil {
		return nil, fmt.Errorf("no sealed snapshot %s in %s", ref, dataDir)
	}
	return found, nil
}

// prunedFiles is every path a prune record removed on purpose.
func prunedFiles(chain []chainRecord) map[string]bool {
	out := map[string]bool{}
	for _, r := range chain {
		if r.Prune == nil {
			continue
		}
		for _, s := range r.Prune.Snapshots {
			for _, f := range s.Removed {
				out[f.Path] = true
			}
		}
	}
	return out
}
