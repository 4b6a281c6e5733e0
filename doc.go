// Command saaspipe collects SaaS license usage and activity from vendor APIs
// and publishes one consolidated, auditable picture as Parquet.
//
// In: a command line (README.md, "Command-line contract") and a YAML config;
// for `demo`, nothing: it serves simulated vendors on loopback itself. Out:
// the data directory's staged, published and snapshot files, logs on stderr,
// the run summary (stdout with --json) and an exit code: 0 ok, 1 failure,
// 2 usage or configuration, 3 partial.
package main
