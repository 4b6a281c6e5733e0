package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// Authorizer adds credentials to a request. Refresh is called at most once per
// request after a 401, to fetch a new token; static credentials return an
// error from Refresh so the 401 is returned as is.
type Authorizer interface {
	Authorize(req *http.Request) error
	Refresh(ctx context.Context) error
}

// Quota is what a vendor's response headers say about its rate limit.
type Quota struct {
	Known     bool      // the response carried quota headers
	Limit     int       // requests allowed in the window
	Remaining int       // requests left in the window
	Reset     time.Time // when the window resets
}

// RateLimitPolicy reads a vendor's throttling signals.
type RateLimitPolicy interface {
	// Quota parses the vendor's remaining/reset headers, if any.
	Quota(resp *http.Response) Quota
	// Throttled reports whether a response is a rate-limit signal to retry
	// (429 everywhere; some vendors signal with 403 and a body reason). body
	// holds at most the first 64 KiB of the response body.
	Throttled(resp *http.Response, body []byte) bool
}

// Stats counts what the layer did; safe for concurrent use.
type Stats struct {
	Requests  atomic.Int64 // attempts sent, retries included
	Throttled atomic.Int64 // responses that were a rate-limit signal
	Retries   atomic.Int64 // attempts that were retries
	Refreshes atomic.Int64 // token refreshes after 401
	WaitNanos atomic.Int64 // time spent pacing or backing off
	Bytes     atomic.Int64 // response body bytes read
}

// Options configure one client.
type Options struct {
	Auth      Authorizer      // nil: no credentials
	RateLimit RateLimitPolicy // nil: 429 only, no quota headers
	// RequestsPerSecond is a client-side ceiling (0: none).
	RequestsPerSecond float64
	MaxRetries        int           // enforced cap on retries of one request (0: DefaultMaxRetries; <0: none)
	BaseBackoff       time.Duration // first backoff; doubles, jittered (0: DefaultBaseBackoff)
	MaxBackoff        time.Duration // cap of any one wait: backoff, Retry-After, quota reset (0: DefaultMaxBackoff)
	Timeout           time.Duration // per attempt, body read included (0: DefaultTimeout; <0: none)
	MaxResponseBytes  int64         // larger bodies fail with ErrResponseTooLarge (0: DefaultMaxResponseBytes; <0: no cap)
	Stats             *Stats
	Logger            *slog.Logger
	Transport         http.RoundTripper // nil: http.DefaultTransport clone
	// Vendor names the vendor in errors and logs ("okta").
	Vendor string
}
