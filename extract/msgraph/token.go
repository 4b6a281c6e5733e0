package msgraph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/saaspipe/saaspipe/extract/httpx"
)

// secretSource gets app-only access tokens with the OAuth 2.0
// client-credentials grant and a client secret. It does not cache:
// httpx.OAuth2 caches, refreshes ahead of expiry, and forces a new token
// after a 401.
type secretSource struct {
	http     *http.Client // no credentials of its own
	tokenURL string       // {login_url}/{tenant}/oauth2/v2.0/token
	clientID string
	secret   string
	scope    string // {graph_url}/.default: every application permission consented
	timeout  time.Duration
}

// Token implements oauth2.TokenSource.
func (s *secretSource) Token() (*oauth2.Token, error) {
	// oauth2.TokenSource carries no context; bound the exchange instead.
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.clientID},
		"client_secret": {s.secret},
		"scope":         {s.scope},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, errors.New("building microsoft entra token request: malformed login_url")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	now := time.Now()
	if _, err := httpx.DoJSON(s.http, req, &body); err != nil {
		// The body of a refusal is Entra's AADSTS description; it never
		// echoes the secret, and the request form is not part of the error.
		return nil, fmt.Errorf("getting microsoft entra access token for client %s: %w", s.clientID, err)
	}
	if body.AccessToken == "" {
		return nil, fmt.Errorf("getting microsoft entra access token for client %s: response has no access_token", s.clientID)
	}
	if body.TokenType != "" && !strings.EqualFold(body.TokenType, "Bearer") {
		return nil, fmt.Errorf("getting microsoft entra access token for client %s: token_type %q, want Bearer", s.clientID, body.TokenType)
	}
	tok := &oauth2.Token{AccessToken: body.AccessToken, TokenType: "Bearer"}
	if body.ExpiresIn > 0 {
		tok.Expiry = now.Add(time.Duration(body.ExpiresIn) * time.Second)
	}
	return tok, nil
}
