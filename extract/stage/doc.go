// Package stage writes staged raw data: one Parquet file per (snapshot,
// connector instance, entity) holding every record's raw JSON with its
// envelope columns, zstd-compressed.
//
// In: extract.Records from a connector's fetch, streamed through Writer.Emit.
// Out: <dir>/<snapshot>/<connector>/<entity>.parquet, which appears only
// when Commit has flushed, fsynced and renamed it into place; an aborted or
// crashed write leaves at most a *.tmp file that the next run removes.
// Memory is bounded by one row batch, never by the tenant's size.
package stage
