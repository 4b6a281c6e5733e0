// Package report turns published snapshots into one self-contained HTML page
// for the people who decide which licenses to reclaim.
//
// In: a data directory that load has published into (sealed manifests under
// snapshots/, the DuckDB catalog saaspipe.duckdb with a view per dataset over
// every sealed snapshot) and the id of the snapshot to report on (default:
// the latest sealed one).
// Out: one HTML file holding its own CSS, JavaScript, the charting library
// (Apache ECharts, vendored from the npm registry into assets/ and embedded
// into the binary) and the data as JSON, so that it opens from file:// on a
// machine with no network and can be mailed or archived next to the snapshot
// it describes. Nothing else is written.
//
// The catalog is attached read-only; the report never changes published
// data. Numbers the datasets leave NULL (a seat price nobody configured, a
// purchased count a vendor does not report) stay unknown in the page: they
// are shown as such and never summed as zero.
package report
