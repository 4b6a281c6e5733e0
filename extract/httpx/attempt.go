package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// attemptTransport sends one attempt: it bounds it with the per-attempt
// timeout, reads the whole body under that timeout and the size cap, counts
// it and logs it. It is the innermost layer, so it sees every attempt,
// retries and resends included.
type attemptTransport struct {
	cfg  *config
	next http.RoundTripper
}

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.do(req, 1)
}

// do sends attempt number n (1-based) of req. The returned response's body
// is in memory; closing it releases nothing but is still expected.
func (t *attemptTransport) do(req *http.Request, n int) (*http.Response, error) {
	ctx := req.Context()
	actx := ctx
	if t.cfg.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeoutCause(ctx, t.cfg.timeout, ErrAttemptTimeout)
		defer cancel()
	}
	t.cfg.stats.Requests.Add(1)
	start := t.cfg.clock.now()
	resp, err := t.next.RoundTrip(req.WithContext(actx))
	if err == nil {
		var body []byte
		body, err = readBody(resp, t.cfg.maxBytes, int(t.cfg.lastBody.Load()))
		t.cfg.stats.Bytes.Add(int64(len(body)))
		t.cfg.lastBody.Store(int64(len(body)))
		if err == nil {
			resp.Body = newMemBody(body)
			if req.Method != http.MethodHead {
				resp.ContentLength = int64(len(body))
			}
		}
	}
	elapsed := t.cfg.clock.now().Sub(start)
	if err != nil {
		err = t.attemptErr(ctx, actx, req, n, err)
		t.cfg.logAttrs(ctx, slog.LevelDebug, "attempt failed", req,
			slog.Int("attempt", n), slog.Duration("elapsed", elapsed), slog.String("error", err.Error()))
		return nil, err
	}
	t.cfg.logAttrs(ctx, slog.LevelDebug, "attempt", req,
		slog.Int("attempt", n), slog.Int("status", resp.StatusCode),
		slog.Duration("elapsed", elapsed), slog.Int64("bytes", resp.ContentLength))
	return resp, nil
}

// attemptErr names what failed. The request's own cancellation wins over
// everything else, so callers see context.Canceled and stop; the attempt's
// timeout becomes ErrAttemptTimeout, which the retry layer retries.
func (t *attemptTransport) attemptErr(ctx, actx context.Context, req *http.Request, n int, err error) error {
	what := fmt.Sprintf("%s %s attempt %d", req.Method, RedactURL(req.URL), n)
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s: %w", what, cerr)
	}
	if actx.Err() != nil && errors.Is(context.Cause(actx), ErrAttemptTimeout) {
		return fmt.Errorf("%s: %w after %s", what, ErrAttemptTimeout, t.cfg.timeout)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// readBody reads and closes resp's body, failing with ErrResponseTooLarge
// past max bytes (max < 0: no cap). A declared Content-Length over the cap
// fails before anything is read.
func readBody(resp *http.Response, limit int64, last int) ([]byte, error) {
	defer resp.Body.Close()
	if limit >= 0 && resp.ContentLength > limit {
		return nil, fmt.Errorf("reading body of %d bytes: over the %d-byte cap: %w", resp.ContentLength, limit, ErrResponseTooLarge)
	}
	var n int
	switch {
	case resp.ContentLength >= 0:
		n = int(resp.ContentLength) + bytes.MinRead
	default:
		// A chunked listing page is typically tens to hundreds of KB, and
		// the pages of one listing are alike: start from the size of the
		// client's last body, so that a page is not grown (copied and
		// zeroed) several times over.
		n = max(unknownLengthHint, last+last/8)
		if limit >= 0 {
			n = min(n, int(limit)+1)
		}
	}
	buf := bytes.NewBuffer(bodyBuffer(n))
	var r io.Reader = resp.Body
	if limit >= 0 {
		r = io.LimitReader(resp.Body, limit+1)
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return buf.Bytes(), fmt.Errorf("reading body: %w", err)
	}
	if limit >= 0 && int64(buf.Len()) > limit {
		return buf.Bytes(), fmt.Errorf("reading body: more than the %d-byte cap: %w", limit, ErrResponseTooLarge)
	}
	return buf.Bytes(), nil
}

// logAttrs logs one event about req with the fields every line carries.
// Only scheme, host and path of the URL are logged, never the query or any
// header, because both can carry credentials.
func (c *config) logAttrs(ctx context.Context, level slog.Level, msg string, req *http.Request, extra ...slog.Attr) {
	if !c.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 3+len(extra))
	attrs = append(attrs,
		slog.String("vendor", c.vendor),
		slog.String("method", req.Method),
		slog.String("url", RedactURL(req.URL)))
	attrs = append(attrs, extra...)
	c.log.LogAttrs(ctx, level, msg, attrs...)
}

// unknownLengthHint is the buffer a body without Content-Length starts in.
const unknownLengthHint = 64 << 10

// memBody is a response body already in memory. Bytes lets the retry layer
// show the policy the body without consuming it.
type memBody struct {
	bytes.Reader
	b []byte
}

func newMemBody(b []byte) *memBody {
	m := &memBody{b: b}
	m.Reset(b)
	return m
}

func (m *memBody) Bytes() []byte { return m.b }
func (*memBody) Close() error    { return nil }
