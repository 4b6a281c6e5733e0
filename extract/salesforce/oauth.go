package salesforce

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/saaspipe/saaspipe/extract/httpx"
)

// Grant types of the flows the connector supports.
const (
	grantClientCredentials = "client_credentials"
	grantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	grantRefreshToken      = "refresh_token"
)

// tokenSource gets access tokens from {token host}/services/oauth2/token
// with one of three grants: client credentials (the connected app's
// key and secret, run as its execution user), JWT bearer (an assertion
// signed with the app's certificate key, for username) or a refresh token.
// It does not cache: httpx.OAuth2 caches and, after a 401
// INVALID_SESSION_ID, asks it again.
type tokenSource struct {
	http     *http.Client // no credentials of its own
	tokenURL string
	grant    string
	clientID string
	secret   string
	refresh  string
	username string
	audience string // JWT bearer: the login URL
	key      *rsa.PrivateKey
	// onToken receives the org id read from the response's identity URL.
	onToken func(orgID string)
}

func parsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(pemText))
	if err != nil {
		return nil, errors.New("private_key: must be an RSA private key in PEM (PKCS#1 or PKCS#8)")
	}
	return key, nil
}

// assertion signs the JWT bearer assertion: issuer the client id, subject
// the username, audience the login URL, valid three minutes (Salesforce
// accepts at most five).
func (s *tokenSource) assertion(now time.Time) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Issuer:    s.clientID,
		Subject:   s.username,
		Audience:  jwt.ClaimStrings{s.audience},
		ExpiresAt: jwt.NewNumericDate(now.Add(3 * time.Minute)),
	})
	return tok.SignedString(s.key)
}

// Token implements oauth2.TokenSource.
func (s *tokenSource) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	form := url.Values{"grant_type": {s.grant}}
	switch s.grant {
	case grantClientCredentials:
		form.Set("client_id", s.clientID)
		form.Set("client_secret", s.secret)
	case grantJWTBearer:
		a, err := s.assertion(time.Now())
		if err != nil {
			return nil, fmt.Errorf("signing salesforce jwt bearer assertion: %w", err)
		}
		form.Set("assertion", a)
	case grantRefreshToken:
		form.Set("client_id", s.clientID)
		form.Set("refresh_token", s.refresh)
		if s.secret != "" {
			form.Set("client_secret", s.secret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, errors.New("building salesforce token request: malformed token URL")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var body struct {
		AccessToken string `json:"access_token"`
		InstanceURL string `json:"instance_url"`
		ID          string `json:"id"`
		TokenType   string `json:"token_type"`
	}
	if _, err := httpx.DoJSON(s.http, req, &body); err != nil {
		return nil, fmt.Errorf("getting salesforce access token (%s grant) for client %s: %w", grantName(s.grant), s.clientID, err)
	}
	if body.AccessToken == "" {
		return nil, fmt.Errorf("getting salesforce access token for client %s: response has no access_token", s.clientID)
	}
	if org := orgFromIdentity(body.ID); org != "" && s.onToken != nil {
		s.onToken(org)
	}
	// Salesforce states no lifetime: the session lasts as the org's
	// timeout says, and a 401 INVALID_SESSION_ID asks for a new one.
	return &oauth2.Token{AccessToken: body.AccessToken, TokenType: "Bearer"}, nil
}

func grantName(g string) string {
	if g == grantJWTBearer {
		return "jwt bearer"
	}
	return strings.ReplaceAll(g, "_", " ")
}

// orgFromIdentity reads the org id from an identity URL
// (https://login.salesforce.com/id/<orgId>/<userId>).
func orgFromIdentity(id string) string {
	u, err := url.Parse(id)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) == 3 && parts[0] == "id" && strings.HasPrefix(parts[1], "00D") {
		return parts[1]
	}
	return ""
}
