package pipeline

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/saaspipe/saaspipe/load"
)

// Staged evidence of one snapshot date lives in staging/DATE/ for its first
// revision and in staging/DATE.rN/ for what `run --replace` re-extracted for
// revision N: the folders of a sealed revision are never written again, so
// its manifest's evidence stays what it was. A connector's record for a
// revision is the one in the newest folder up to that revision that holds
// one; connectors a replacement did not re-extract keep the evidence of the
// revision it replaces.

// stagingFolderRE matches the staging folder names: DATE or DATE.rN.
var stagingFolderRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(?:\.r([0-9]+))?$`)

// folderRev is one staging folder of a date.
type folderRev struct {
	name string
	rev  int
}

// stagingIndex is every staging folder by date, newest revision first.
type stagingIndex map[string][]folderRev

func readStagingIndex(l Layout) (stagingIndex, error) {
	entries, err := os.ReadDir(l.Staging())
	if errors.Is(err, os.ErrNotExist) {
		return stagingIndex{}, nil
	}
	if err != nil {
		return nil, err
	}
	ix := stagingIndex{}
	for _, e := range entries {
		m := stagingFolderRE.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		rev := 1
		if m[2] != "" {
			n, err := strconv.Atoi(m[2])
			if err != nil || n < 2 {
				continue
			}
			rev = n
		}
		ix[m[1]] = append(ix[m[1]], folderRev{name: e.Name(), rev: rev})
	}
	for d := range ix {
		slices.SortFunc(ix[d], func(a, b folderRev) int { return b.rev - a.rev })
	}
	return ix, nil
}

// dates lists the dates with staged folders, oldest first.
func (ix stagingIndex) dates() []string {
	out := make([]string, 0, len(ix))
	for d := range ix {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// records finds connector's run records of date among the folders of
// revisions up to maxRev: latest is the newest record (nil when none),
// good the newest successful one (nil when none).
func (ix stagingIndex) records(l Layout, date string, maxRev int, connector string) (latest, good *RunRecord, err error) {
	for _, f := range ix[date] {
		if f.rev > maxRev {
			continue
		}
		rec, err := readRunRecord(l, f.name, connector)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if latest == nil {
			latest = &rec
		}
		if rec.Status == StatusOK {
			return latest, &rec, nil
		}
	}
	return latest, nil, nil
}

// revisions is what the chain says of sealed dates: date → current
// revision.
type revisions map[string]int

func readRevisions(l Layout) (revisions, error) {
	all, err := load.Snapshots(l.Root)
	if err != nil {
		return nil, err
	}
	out := revisions{}
	for _, s := range all {
		if s.Current {
			out[s.SnapshotDate] = s.Revision
		}
	}
	return out, nil
}

// readable is the highest revision whose folders a snapshot built for date
// reads: the current revision of a sealed date, 1 for an unsealed one.
func (r revisions) readable(date string) int { return max(1, r[date]) }

// target is the revision a stage of o works towards for its date and the
// staging folder it extracts into: the next revision when replacing a
// sealed date, else the first.
func (o *Options) target(r revisions) (rev int, folder string) {
	snap := o.snapshotID()
	if cur := r[snap]; cur > 0 && o.Replace {
		return cur + 1, load.RevisionID(snap, cur+1)
	}
	return 1, snap
}

// replacementReason checks that a replacement says why.
func (o *Options) replacementReason() error {
	if o.Replace && strings.TrimSpace(o.Reason) == "" {
		return &UsageError{Msg: "replacing snapshot " + o.snapshotID() + " needs a reason (--reason \"…\"): it is recorded in the manifest chain"}
	}
	return nil
}
