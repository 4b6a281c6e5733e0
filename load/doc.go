// Package load publishes a transform's dataset tables as an immutable,
// hash-listed snapshot.
//
// In: a *sql.DB holding one table per transform.Dataset (built by
// transform.DB.Run), the snapshot's id and date, its staged files and
// connector runs. Out, under DataDir:
//
//	published/<dataset>/snapshot_date=YYYY-MM-DD/part-0.parquet
//	snapshots/<snapshot id>/manifest.json
//	saaspipe.duckdb
//
// Each part file is zstd Parquet written by DuckDB in the dataset's key
// order with a fixed row-group size, so the same tables give the same
// bytes. The snapshot_date column is kept inside the files as well as in
// the partition path, so a file copied out on its own still says which
// snapshot it belongs to; readers using Hive partitioning see one column.
//
// Publishing is atomic: files are written and hashed in a temporary
// directory, moved into place, and the manifest is written last (temp,
// fsync, rename) as the commit point. Partition directories without a
// manifest are leftovers of a crash and are removed by the next Publish;
// a snapshot with a manifest is sealed and never rewritten. Each manifest
// holds the SHA-256 of the previous one by snapshot id, forming a chain.
// The DuckDB catalog holds only views over the sealed files.
package load
