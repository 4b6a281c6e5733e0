package transform

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/saaspipe/saaspipe/extract/stage"
)

// RowGroupSize is fixed so that a dataset file's layout depends only on its
// rows.
const RowGroupSize = 122880

// Execer runs a statement: a *sql.DB or *sql.Conn.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// WriteDataset writes the table ds.Name of db to path as zstd Parquet in key
// order, readable by its owner and group only. Every dataset file, whether
// the pipeline's transform writes it or a rebuild does, comes from this one
// statement, so equal rows give equal bytes.
func WriteDataset(ctx context.Context, db Execer, ds Dataset, path string) error {
	q := fmt.Sprintf("COPY (SELECT * FROM %s ORDER BY %s) TO ? (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE %d)",
		ds.Name, strings.Join(ds.Key, ", "), RowGroupSize)
	if _, err := db.ExecContext(ctx, q, path); err != nil {
		return fmt.Errorf("writing dataset %s: %w", ds.Name, err)
	}
	// DuckDB creates files with the process umask; published data is not
	// for every local user.
	if err := os.Chmod(path, stage.FileMode); err != nil {
		return fmt.Errorf("restricting dataset %s: %w", ds.Name, err)
	}
	return nil
}

// DatasetFile is where WriteDatasets put a dataset: dir/<name>.parquet.
func DatasetFile(dir, name string) string { return filepath.Join(dir, name+".parquet") }

// WriteDatasets writes every dataset of the last Run into dir (created if
// missing) with WriteDataset, as DatasetFile names them.
func (d *DB) WriteDatasets(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, stage.DirMode); err != nil {
		return fmt.Errorf("creating the datasets directory: %w", err)
	}
	for _, ds := range Datasets {
		clock := startStep()
		if err := writeDatasetFile(ctx, d.db, ds, dir); err != nil {
			return err
		}
		clock.end(d, "write "+ds.Name)
	}
	if err := stage.Sync(dir); err != nil {
		return fmt.Errorf("syncing the datasets directory: %w", err)
	}
	return nil
}

// WriteDatasetsTo makes Run write each dataset into dir (created if
// missing), the bytes WriteDatasets would write, as soon as the dataset is
// built and checked, beside the steps still running. This is how the
// pipeline's transform stage hands its result to the load stage: the files
// load publishes are these bytes.
func (d *DB) WriteDatasetsTo(dir string) { d.out = dir }

// writeDatasetFile writes one dataset as DatasetFile names it in dir and
// syncs it: load trusts these files once the transform's state names them.
func writeDatasetFile(ctx context.Context, db Execer, ds Dataset, dir string) error {
	path := DatasetFile(dir, ds.Name)
	if err := WriteDataset(ctx, db, ds, path); err != nil {
		return err
	}
	if err := stage.Sync(path); err != nil {
		return fmt.Errorf("syncing dataset %s: %w", ds.Name, err)
	}
	return nil
}
