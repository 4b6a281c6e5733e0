// Package httpx is the one HTTP layer every vendor connector uses, built as a
// RoundTripper chain: auth → rate limit → retry → attempt (timeout, size
// cap, logging, stats) → transport. New documents the order and the
// defaults.
//
// In: an Options value (the connector's Authorizer and vendor
// RateLimitPolicy, the instance's limits) and plain *http.Request values
// from vendor clients.
//
// Out: responses that are final — retried on throttling, 500/502/503/504 and
// network errors within an enforced cap, waiting as Retry-After or the
// vendor's reset header says; paced by the vendor's remaining-quota headers
// so that long listings use the whole quota without hitting a 429;
// authorised with one token refresh on 401 — with their bodies already read
// under the per-attempt timeout and the size cap; *APIError values with the
// vendor's error code for non-2xx answers (GetJSON, DoJSON); and counters
// (requests, throttled, retries, refreshes, wait time, bytes) in a Stats
// value the pipeline puts into the run summary.
//
// Also here: ready-made Authorizers (StaticHeader, Bearer, OAuth2), a
// header-configured RateLimitPolicy (HeaderPolicy, with OktaPolicy,
// GitHubPolicy, ZoomPolicy and GooglePolicy), RFC 8288 Link parsing
// (NextLink, NextURL) and PageGuard against cursor loops.
//
// Bodies are read into recycled buffers: DoJSON returns the ones it decodes
// into Go values itself, and a listing that takes a page as a
// json.RawMessage hands it back with Release once its records are emitted.
//
// Neither logs nor errors carry query strings or credentials: URLs are
// reduced to scheme, host and path (RedactURL) everywhere the layer writes
// them.
//
// It imports nothing of the pipeline.
package httpx
