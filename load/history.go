package load

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sourcegraph/conc/pool"

	sqlfiles "github.com/saaspipe/saaspipe/sql"
	"github.com/saaspipe/saaspipe/transform"
)

// historySpec is one type-2 history dataset: the dataset it follows, its key
// and the fields whose change opens a new version. sql/history/<source>.sql
// spells the same lists for DuckDB; TestHistoryColumnsMatchDocs holds them
// together.
type historySpec struct {
	source  string
	key     []string
	tracked []string
}

var historySpecs = []historySpec{
	{"accounts", []string{"vendor", "product", "tenant", "source_id"},
		[]string{"account_id", "person_id", "login", "email", "display_name", "status", "user_type", "is_admin", "activity_status"}},
	{"license_assignments", []string{"account_id", "subscription_id"},
		[]string{"person_id", "vendor", "product", "sku", "assignment_type", "status", "holds_seat", "monthly_cost", "currency"}},
	{"subscriptions", []string{"subscription_id"},
		[]string{"vendor", "product", "tenant", "sku", "name", "status", "purchased_units", "assigned_units", "unit_cost", "currency"}},
	{"app_assignments", []string{"application_id", "account_id"},
		[]string{"person_id", "connector_type", "tenant", "user_name", "email", "status", "scope"}},
}

// HistoryDatasets are the type-2 history datasets every snapshot publishes
// beside transform.Datasets: <dataset>_history holds every version of every
// row of <dataset> from the first snapshot up to (and including) the one it
// is published with. The catalog's <dataset>_history view reads the latest
// snapshot's file.
var HistoryDatasets = historyDatasets()

func historyDatasets() []transform.Dataset {
	var out []transform.Dataset
	for _, h := range historySpecs {
		i := slices.IndexFunc(transform.Datasets, func(d transform.Dataset) bool { return d.Name == h.source })
		if i < 0 {
			panic("load: history of unknown dataset " + h.source)
		}
		src := transform.Datasets[i]
		col := func(name string) transform.Column {
			j := slices.IndexFunc(src.Columns, func(c transform.Column) bool { return c.Name == name })
			if j < 0 {
				panic("load: dataset " + h.source + " has no column " + name)
			}
			return src.Columns[j]
		}
		ds := transform.Dataset{
			Name: h.source + "_history",
			Key:  append(slices.Clone(h.key), "valid_from"),
			Doc: "type-2 history of " + h.source + ": one version per key and run of consecutive snapshots with the same tracked fields, " +
				"folded snapshot by snapshot; the file of a snapshot holds the history up to that snapshot",
			Columns: []transform.Column{{Name: "snapshot_date", Type: "DATE", Doc: "the snapshot this history is as of; also the Hive partition"}},
		}
		for _, c := range append(slices.Clone(h.key), h.tracked...) {
			ds.Columns = append(ds.Columns, col(c))
		}
		ds.Columns = append(ds.Columns,
			transform.Column{Name: "valid_from", Type: "DATE", Doc: "snapshot date from which the version holds"},
			transform.Column{Name: "valid_to", Type: "DATE", Doc: "snapshot date from which it no longer holds (the key changed or was gone); NULL while current"},
			transform.Column{Name: "is_current", Type: "BOOLEAN", Doc: "the version holds in the snapshot this history is as of"},
			transform.Column{Name: "change_type", Type: "VARCHAR", Doc: "created (first version of the key) | changed (tracked fields differ from the version before) | restored (the key had gone and came back)"},
			transform.Column{Name: "changed_fields", Type: "VARCHAR[]", Doc: "tracked fields that differ from the key's previous version, in column order; empty for created"},
		)
		out = append(out, ds)
	}
	return out
}

// historyBase picks the snapshot whose history a snapshot of day extends:
// the current revision of the latest earlier date whose history files are
// still there. A replacement of an old date thus does not rewrite the
// history later snapshots published; theirs stays as it was sealed.
func historyBase(dataDir string, chain []chainRecord, day string) (*Manifest, error) {
	pruned := prunedFiles(chain)
	current := map[string]*Manifest{}
	for _, r := range chain {
		if m := r.Manifest; m != nil && m.SnapshotDate < day {
			if c := current[m.SnapshotDate]; c == nil || max(m.Revision, 1) > max(c.Revision, 1) {
				current[m.SnapshotDate] = m
			}
		}
	}
	var base *Manifest
	for _, m := range current {
		f, ok := m.File(HistoryDatasets[0].Name)
		if !ok || pruned[f.Path] {
			continue
		}
		if base == nil || m.SnapshotDate > base.SnapshotDate {
			base = m
		}
	}
	return base, nil
}

