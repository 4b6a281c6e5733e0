package load

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/transform"
)

// RebuildCatalog replaces <dataDir>/saaspipe.duckdb with one view per
// dataset over the current revision of every sealed date (files not
// pruned), a current_<dataset> view over the latest date, and one
// <dataset>_history view per history dataset over the latest snapshot's
// history. It holds no data. Views list the files the manifests name, so a
// replaced revision, a file slipped into a partition or one moved into place
// by a publish that then crashed is never seen.
func RebuildCatalog(ctx context.Context, dataDir string, datasets []transform.Dataset) (err error) {
	current, err := CurrentSnapshots(dataDir)
	if err != nil {
		return err
	}
	if len(current) == 0 {
		return nil
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return fmt.Errorf("resolving data directory: %w", err)
	}
	files := map[string][]string{} // dataset -> absolute paths, date order
	for _, m := range current {
		for _, f := range m.Files {
			files[f.Dataset] = append(files[f.Dataset], filepath.Join(abs, filepath.FromSlash(f.Path)))
		}
	}
	latest := current[len(current)-1]

	final := filepath.Join(dataDir, catalogName)
	tmp := final + ".tmp"
	os.Remove(tmp)
	os.Remove(tmp + ".wal")
	db, err := sql.Open("duckdb", tmp)
	if err != nil {
		return fmt.Errorf("creating catalog: %w", err)
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing catalog: %w", cerr)
		}
		if err != nil {
			os.Remove(tmp)
			os.Remove(tmp + ".wal")
		}
	}()
	var stmts []string
	for _, ds := range datasets {
		if len(files[ds.Name]) == 0 {
			continue
		}
		stmts = append(stmts, catalogViews(ds.Name, files[ds.Name], latest.SnapshotDate)...)
	}
	for _, ds := range HistoryDatasets {
		if f, ok := latest.File(ds.Name); ok {
			stmts = append(stmts, fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s)",
				ds.Name, quote(filepath.Join(abs, filepath.FromSlash(f.Path)))))
		}
	}
	for _, stmt := range stmts {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("creating catalog view: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpointing catalog: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("closing catalog: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("replacing catalog: %w", err)
	}
	return stage.Sync(dataDir)
}

// catalogViews returns the DDL of one dataset's two views. A view's
// definition cannot hold bound parameters, so the file paths and the date
// are SQL literals here: paths are quoted by doubling quotes, and the date
// comes from a manifest whose snapshot_date was validated as YYYY-MM-DD.
func catalogViews(name string, files []string, latest string) []string {
	lits := make([]string, len(files))
	for i, f := range files {
		lits[i] = quote(filepath.ToSlash(f))
	}
	all := fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet([%s], union_by_name = true)", name, strings.Join(lits, ", "))
	current := fmt.Sprintf("CREATE VIEW current_%s AS SELECT * FROM %s WHERE snapshot_date = DATE %s", name, name, quote(latest))
	return []string{all, current}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
