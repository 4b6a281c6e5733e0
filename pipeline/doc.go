// Package pipeline loads and validates the configuration and runs the three
// stages over one data directory:
//
//	extract   connector instances (bounded pool) → staging/<snapshot>/<connector>/<entity>.parquet
//	          + staging/<snapshot>/<connector>/_run.json, cursors in state/
//	transform staged files of every enabled instance (or, for one that failed, its last good
//	          snapshot's files, marked stale) → in-memory DuckDB → the datasets as sorted
//	          Parquet in work/<snapshot>/datasets/ + work/<snapshot>/transform.json
//	load      those files, copied byte for byte, and the history folded from them →
//	          published/, snapshots/<id>/manifest.json, saaspipe.duckdb
//
// In: a Config (see config.go), a logical snapshot date, the registry of
// connector types. Out: the files above and a Summary (also written to
// runs/<snapshot>/summary.json) whose Status maps to the CLI exit code.
//
// Invariants: a staged file exists only once complete; a cursor moves only
// after the whole connector run it belongs to is durably staged, and it is
// stored per snapshot so re-extracting the same date re-reads the same window;
// one connector's failure (error or panic) never stops the others.
package pipeline
