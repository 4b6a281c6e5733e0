package httpx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"
)

// throttleBodyMax is how much of a body RateLimitPolicy.Throttled sees.
const throttleBodyMax = 64 << 10

// retryTransport resends an attempt that failed transiently: a throttle
// answer (429, or what the vendor policy classifies as throttling), 500,
// 502, 503, 504, or a network error, at most cfg.maxRetries times. Other
// statuses — 400, 401, 403, 404 and the rest — are final: resending the same
// request cannot change them (a 401 is the auth layer's business).
type retryTransport struct {
	cfg  *config
	next *attemptTransport
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			body, ok := replayBody(req)
			if !ok {
				return nil, fmt.Errorf("replaying body of %s %s: GetBody failed", req.Method, RedactURL(req.URL))
			}
			r = req.WithContext(ctx)
			r.Body = body
			if err := t.cfg.pacer.wait(ctx, req); err != nil {
				closeBody(r)
				return nil, err
			}
		}
		resp, err := t.next.do(r, attempt)
		t.cfg.pacer.observe(resp)

		throttled := false
		if err != nil {
			if ctx.Err() != nil || !transient(err) {
				return nil, err
			}
		} else {
			throttled = t.cfg.policy.Throttled(resp, peekBody(resp))
			if throttled {
				t.cfg.stats.Throttled.Add(1)
			}
			if !throttled && !retryableStatus(resp.StatusCode) {
				return resp, nil
			}
		}

		if attempt > t.cfg.maxRetries {
			t.cfg.logAttrs(ctx, slog.LevelWarn, "giving up", req, outcome(resp, err, attempt)...)
			if err != nil {
				return nil, fmt.Errorf("giving up after %d attempts: %w", attempt, err)
			}
			return resp, nil
		}
		if !replayable(req) {
			t.cfg.logAttrs(ctx, slog.LevelDebug, "not retrying: request body cannot be replayed", req, outcome(resp, err, attempt)...)
			return resp, err
		}

		wait, capped := t.backoff(resp, throttled, attempt)
		if resp != nil {
			resp.Body.Close()
		}
		if throttled {
			t.cfg.pacer.block(t.cfg.clock.now().Add(wait))
		}
		t.cfg.stats.Retries.Add(1)
		t.cfg.stats.WaitNanos.Add(int64(wait))
		t.cfg.logAttrs(ctx, slog.LevelWarn, "retrying", req, append(outcome(resp, err, attempt),
			slog.Bool("throttled", throttled), slog.Duration("wait", wait), slog.Bool("wait_capped", capped))...)
		if err := t.cfg.clock.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("waiting to retry %s %s: %w", req.Method, RedactURL(req.URL), err)
		}
	}
}

// backoff is the wait before retry number attempt (1-based): the vendor's
// Retry-After when present; on a throttle answer without it, the time until
// the quota resets; otherwise BaseBackoff·2^(attempt-1) up to MaxBackoff,
// with equal jitter (half fixed, half random) so that a minimum pause is kept
// while concurrent clients spread out. Every wait is capped at MaxBackoff:
// a vendor asking for more is retried early, and that attempt counts against
// MaxRetries like any other, so the cap bounds the whole request.
func (t *retryTransport) backoff(resp *http.Response, throttled bool, attempt int) (wait time.Duration, capped bool) {
	now := t.cfg.clock.now()
	computed := false
	if resp != nil {
		if d, ok := retryAfter(resp.Header, now); ok {
			wait, computed = d, true
		} else if q := t.cfg.pacer.quota(); throttled && q.Known && q.Reset.After(now) {
			wait, computed = q.Reset.Sub(now)+resetMargin, true
		}
	}
	if !computed {
		d := t.cfg.baseBackoff
		for i := 1; i < attempt && d < t.cfg.maxBackoff; i++ {
			d *= 2
		}
		d = min(d, t.cfg.maxBackoff)
		wait = d/2 + t.cfg.clock.jitter(d-d/2)
	}
	if wait > t.cfg.maxBackoff {
		return t.cfg.maxBackoff, true
	}
	return wait, false
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// transient reports whether a transport error may go away on its own: a
// connection reset or cut, a refused dial, a timeout of one attempt. TLS
// verification failures, unknown hosts and oversized bodies will not, and
// anything unrecognised is treated as permanent so that a misconfiguration
// fails at once instead of after MaxRetries backoffs.
func transient(err error) bool {
	if errors.Is(err, ErrResponseTooLarge) {
		return false
	}
	if errors.Is(err, ErrAttemptTimeout) {
		return true
	}
	var (
		certErr   *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		recErr    tls.RecordHeaderError
		dnsErr    *net.DNSError
	)
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &recErr):
		return false
	case errors.As(err, &dnsErr):
		return !dnsErr.IsNotFound
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// replayable reports whether req's body can be sent again.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// replayBody returns a fresh copy of req's body for another attempt.
func replayBody(req *http.Request) (io.ReadCloser, bool) {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return req.Body, true
	case req.GetBody == nil:
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	return body, true
}

// peekBody returns up to throttleBodyMax bytes of a buffered body without
// consuming it.
func peekBody(resp *http.Response) []byte {
	br, ok := resp.Body.(interface{ Bytes() []byte })
	if !ok {
		return nil
	}
	b := br.Bytes()
	if len(b) > throttleBodyMax {
		b = b[:throttleBodyMax]
	}
	return b
}

func outcome(resp *http.Response, err error, attempt int) []slog.Attr {
	a := []slog.Attr{slog.Int("attempt", attempt)}
	if err != nil {
		return append(a, slog.String("error", err.Error()))
	}
	return append(a, slog.Int("status", resp.StatusCode))
}
