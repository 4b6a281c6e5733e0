package load

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"

	sqlfiles "github.com/saaspipe/saaspipe/sql"
	"github.com/saaspipe/saaspipe/transform"
)

// DiffRow is one change between two snapshots (sql/history/diff.sql).
type DiffRow struct {
	Section string   `json:"section"` // people | accounts | licenses | subscriptions | cost
	Change  string   `json:"change"`
	ID      string   `json:"id"`
	Label   string   `json:"label"`
	Before  string   `json:"before"`
	After   string   `json:"after"`
	Delta   *float64 `json:"delta"`
}

// DiffResult is what changed from snapshot A to snapshot B.
type DiffResult struct {
	A, B *Manifest
	Rows []DiffRow
}

// diffDatasets are the datasets a diff reads from both snapshots.
var diffDatasets = []string{"people", "accounts", "license_assignments", "subscriptions"}

// Diff compares the published datasets of two sealed snapshots (ids or
// dates; a date means its current revision). When parquetOut is set the
// changes are also written there as Parquet. scratch holds DuckDB's spill
// files.
func Diff(ctx context.Context, dataDir, refA, refB, parquetOut, scratch string) (*DiffResult, error) {
	res := &DiffResult{}
	var err error
	if res.A, err = Resolve(dataDir, refA); err != nil {
		return nil, err
	}
	if res.B, err = Resolve(dataDir, refB); err != nil {
		return nil, err
	}
	chain, err := readChain(dataDir)
	if err != nil {
		return nil, err
	}
	pruned := prunedFiles(chain)
	db, err := transform.Open(ctx, scratch)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	for _, side := range []struct {
		prefix string
		m      *Manifest
	}{{"a_", res.A}, {"b_", res.B}} {
		for _, ds := range diffDatasets {
			f, ok := side.m.File(ds)
			if !ok || pruned[f.Path] {
				return nil, fmt.Errorf("snapshot %s has no %s file to compare (pruned?)", side.m.SnapshotID, ds)
			}
			// Table names come from the fixed lists above.
			q := fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s%s AS SELECT * FROM read_parquet(?)", side.prefix, ds)
			if _, err := conn.ExecContext(ctx, q, filepath.Join(dataDir, filepath.FromSlash(f.Path))); err != nil {
				return nil, fmt.Errorf("reading %s: %w", f.Path, err)
			}
		}
	}
	body, err := fs.ReadFile(sqlfiles.FS, "history/diff.sql")
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, string(body)); err != nil {
		return nil, fmt.Errorf("diffing %s and %s: %w", res.A.SnapshotID, res.B.SnapshotID, err)
	}
	const ordered = `SELECT section, change, id, label, before, after, delta FROM diff
		ORDER BY list_position(['people', 'accounts', 'licenses', 'subscriptions', 'cost'], section), change, label, id`
	rows, err := conn.QueryContext(ctx, ordered)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r DiffRow
		var id, label, before, after sql.NullString
		var delta sql.NullFloat64
		if err := rows.Scan(&r.Section, &r.Change, &id, &label, &before, &after, &delta); err != nil {
			return nil, err
		}
		r.ID, r.Label, r.Before, r.After = id.String, label.String, before.String, after.String
		if delta.Valid {
			d := delta.Float64
			r.Delta = &d
		}
		res.Rows = append(res.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if parquetOut != "" {
		q := "COPY (" + ordered + ") TO ? (FORMAT parquet, COMPRESSION zstd)"
		if _, err := conn.ExecContext(ctx, q, parquetOut); err != nil {
			return nil, fmt.Errorf("writing %s: %w", parquetOut, err)
		}
	}
	return res, nil
}
