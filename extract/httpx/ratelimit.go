package httpx

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// HeaderPolicy is a RateLimitPolicy configured by header names, so a vendor
// that reports its quota in headers needs no code of its own. The zero value
// treats 429 as throttling and reads no quota.
type HeaderPolicy struct {
	LimitHeader     string // e.g. "X-Rate-Limit-Limit"
	RemainingHeader string // e.g. "X-Rate-Limit-Remaining"; without it no quota is known
	ResetHeader     string // e.g. "X-Rate-Limit-Reset"
	// ResetIsDelta says the reset header holds seconds from now rather than
	// Unix epoch seconds.
	ResetIsDelta bool
	// Throttle classifies extra responses as throttling (a 403 with
	// "rateLimitExceeded"); 429 is always throttling. May be nil.
	Throttle func(resp *http.Response, body []byte) bool
	// Now is the clock for delta resets; nil means time.Now.
	Now func() time.Time
}

// Quota implements RateLimitPolicy.
func (p HeaderPolicy) Quota(resp *http.Response) Quota {
	if resp == nil || p.RemainingHeader == "" {
		return Quota{}
	}
	rem, ok := headerInt(resp.Header, p.RemainingHeader)
	if !ok {
		return Quota{}
	}
	q := Quota{Known: true, Remaining: rem}
	if p.LimitHeader != "" {
		q.Limit, _ = headerInt(resp.Header, p.LimitHeader)
	}
	if p.ResetHeader == "" {
		return q
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(resp.Header.Get(p.ResetHeader)), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > maxResetSeconds {
		return q
	}
	if p.ResetIsDelta {
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		q.Reset = now().Add(time.Duration(f * float64(time.Second)))
	} else {
		sec, frac := math.Modf(f)
		q.Reset = time.Unix(int64(sec), int64(frac*1e9))
	}
	return q
}

// maxResetSeconds keeps reset arithmetic far from time.Duration overflow;
// any real epoch or delta is far below it.
const maxResetSeconds = 1 << 40

// Throttled implements RateLimitPolicy.
func (p HeaderPolicy) Throttled(resp *http.Response, body []byte) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	return p.Throttle != nil && p.Throttle(resp, body)
}

