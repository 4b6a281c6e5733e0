package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/saaspipe/saaspipe/load"
)

// Stage names accepted by Execute.
const (
	StageRun       = "run"       // extract, then transform + load
	StageExtract   = "extract"   // extract only (one task per connector under an orchestrator)
	StageTransform = "transform" // staged files → datasets in work/<snapshot>/
	StageLoad      = "load"      // work/<snapshot>/ → published/, manifest, catalog
	StagePublish   = "publish"   // transform + load from what is staged
)

// Execute runs a stage and returns its summary, also written to
// runs/<snapshot>/summary.json. The error is for problems that stopped the
// stage as a whole; per-connector failures are in the summary only.
func Execute(ctx context.Context, stage string, o Options) (*Summary, error) {
	l := o.layout()
	wall := time.Now()
	sum := &Summary{Command: stage, Snapshot: o.snapshotID(), Status: StatusFailed, StartedAt: o.now().UTC(),
		DataDir: l.Root, ToolVersion: o.ToolVersion, ConfigFingerprint: o.Config.Fingerprint(o.Types)}
	err := execute(ctx, stage, o, sum)
	if err != nil {
		sum.Status = StatusFailed
		sum.Errors = append(sum.Errors, err.Error())
	}
	sum.FinishedAt = o.now().UTC()
	sum.Seconds = time.Since(wall).Seconds()
	if werr := writeJSONAtomic(l.Summary(sum.Snapshot), sum); werr != nil && err == nil {
		err = werr
	}
	return sum, err
}

func execute(ctx context.Context, stage string, o Options, sum *Summary) error {
	if stage == StageRun || stage == StageExtract {
		// Extracting a sealed date again would overwrite the staged files
		// its manifest lists as evidence and move cursors past data no
		// published snapshot holds: re-running it is a no-op. With
		// --replace, the selected connectors are re-extracted into the
		// staging folder of the next revision (DATE.rN) and the revision is
		// published from those and the replaced revision's evidence of the
		// others. A wrong --connector is still a usage error.
		if _, err := o.selected(); err != nil {
			return err
		}
		if err := o.replacementReason(); err != nil {
			return err
		}
		sealed, err := load.Published(o.layout().Root, o.snapshotID())
		if err != nil {
			return err
		}
		if sealed && !o.Replace {
			sum.Status = StatusAlreadyPublished
			o.logger().Info("snapshot already published; nothing to do", "snapshot", o.snapshotID())
			return nil
		}
		if !sealed {
			// Nothing to replace: an ordinary first publication.
			o.Replace = false
		}
	}
	if stage == StageRun || stage == StageExtract {
		start := time.Now()
		recs, err := Extract(ctx, o)
		for _, r := range recs {
			sum.Connectors = append(sum.Connectors, connectorSummary(r))
			if r.Status != StatusOK {
				sum.Errors = append(sum.Errors, r.Connector+": "+r.Error)
			}
		}
		if err != nil {
			return err
		}
		o.logger().Info("extract finished", "connectors", len(recs), "seconds", time.Since(start).Seconds())
		if stage == StageExtract {
			sum.Status = StatusOK
			for _, r := range recs {
				if r.Status != StatusOK {
					sum.Status = StatusFailed
				}
			}
			return nil
		}
	}
	switch stage {
	case StageRun, StagePublish:
		return Publish(ctx, o, sum)
	case StageTransform:
		return Transform(ctx, o, sum)
	case StageLoad:
		return LoadStage(ctx, o, sum)
	}
	return &UsageError{Msg: "unknown stage " + stage}
}

// IsUsage reports whether err is a usage or configuration error (exit 2).
func IsUsage(err error) bool {
	var u *UsageError
	var v *ValidationError
	return errors.As(err, &u) || errors.As(err, &v)
}
