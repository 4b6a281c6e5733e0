package okta

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
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

// scopes are the read-only Management API scopes the service app needs.
const scopes = "okta.users.read okta.groups.read okta.apps.read okta.logs.read"

// assertionSource gets access tokens for an Okta API service app with the
// client-credentials grant, authenticating with a private_key_jwt client
// assertion. It does not cache: httpx.OAuth2 caches and refreshes.
type assertionSource struct {
	http     *http.Client // no credentials of its own
	tokenURL string       // also the assertion's audience
	clientID string
	keyID    string
	key      *rsa.PrivateKey
}

// parsePrivateKey reads an RSA key in PKCS#1 or PKCS#8 PEM. Its errors never
// quote the key.
func parsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(pemText))
	if err != nil {
		return nil, errors.New("private_key: must be an RSA private key in PEM (PKCS#1 or PKCS#8)")
	}
	return key, nil
}

// assertion signs the client assertion: issuer and subject the client id,
// audience the token endpoint, valid five minutes, with a fresh jti so Okta's
// replay protection accepts each one.
func (s *assertionSource) assertion(now time.Time) (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Issuer:    s.clientID,
		Subject:   s.clientID,
		Audience:  jwt.ClaimStrings{s.tokenURL},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
		ID:        hex.EncodeToString(jti),
	})
	if s.keyID != "" {
		tok.Header["kid"] = s.keyID
	}
	return tok.SignedString(s.key)
}

// Token implements oauth2.TokenSource.
func (s *assertionSource) Token() (*oauth2.Token, error) {
	// oauth2.TokenSource carries no context; bound the exchange instead.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Now()
	signed, err := s.assertion(now)
	if err != nil {
		return nil, fmt.Errorf("signing okta client assertion: %w", err)
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {scopes},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {signed},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, errors.New("building okta token request: malformed token URL")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if _, err := httpx.DoJSON(s.http, req, &body); err != nil {
		return nil, fmt.Errorf("getting okta access token for client %s: %w", s.clientID, err)
	}
	if body.AccessToken == "" {
		return nil, fmt.Errorf("getting okta access token for client %s: response has no access_token", s.clientID)
	}
	tok := &oauth2.Token{AccessToken: body.AccessToken, TokenType: "Bearer"}
	if body.ExpiresIn > 0 {
		tok.Expiry = now.Add(time.Duration(body.ExpiresIn) * time.Second)
	}
	return tok, nil
}