func headerInt(h http.Header, name string) (int, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// ThrottleOnCodes classifies a response with the given status whose body
// carries one of the vendor error codes (as ErrorCode reads them) as
// throttling, e.g. ThrottleOnCodes(403, "rateLimitExceeded").
func ThrottleOnCodes(status int, codes ...string) func(*http.Response, []byte) bool {
	return func(resp *http.Response, body []byte) bool {
		if resp.StatusCode != status {
			return false
		}
		code := ErrorCode(body)
		for _, c := range codes {
			if code == c {
				return true
			}
		}
		return false
	}
}

// OktaPolicy reads Okta's X-Rate-Limit-* headers (reset in epoch seconds).
var OktaPolicy = HeaderPolicy{
	LimitHeader:     "X-Rate-Limit-Limit",
	RemainingHeader: "X-Rate-Limit-Remaining",
	ResetHeader:     "X-Rate-Limit-Reset",
}

// GitHubPolicy reads GitHub's x-ratelimit-* headers (reset in epoch
// seconds). GitHub answers an exhausted primary limit or a secondary limit
// with 403 as well as 429; such a 403 carries x-ratelimit-remaining: 0 or a
// Retry-After, unlike a permission error.
var GitHubPolicy = HeaderPolicy{
	LimitHeader:     "X-Ratelimit-Limit",
	RemainingHeader: "X-Ratelimit-Remaining",
	ResetHeader:     "X-Ratelimit-Reset",
	Throttle: func(resp *http.Response, _ []byte) bool {
		return resp.StatusCode == http.StatusForbidden &&
			(resp.Header.Get("X-Ratelimit-Remaining") == "0" || resp.Header.Get("Retry-After") != "")
	},
}

// ZoomPolicy reads Zoom's X-RateLimit-Limit and -Remaining; Zoom sends no
// reset header, so it paces only through Retry-After on 429.
var ZoomPolicy = HeaderPolicy{
	LimitHeader:     "X-Ratelimit-Limit",
	RemainingHeader: "X-Ratelimit-Remaining",
}

// GooglePolicy covers the Google Admin SDK, which sends no quota headers and
// signals throttling with 403 and reason rateLimitExceeded or
// userRateLimitExceeded as well as with 429.
var GooglePolicy = HeaderPolicy{
	Throttle: ThrottleOnCodes(http.StatusForbidden, "rateLimitExceeded", "userRateLimitExceeded"),
}

// retryAfter parses Retry-After as delay seconds (integer or fractional, as
// Graph sends "2.128") or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		f = min(f, maxResetSeconds)
		return time.Duration(f * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// resetMargin is added to every wait for a quota reset: reset headers have
// one-second resolution and vendor clocks drift from ours, and a request
// that lands a moment early is rejected again.
const resetMargin = 250 * time.Millisecond

// pacer holds one client's view of its vendor quota and spaces requests by
// it. All of a client's concurrent requests share one pacer.
//
// While more than half of the window's quota is left, requests go out at
// once. Below that, each request reserves a slot: the time left until the
// reset divided by the requests left, so the remaining quota is spread
// evenly over the rest of the window. A listing thereby uses the whole
// quota of every window (no idling) without running into a 429 (no burst).
// When the quota is exhausted, requests wait for the reset. Like every wait
// of the layer, a pacing wait is cut to MaxBackoff: a vendor whose window is
// longer (GitHub's hour) then gets requests early and answers them with a
// throttle, which the retry layer waits out again within MaxRetries; raise
// MaxBackoff for such vendors to wait the window out instead.
type pacer struct {
	cfg     *config
	limiter *rate.Limiter // RequestsPerSecond ceiling; nil: none

	mu       sync.Mutex
	q        Quota     // latest quota the vendor reported
	inflight int       // attempts sent whose response is not yet observed
	next     time.Time // earliest slot for the next paced request in q's window
	blocked  time.Time // no attempt before this (after a throttle answer)
}

// wait blocks until the next attempt may be sent, and counts it as in
// flight; every successful wait must be followed by one observe.
func (p *pacer) wait(ctx context.Context, req *http.Request) error {
	now := p.cfg.clock.now()
	d := p.reserve(now)
	if p.limiter != nil {
		r := p.limiter.ReserveN(now, 1)
		d = max(d, r.DelayFrom(now))
	}
	if d <= 0 {
		return nil
	}
	if d > p.cfg.maxBackoff {
		d = p.cfg.maxBackoff
	}
	p.cfg.stats.WaitNanos.Add(int64(d))
	p.cfg.logAttrs(ctx, slog.LevelDebug, "pacing", req, slog.Duration("wait", d))
	if err := p.cfg.clock.sleep(ctx, d); err != nil {
		p.observe(nil)
		return fmt.Errorf("pacing %s %s: %w", req.Method, RedactURL(req.URL), err)
	}
	return nil
}

// reserve computes the delay of one attempt at now and books its slot.
func (p *pacer) reserve(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var d time.Duration
	if p.blocked.After(now) {
		d = p.blocked.Sub(now)
	}
	q := p.q
	if q.Known && !q.Reset.IsZero() && now.Before(q.Reset) {
		left := q.Remaining - p.inflight
		switch {
		case left <= 0:
			d = max(d, q.Reset.Sub(now)+resetMargin)
		case q.Limit == 0 || 2*left <= q.Limit:
			slot := now.Add(d)
			if p.next.After(slot) {
				slot = p.next
			}
			if window := q.Reset.Sub(slot); window > 0 {
				p.next = slot.Add(window / time.Duration(left))
			}
			d = slot.Sub(now)
		}
	}
	p.inflight++
	return d
}

// observe records the outcome of one attempt; resp is nil when the attempt
// got no response.
func (p *pacer) observe(resp *http.Response) {
	var q Quota
	if resp != nil {
		q = p.cfg.policy.Quota(resp)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight = max(p.inflight-1, 0)
	if !q.Known {
		return
	}
	if p.q.Known && !q.Reset.IsZero() && q.Reset.Before(p.q.Reset) {
		return // a late answer from a window that has already been replaced
	}
	if !q.Reset.Equal(p.q.Reset) {
		p.next = time.Time{}
	}
	p.q = q
}

// block holds every attempt of the client back until t, so that one
// throttle answer pauses the client's concurrent requests too.
func (p *pacer) block(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.blocked) {
		p.blocked = t
	}
}

// quota returns the latest quota the vendor reported.
func (p *pacer) quota() Quota {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.q
}

// paceTransport holds each request until the pacer lets its first attempt
// go; the retry layer paces the later attempts.
type paceTransport struct {
	cfg  *config
	next http.RoundTripper
}

func (t *paceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.cfg.pacer.wait(req.Context(), req); err != nil {
		closeBody(req)
		return nil, err
	}
	return t.next.RoundTrip(req)
}
