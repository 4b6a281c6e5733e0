// Package httpx is the one HTTP layer every vendor connector uses, built as a
// RoundTripper chain: auth → rate limit → retry → logging/stats → transport.
//
// In: an Options value (the connector's Authorizer and vendor RateLimitPolicy,
// the instance's limits) and plain *http.Request values from vendor clients.
// Out: responses that are final — retried on 429/5xx/network errors within an
// enforced cap, paced by the vendor's remaining-quota headers, authorised with
// one token refresh on 401 — and counters (requests, throttled, retries)
// in a Stats value the pipeline puts into the run summary.
//
// It imports nothing of the pipeline.
package httpx
