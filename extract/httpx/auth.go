package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// errNoRefresh is what static credentials answer to Refresh: there is no
// other token to try, so the 401 is final.
var errNoRefresh = errors.New("static credentials cannot be refreshed")

// StaticHeader authorises every request with one fixed header, e.g. Okta's
// StaticHeader("Authorization", "SSWS "+token). Refresh always fails.
func StaticHeader(name, value string) Authorizer {
	return staticHeader{name: http.CanonicalHeaderKey(name), value: value}
}

// Bearer authorises with "Authorization: Bearer <token>". Refresh always fails.
func Bearer(token string) Authorizer {
	return StaticHeader("Authorization", "Bearer "+token)
}

type staticHeader struct{ name, value string }

func (s staticHeader) Authorize(req *http.Request) error {
	req.Header.Set(s.name, s.value)
	return nil
}

func (staticHeader) Refresh(context.Context) error { return errNoRefresh }

// OAuth2 authorises with tokens from src, cached until they expire (with
// oauth2's ten-second early-expiry margin). Refresh drops the cached token and
// asks src for a new one, so src must not cache by itself: pass the
// underlying source (a jwt or clientcredentials source unwrapped by
// oauth2.ReuseTokenSource), or Refresh will get the refused token back and
// report that instead of resending.
func OAuth2(src oauth2.TokenSource) Authorizer {
	return &oauth2Auth{src: src}
}

// errSameToken means the token source answered a forced refresh with the
// token the vendor had just refused.
var errSameToken = errors.New("token source returned the refused token again; it must not cache")

type oauth2Auth struct {
	src oauth2.TokenSource
	mu  sync.Mutex
	tok *oauth2.Token
	// fetched is when tok was obtained; Refresh calls that queued behind a
	// refresh which completed after they started reuse its token instead of
	// stampeding the token endpoint.
	fetched time.Time
}

func (a *oauth2Auth) Authorize(req *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.tok.Valid() {
		tok, err := a.src.Token()
		if err != nil {
			return fmt.Errorf("fetching oauth2 token: %w", err)
		}
		a.tok, a.fetched = tok, time.Now()
	}
	a.tok.SetAuthHeader(req)
	return nil
}

func (a *oauth2Auth) Refresh(ctx context.Context) error {
	start := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if a.fetched.After(start) {
		return nil
	}
	old := a.tok
	tok, err := a.src.Token()
	if err != nil {
		return fmt.Errorf("refreshing oauth2 token: %w", err)
	}
	if old != nil && tok.AccessToken == old.AccessToken {
		return errSameToken
	}
	a.tok, a.fetched = tok, time.Now()
	return nil
}

// authTransport sets credentials on a copy of each request and answers one
// 401 per request with a refresh and a resend.
type authTransport struct {
	cfg  *config
	next http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.cfg.auth == nil {
		return t.next.RoundTrip(req)
	}
	r, err := t.authorized(req, req.Body)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !sameOrigin(req) {
		return resp, err
	}
	ctx := req.Context()
	body, ok := replayBody(req)
	if !ok {
		t.cfg.logAttrs(ctx, slog.LevelDebug, "not resending after 401: request body cannot be replayed", req)
		return resp, nil
	}
	if err := t.cfg.auth.Refresh(ctx); err != nil {
		if !errors.Is(err, errNoRefresh) {
			t.cfg.logAttrs(ctx, slog.LevelWarn, "token refresh after 401 failed", req, slog.String("error", err.Error()))
		}
		if body != nil {
			body.Close()
		}
		return resp, nil
	}
	t.cfg.stats.Refreshes.Add(1)
	t.cfg.logAttrs(ctx, slog.LevelWarn, "resending after 401 with a refreshed token", req)
	resp.Body.Close()
	r, err = t.authorized(req, body)
	if err != nil {
		return nil, err
	}
	return t.next.RoundTrip(r)
}

// authorized clones req with body and credentials. Credentials are only set
// when the request goes to the host the exchange started at: http.Client
// follows redirects through this transport, and a redirect to another host
// (Graph's pre-signed report downloads) must not receive the token.
func (t *authTransport) authorized(req *http.Request, body io.ReadCloser) (*http.Request, error) {
	r := req.Clone(req.Context())
	r.Body = body
	if !sameOrigin(req) {
		r.Header.Del("Authorization")
		return r, nil
	}
	if err := t.cfg.auth.Authorize(r); err != nil {
		return nil, fmt.Errorf("authorizing %s %s: %w", req.Method, RedactURL(req.URL), err)
	}
	return r, nil
}

// sameOrigin reports whether req, if it is a redirect, still targets the
// scheme and host of the first request of its chain.
func sameOrigin(req *http.Request) bool {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	return first.URL.Scheme == req.URL.Scheme && first.URL.Host == req.URL.Host
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
