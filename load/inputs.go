package load

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/saaspipe/saaspipe/transform"
)

// Inputs is snapshots/<id>/inputs.json: the transform.Input the snapshot
// was built from, whole, with staged paths relative to the data directory.
// With the staged files (hashed in the manifest) it is all a rebuild needs;
// storing the whole struct keeps fields the transform gains later.
type Inputs struct {
	transform.Input
}

func inputsOf(o Options) Inputs {
	in := o.Input
	if in.SnapshotID == "" {
		in.SnapshotID = o.SnapshotID
	}
	if in.SnapshotDate.IsZero() {
		in.SnapshotDate = o.SnapshotDate
	}
	in.SnapshotDate = in.SnapshotDate.UTC()
	if in.Staged == nil {
		in.Staged = o.Staged
	}
	if in.Runs == nil {
		in.Runs = o.Runs
	}
	staged := make([]transform.StagedFile, 0, len(in.Staged))
	for _, s := range in.Staged {
		if r, err := filepath.Rel(o.DataDir, s.Path); err == nil && !strings.HasPrefix(r, "..") {
			s.Path = filepath.ToSlash(r)
		}
		staged = append(staged, s)
	}
	in.Staged = staged
	return Inputs{in}
}

// transformInput turns stored inputs back into a transform.Input reading
// the staged files under dataDir.
func (in Inputs) transformInput(dataDir string) (transform.Input, error) {
	out := in.Input
	if out.SnapshotDate.IsZero() {
		return out, fmt.Errorf("inputs of snapshot %s: no snapshot date", out.SnapshotID)
	}
	out.Staged = nil
	for _, s := range in.Staged {
		if !filepath.IsAbs(s.Path) {
			s.Path = filepath.Join(dataDir, filepath.FromSlash(s.Path))
		}
		out.Staged = append(out.Staged, s)
	}
	return out, nil
}

// readInputs reads a manifest's inputs.json after checking it against the
// hash the manifest holds.
func readInputs(dataDir string, m *Manifest) (Inputs, error) {
	var in Inputs
	if m.Inputs == nil {
		return in, fmt.Errorf("snapshot %s was sealed without its transform inputs (manifest version %d); it cannot be rebuilt", m.SnapshotID, m.Version)
	}
	raw, err := os.ReadFile(filepath.Join(dataDir, filepath.FromSlash(m.Inputs.Path)))
	if err != nil {
		return in, fmt.Errorf("reading inputs of snapshot %s: %w", m.SnapshotID, err)
	}
	if got := sha256Hex(raw); got != m.Inputs.SHA256 {
		return in, fmt.Errorf("%s: altered: sha256 %s, manifest says %s", m.Inputs.Path, short(got), short(m.Inputs.SHA256))
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return in, fmt.Errorf("decoding %s: %w", m.Inputs.Path, err)
	}
	return in, nil
}
