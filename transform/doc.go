// Package transform turns staged raw records into the published datasets
// with DuckDB SQL embedded from package sql.
//
// In: an Input naming the snapshot, its staged Parquet files (one per
// snapshot × connector instance × entity, written by extract/stage), the
// pipeline's connector run reports (with the capabilities each connector
// reported of its tenant), the connector types' declarations and the org
// source ranking.
// Out: one DuckDB table per Dataset, named after it, inside the DB that Run
// was called on, with exactly the Dataset's columns; Run writes each as
// soon as it is checked (WriteDatasetsTo; WriteDatasets after Run writes
// the same bytes) as zstd Parquet in key order (WriteDataset, the one
// writer every published dataset file comes from), which package load
// publishes.
// Nothing else is written outside the scratch directory given to Open.
//
// Run plans the staging and core SQL as steps that each make one table
// from what earlier steps made (plan), and runs them on as many
// connections as DuckDB has threads, each statement then on one thread,
// side by side where neither reads what the other makes (runPlan). A core
// table whose SQL matches rows only within a connector type (perTypeCore:
// int_activity) is built one part per type, each as soon as that type is
// staged.
//
// Tests keep every layer for inspection; the pipeline calls
// DiscardIntermediates, which drops each table once no later SQL reads it.
//
// Layers, each a set of tables or views in the in-process database:
// raw_<type>__<entity> (staged rows, typed), stg_<type>__<entity> (vendor
// JSON mapped to the canonical staging contract, see Staging),
// stg_<entity> (the union over connector types, generated from the
// contract, of the columns core reads), int_* (deduplicated, resolved;
// int_activity a view over one part per type) and the datasets. Only this
// package and load import the DuckDB driver.
package transform
