package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/saaspipe/saaspipe/extract/jsonpage"
	"golang.org/x/time/rate"
)

// Defaults applied by New to zero Options fields.
const (
	// DefaultMaxRetries bounds one request to six attempts: enough to ride
	// out a 429 storm of a minute-long rate-limit window at DefaultMaxBackoff.
	DefaultMaxRetries = 5
	// DefaultBaseBackoff is the first backoff; it doubles per retry.
	DefaultBaseBackoff = 500 * time.Millisecond
	// DefaultMaxBackoff caps one wait. It matches the longest common vendor
	// window (Okta, Graph: one minute) so a reset is usually waited out in
	// full rather than probed early.
	DefaultMaxBackoff = 60 * time.Second
	// DefaultTimeout bounds one attempt, body read included.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxResponseBytes bounds one buffered body (see New).
	DefaultMaxResponseBytes = 64 << 20
)

// config is Options with defaults applied, shared by every layer of one
// client.
type config struct {
	vendor      string
	auth        Authorizer
	policy      RateLimitPolicy
	maxRetries  int
	baseBackoff time.Duration
	maxBackoff  time.Duration
	timeout     time.Duration // 0: none
	maxBytes    int64         // <0: none
	stats       *Stats
	log         *slog.Logger
	clock       clock
	pacer       *pacer
	// lastBody is the length of the last body read: the first guess at
	// the size of the next one when the server sends no Content-Length.
	lastBody atomic.Int64
}

// clock is the layer's view of time, injected by tests so that waits can be
// asserted without sleeping.
type clock struct {
	now func() time.Time
	// sleep waits d or until ctx is done, whichever is first, and returns
	// ctx's error in the latter case.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a uniformly random duration in [0, d].
	jitter func(d time.Duration) time.Duration
}

var realClock = clock{
	now:   time.Now,
	sleep: sleepCtx,
	jitter: func(d time.Duration) time.Duration {
		if d <= 0 {
			return 0
		}
		return rand.N(d + 1)
	},
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// New builds a client whose transport is the full chain for o:
//
//	auth → rate limit (pacing) → retry → attempt (timeout, size cap, logging, stats) → transport
//
// Auth is outermost so that credentials are set once per request and a 401
// can be answered by refreshing and resending the whole paced, retried
// exchange exactly once. Pacing comes before retry so that every request
// waits for quota before it is first sent; retries pass the pacer too, from
// inside the retry layer, so the ceiling also holds for them. Retry wraps
// the attempt layer so that each attempt gets its own timeout, log line and
// counters.
//
// Defaults for zero fields: MaxRetries DefaultMaxRetries (negative: no
// retries), BaseBackoff DefaultBaseBackoff, MaxBackoff DefaultMaxBackoff,
// Timeout DefaultTimeout (negative: none), MaxResponseBytes
// DefaultMaxResponseBytes (negative: no cap), Transport a clone of
// http.DefaultTransport, RateLimit a policy that treats 429 as throttling
// and reads no quota headers.
//
// Every response body is read in full inside its attempt, so that the
// per-attempt timeout covers the body and a slow or cut body is retried like
// any other transient failure; MaxResponseBytes bounds the memory this
// takes, and a larger body fails the request with ErrResponseTooLarge.
//
// Use Do, DoJSON or GetJSON rather than Client.Do: net/http puts the full
// URL, query included, into its *url.Error, and these helpers redact it.
func New(o Options) *http.Client {
	return newClient(o, realClock)
}

func newClient(o Options, clk clock) *http.Client {
	cfg := &config{
		vendor:      o.Vendor,
		auth:        o.Auth,
		policy:      o.RateLimit,
		maxRetries:  o.MaxRetries,
		baseBackoff: o.BaseBackoff,
		maxBackoff:  o.MaxBackoff,
		timeout:     o.Timeout,
		maxBytes:    o.MaxResponseBytes,
		stats:       o.Stats,
		log:         o.Logger,
		clock:       clk,
	}
	switch {
	case cfg.maxRetries == 0:
		cfg.maxRetries = DefaultMaxRetries
	case cfg.maxRetries < 0:
		cfg.maxRetries = 0
	}
	if cfg.maxBackoff <= 0 {
		cfg.maxBackoff = DefaultMaxBackoff
	}
	if cfg.baseBackoff <= 0 {
		cfg.baseBackoff = DefaultBaseBackoff
	}
	cfg.baseBackoff = min(cfg.baseBackoff, cfg.maxBackoff)
	switch {
	case cfg.timeout == 0:
		cfg.timeout = DefaultTimeout
	case cfg.timeout < 0:
		cfg.timeout = 0
	}
	if cfg.maxBytes == 0 {
		cfg.maxBytes = DefaultMaxResponseBytes
	}
	if cfg.policy == nil {
		cfg.policy = HeaderPolicy{}
	}
	if cfg.stats == nil {
		cfg.stats = new(Stats)
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	var lim *rate.Limiter
	if o.RequestsPerSecond > 0 {
		// Burst 1: the option is a ceiling, not an average.
		lim = rate.NewLimiter(rate.Limit(o.RequestsPerSecond), 1)
	}
	cfg.pacer = &pacer{cfg: cfg, limiter: lim}

	base := o.Transport
	if base == nil {
		base = defaultTransport()
	}
	var rt http.RoundTripper = &attemptTransport{cfg: cfg, next: base}
	rt = &retryTransport{cfg: cfg, next: rt.(*attemptTransport)}
	rt = &paceTransport{cfg: cfg, next: rt}
	rt = &authTransport{cfg: cfg, next: rt}
	return &http.Client{Transport: rt}
}

func defaultTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Connectors page one host from a few goroutines; the default of two
	// idle connections per host would make them redial constantly.
	t.MaxIdleConnsPerHost = 16
	return t
}

// vendorOf finds the vendor name of a client built by New, for errors made
// outside the transport.
func vendorOf(c *http.Client) string {
	if t, ok := c.Transport.(*authTransport); ok {
		return t.cfg.vendor
	}
	return ""
}

// Do sends req with c and redacts the query from the *url.Error net/http
// wraps transport errors in, keeping the error chain intact.
func Do(c *http.Client, req *http.Request) (*http.Response, error) {
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = RedactURL(req.URL)
		}
		return nil, err
	}
	return resp, nil
}

