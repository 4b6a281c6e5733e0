// Package load publishes a transform's dataset tables as an immutable,
// hash-listed snapshot, and keeps the snapshots auditable afterwards.
//
// In: a *sql.DB holding one table per transform.Dataset (built by
// transform.DB.Run), or the files Run wrote of them (transform.DB.WriteDatasetsTo;
// Options.DatasetDir: copied byte for byte), the snapshot's date, its staged files, connector runs
// and the transform's whole input. Out, under DataDir:
//
//	published/<dataset>/snapshot_date=YYYY-MM-DD/part-0.parquet   (part-0.rN.parquet for revision N)
//	published/<dataset>_history/snapshot_date=…/part-0.parquet    (HistoryDatasets)
//	snapshots/<snapshot id>/manifest.json, inputs.json
//	snapshots/_prune/<sequence>.json
//	saaspipe.duckdb
//
// Each part file is zstd Parquet written by DuckDB in the dataset's key
// order with a fixed row-group size, so the same tables give the same
// bytes; Rebuild re-runs the transform from a snapshot's staged evidence
// and inputs.json to show it. The snapshot_date column is kept inside the
// files, so a file copied out on its own still says which snapshot it
// belongs to.
//
// Publishing is atomic: files are written and hashed in a temporary
// directory, moved into place, and the manifest is written last (temp,
// fsync, rename) as the commit point. Files without a manifest are
// leftovers of a crash and are removed by the next Publish; a snapshot with
// a manifest is sealed and never rewritten. A sealed date can be published
// again only as a new revision (Options.Replace, with a reason), which the
// catalog, diffs and history then read instead of the earlier one.
//
// Manifests and prune records form one chain in sealing order: each holds
// its sequence number and the SHA-256 of the record before it. Verify
// checks files and chain; Prune removes old files and records what it
// removed in the chain so that verification of the rest still holds. The
// history datasets are folded snapshot by snapshot (sql/history/scd2.sql)
// from the previous snapshot's published history, and Diff compares two
// snapshots (sql/history/diff.sql). The DuckDB catalog holds only views over
// files the manifests list.
package load
