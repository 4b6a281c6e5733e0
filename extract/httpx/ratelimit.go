package httpx

import (
	"net/http"
	"strconv"
	"time"
)

// HeaderPolicy is a RateLimitPolicy configured by header names, so a vendor
// that reports its quota in headers needs no code of its own.
type HeaderPolicy struct {
	LimitHeader     string // e.g. "X-Rate-Limit-Limit"
	RemainingHeader string // e.g. "X-Rate-Limit-Remaining"
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
	if p.ResetHeader != "" {
		if v := resp.Header.Get(p.ResetHeader); v != "" {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
				if p.ResetIsDelta {
					now := time.Now
					if p.Now != nil {
						now = p.Now
					}
					q.Reset = now().Add(time.Duration(f * float64(time.Second)))
				} else {
					q.Reset = time.Unix(0, int64(f*float64(time.Second)))
				}
			}
		}
	}
	return q
}

// Throttled implements RateLimitPolicy.
func (p HeaderPolicy) Throttled(resp *http.Response, body []byte) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	return p.Throttle != nil && p.Throttle(resp, body)
}

func headerInt(h http.Header, name string) (int, bool) {
	v := h.Get(name)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// OktaPolicy reads Okta's X-Rate-Limit-* headers (reset in epoch seconds).
var OktaPolicy = HeaderPolicy{
	LimitHeader:     "X-Rate-Limit-Limit",
	RemainingHeader: "X-Rate-Limit-Remaining",
	ResetHeader:     "X-Rate-Limit-Reset",
}
