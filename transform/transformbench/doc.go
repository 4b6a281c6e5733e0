// Package transformbench generates the staged estate the transform's
// performance target is measured on: 100,000 people across the eight vendor
// types the pipeline ships (about 1M accounts) and about 5M activity records
// spread over every activity entity, in a 30-day window of weekly snapshots,
// shaped like what each connector stages from its simulated vendor.
//
// In: a directory, an organisation size and a snapshot date. Out: staged
// Parquet files written with extract/stage and the transform.Input that
// reads them. Both BenchmarkTransform100k (package transform) and the bench
// command's transform target use it; the saaspipe binary does not.
package transformbench
