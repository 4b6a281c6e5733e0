package httpx

// TEMPORARY SKELETON: the signatures below are the package's contract; the
// bodies are minimal so dependants compile while the layer is built.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// ErrResponseTooLarge is returned when a body exceeds Options.MaxResponseBytes.
var ErrResponseTooLarge = errors.New("response body exceeds the size cap")

// ErrCursorLoop is returned by PageGuard when a next cursor or URL repeats.
var ErrCursorLoop = errors.New("paging cursor repeated")

// APIError is a non-2xx answer from a vendor, after retries.
type APIError struct {
	Vendor string
	Method string
	URL    string // scheme, host and path; the query is dropped (it may hold tokens)
	Status int
	Code   string // the vendor's error code when its body has one (E0000047, TooManyRequests)
	Body   string // first 2 KiB of the body
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s %s: HTTP %d %s", e.Vendor, e.Method, e.URL, e.Status, e.Code)
}

// New builds a client whose transport is the full chain for o.
func New(o Options) *http.Client {
	return &http.Client{Transport: &skeleton{o: o}}
}

type skeleton struct{ o Options }

func (s *skeleton) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if s.o.Auth != nil {
		if err := s.o.Auth.Authorize(req); err != nil {
			return nil, err
		}
	}
	if s.o.Stats != nil {
		s.o.Stats.Requests.Add(1)
	}
	return http.DefaultTransport.RoundTrip(req)
}

// GetJSON sends a GET for url with extra headers and decodes a 2xx JSON body
// into out; any other status becomes an *APIError. The response is returned
// with its body closed so callers can read headers (Link, cursors).
func GetJSON(ctx context.Context, c *http.Client, url string, hdr http.Header, out any) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode/100 != 2 {
		return resp, &APIError{Method: req.Method, URL: req.URL.Scheme + "://" + req.URL.Host + req.URL.Path, Status: resp.StatusCode, Body: string(body)}
	}
	return resp, json.Unmarshal(body, out)
}

// NextLink returns the URL of the RFC 8288 Link header entry with rel="next",
// or "" when there is none.
func NextLink(h http.Header) string { return "" }

// PageGuard stops paging loops: Seen returns ErrCursorLoop (wrapped with the
// cursor's position) when a cursor or next URL was already followed.
type PageGuard struct{ seen map[string]int }

// Seen records cursor and fails if it was seen before.
func (g *PageGuard) Seen(cursor string) error {
	if g.seen == nil {
		g.seen = map[string]int{}
	}
	if n, ok := g.seen[cursor]; ok {
		return fmt.Errorf("page %d repeats the cursor of page %d: %w", len(g.seen)+1, n, ErrCursorLoop)
	}
	g.seen[cursor] = len(g.seen) + 1
	return nil
}