// GetJSON sends a GET for url with extra headers and decodes a 2xx JSON body
// into out; any other status becomes an *APIError. The response is returned
// with its body closed so callers can read headers (Link, cursors).
func GetJSON(ctx context.Context, c *http.Client, url string, hdr http.Header, out any) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		// The parse error quotes the URL, query and all.
		return nil, errors.New("building GET request: malformed URL")
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	return DoJSON(c, req, out)
}

// DoJSON sends req and decodes a 2xx JSON body into out (nil: discard); any
// other status becomes an *APIError. Into a *json.RawMessage it stores the
// body itself, validated, which the caller may Release once done with it.
// A 204 or an empty body with any 2xx status other than 200 decodes
// nothing; an empty 200 is an error, because a listing that silently yields
// nothing would lose data. The response is returned with its body closed.
func DoJSON(c *http.Client, req *http.Request, out any) (*http.Response, error) {
	vendor := vendorOf(c)
	resp, err := Do(c, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body []byte
	own := false
	if m, ok := resp.Body.(*memBody); ok && m.Len() == len(m.b) {
		// The attempt layer read the body into memory for this response
		// alone: use it rather than copy it again.
		body, own = m.b, true
	} else {
		body, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		return resp, fmt.Errorf("reading %s %s: %w", req.Method, RedactURL(req.URL), err)
	}
	if resp.StatusCode/100 != 2 {
		return resp, NewAPIError(vendor, resp, body)
	}
	if out == nil || (len(bytes.TrimSpace(body)) == 0 && resp.StatusCode != http.StatusOK) {
		return resp, nil
	}
	if raw, ok := out.(*json.RawMessage); ok && jsonpage.Valid(body) {
		// The body is this call's own: hand it over after one validating
		// scan, where json.Unmarshal would scan it twice and copy it. The
		// caller may Release it.
		*raw = body
		return resp, nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return resp, fmt.Errorf("decoding %s %s %s: %w", vendor, req.Method, RedactURL(req.URL), err)
	}
	if own {
		// encoding/json copies what it decodes (an UnmarshalJSON keeping
		// its input must copy it): the body is free for the next response.
		resp.Body = http.NoBody
		Release(body)
	}
	return resp, nil
}
