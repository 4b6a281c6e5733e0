// Package chaos holds the chaos suite: every simulated HTTP vendor is read by
// its connector through a fault-injecting transport (429 storms with and
// without Retry-After, 500/502/503/504 bursts, connection resets, attempts
// slower than the request timeout, truncated and malformed bodies, a token
// expiring mid-paging, a repeated cursor, an empty page that still has a
// next link, duplicate records across pages, records missing fields,
// unknown fields), and each run must either stage exactly the records the
// simulator holds (ids compared as a set with its ground truth) or fail
// cleanly: an error naming vendor, endpoint and cause, and no staged file
// left behind. Never a hang, a panic or silent truncation.
//
// The ldap connector is broken the same way one level down, by a TCP proxy
// in front of a real slapd (a reset, a close, a server that stops
// answering, mid-search); and every HTTP connector must refuse an
// untrusted certificate.
//
// In: the simulators' ground truth and the registered connector types.
// Out: test results and a table of faults injected, runs completed, records
// lost and connectors failed cleanly. The package has no non-test code.
package chaos