// buildHistory creates one table per history dataset in db, folding the
// dataset tables of day into base's published history files (checked
// against base's manifest first: a tampered file must not seep into the
// next snapshot). The datasets are folded two at a time, each on a
// connection of its own, whose temporary macros and tables are its own.
func buildHistory(ctx context.Context, db *sql.DB, dataDir string, base *Manifest, day string) error {
	return twoOnOneThread(ctx, db, func() error {
		p := pool.New().WithErrors().WithContext(ctx).WithFirstError().WithMaxGoroutines(2)
		for i := range historySpecs {
			p.Go(func(ctx context.Context) error { return foldHistory(ctx, db, dataDir, base, day, i) })
		}
		return p.Wait()
	})
}

// twoOnOneThread runs fn, which runs two statements side by side, with
// DuckDB's threads set to one, so that each statement runs on one thread
// rather than both splitting both cores (the transform measured the same
// work a fifth cheaper so), and restores the setting after.
func twoOnOneThread(ctx context.Context, db *sql.DB, fn func() error) error {
	var threads int64
	if err := db.QueryRowContext(ctx, "SELECT current_setting('threads')").Scan(&threads); err != nil {
		return fmt.Errorf("reading duckdb threads: %w", err)
	}
	if threads > 1 {
		if _, err := db.ExecContext(ctx, "SET GLOBAL threads = 1"); err != nil {
			return fmt.Errorf("setting duckdb threads: %w", err)
		}
		defer db.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SET GLOBAL threads = %d", threads))
	}
	return fn()
}

// foldHistory builds history dataset i.
func foldHistory(ctx context.Context, db *sql.DB, dataDir string, base *Manifest, day string, i int) error {
	h, ds := historySpecs[i], HistoryDatasets[i]
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	scd2, err := fs.ReadFile(sqlfiles.FS, "history/scd2.sql")
	if err != nil {
		return err
	}
	// scd2.sql's result is a table of the main schema, shared by the
	// connections: each fold names its own.
	out := "hist_out_" + h.source
	fold := strings.ReplaceAll(string(scd2), "main.hist_out", "main."+out)
	empty, err := fs.ReadFile(sqlfiles.FS, "history/empty_prev.sql")
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE hist_day AS SELECT CAST(? AS DATE) AS d", day); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	defs, err := fs.ReadFile(sqlfiles.FS, "history/"+h.source+".sql")
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, string(defs)); err != nil {
		return fmt.Errorf("history of %s: %w", h.source, err)
	}
	prev, ok := File{}, false
	if base != nil {
		prev, ok = base.File(ds.Name)
	}
	if ok {
		path := filepath.Join(dataDir, filepath.FromSlash(prev.Path))
		if sum, _, err := hashFile(path); err != nil || sum != prev.SHA256 {
			return fmt.Errorf("history of %s: %s does not match the manifest of snapshot %s (run 'saaspipe snapshots verify')", h.source, prev.Path, base.SnapshotID)
		}
		if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE hist_prev_raw AS SELECT * FROM read_parquet(?)", path); err != nil {
			return fmt.Errorf("history of %s: reading %s: %w", h.source, prev.Path, err)
		}
	} else if _, err := conn.ExecContext(ctx, string(empty)); err != nil {
		return fmt.Errorf("history of %s: %w", h.source, err)
	}
	if _, err := conn.ExecContext(ctx, fold); err != nil {
		return fmt.Errorf("history of %s: %w", h.source, err)
	}
	// ds.Name and out are fixed identifiers.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("DROP TABLE IF EXISTS main.%s; ALTER TABLE main.%s RENAME TO %s; DROP TABLE hist_c; DROP TABLE hist_p; DROP TABLE hist_prev_raw", ds.Name, out, ds.Name)); err != nil {
		return fmt.Errorf("history of %s: %w", h.source, err)
	}
	return nil
}
