package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/saaspipe/saaspipe/extract/httpx"
)

// errStatic is Refresh's answer for a token without a refresh token.
var errStatic = errors.New("no refresh_token configured")

// tokenAuth authorises with a bot or user token. With token rotation the
// access token expires every 12 hours and is exchanged, with the refresh
// token and the app's client credentials, through oauth.v2.access; Slack
// then revokes the refresh token it was given and returns a new one, which
// this value keeps for the rest of the run.
type tokenAuth struct {
	http         *http.Client // no credentials of its own
	tokenURL     string
	clientID     string
	clientSecret string
	log          *slog.Logger

	mu      sync.Mutex
	access  string
	refresh string
	expiry  time.Time // zero: unknown
}

func (a *tokenAuth) canRefresh() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.refresh != ""
}

// Authorize implements httpx.Authorizer; with only a refresh token
// configured the first request fetches an access token.
func (a *tokenAuth) Authorize(req *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.access == "" || (!a.expiry.IsZero() && time.Now().After(a.expiry)) {
		if err := a.rotateLocked(req.Context()); err != nil {
			return err
		}
	}
	req.Header.Set("Authorization", "Bearer "+a.access)
	return nil
}

// Refresh implements httpx.Authorizer: it rotates the token now.
func (a *tokenAuth) Refresh(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rotateLocked(ctx)
}

func (a *tokenAuth) rotateLocked(ctx context.Context) error {
	if a.refresh == "" {
		return errStatic
	}
	form := url.Values{
		"client_id":     {a.clientID},
		"client_secret": {a.clientSecret},
		"grant_type":    {"refresh_token"},
		"refresh_token": {a.refresh},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return errors.New("building slack oauth.v2.access request: malformed base_url")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var body struct {
		OK           bool   `json:"ok"`
		Error        string `json:"error"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	resp, err := httpx.DoJSON(a.http, req, &body)
	if err != nil {
		return fmt.Errorf("rotating slack token for client %s: %w", a.clientID, err)
	}
	if !body.OK {
		return fmt.Errorf("rotating slack token for client %s: %w", a.clientID, httpx.NewAPIError("slack", resp, []byte(`{"ok":false,"error":"`+jsonSafe(body.Error)+`"}`)))
	}
	if body.AccessToken == "" {
		return fmt.Errorf("rotating slack token for client %s: answer has no access_token", a.clientID)
	}
	a.access = body.AccessToken
	if body.RefreshToken != "" && body.RefreshToken != a.refresh {
		a.refresh = body.RefreshToken
		// Slack revoked the refresh token it was given: a later run must use
		// the new one, which this process cannot write back to the config.
		a.log.Warn("slack rotated the refresh token; the configured refresh_token is now revoked", "vendor", "slack", "client_id", a.clientID)
	}
	a.expiry = time.Time{}
	if body.ExpiresIn > 0 {
		// Renew a minute early so a listing does not straddle the expiry.
		a.expiry = time.Now().Add(time.Duration(body.ExpiresIn)*time.Second - time.Minute)
	}
	return nil
}

// jsonSafe keeps an error code fit for a JSON string: Slack's codes are
// snake_case words, anything else is dropped.
func jsonSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
