package load

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/saaspipe/saaspipe/transform"
)

// RebuildCatalog replaces <dataDir>/saaspipe.duckdb with one view per
// dataset over every sealed snapshot and a current_<dataset> view over the
// latest. It holds no data. Views name sealed dates explicitly so that a
// partition moved into place by a publish that then crashed is never seen.
func RebuildCatalog(ctx context.Context, dataDir string, datasets []transform.Dataset) (err error) {
	ids, err := sealedSnapshots(dataDir)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return fmt.Errorf("resolving data directory: %w", err)
	}
	dates := map[string][]string{} // dataset -> sealed dates holding it
	var latest string
	for _, id := range ids {
		m, err := ReadManifest(dataDir, id)
		if err != nil {
			return err
		}
		if _, err := time.Parse(time.DateOnly, m.SnapshotDate); err != nil {
			return fmt.Errorf("manifest of snapshot %s: snapshot_date %q is not YYYY-MM-DD", id, m.SnapshotDate)
		}
		for _, f := range m.Files {
			dates[f.Dataset] = append(dates[f.Dataset], m.SnapshotDate)
		}
		latest = max(latest, m.SnapshotDate)
	}

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
	for _, ds := range datasets {
		if len(dates[ds.Name]) == 0 {
			continue
		}
		for _, stmt := range catalogViews(abs, ds, dates[ds.Name], latest) {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("creating catalog view for %s: %w", ds.Name, err)
			}
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
	return syncDir(dataDir)
}

// catalogViews returns the DDL of one dataset's two views. A view's
// definition cannot hold bound parameters, so the glob and dates are SQL
// literals here: the path is quoted by doubling quotes and the dates come
// from manifests this package wrote and validated as YYYY-MM-DD.
func catalogViews(absDataDir string, ds transform.Dataset, dates []string, latest string) []string {
	glob := filepath.ToSlash(filepath.Join(absDataDir, publishedDir, ds.Name, "*", "*.parquet"))
	lits := make([]string, len(dates))
	for i, d := range dates {
		lits[i] = "DATE " + quote(d)
	}
	all := fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s, hive_partitioning = true, union_by_name = true) WHERE snapshot_date IN (%s)",
		ds.Name, quote(glob), strings.Join(lits, ", "))
	current := fmt.Sprintf("CREATE VIEW current_%s AS SELECT * FROM %s WHERE snapshot_date = DATE %s", ds.Name, ds.Name, quote(latest))
	return []string{all, current}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
