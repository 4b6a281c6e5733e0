package msgraph

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
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

// secretSource gets app-only access tokens with the OAuth 2.0
// client-credentials grant, authenticating with a client secret or with a
// client assertion signed by the app's certificate. It does not cache:
// httpx.OAuth2 caches, refreshes ahead of expiry, and forces a new token
// after a 401.
type secretSource struct {
	http     *http.Client // no credentials of its own
	tokenURL string       // {login_url}/{tenant}/oauth2/v2.0/token
	clientID string
	secret   string            // client secret, or
	cert     *x509.Certificate // the certificate whose key signs assertions
	key      *rsa.PrivateKey
	scope    string // {graph_url}/.default: every application permission consented
	timeout  time.Duration
}

// Token implements oauth2.TokenSource.
func (s *secretSource) Token() (*oauth2.Token, error) {
	// oauth2.TokenSource carries no context; bound the exchange instead.
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	form := url.Values{
		"grant_type": {"client_credentials"},
		"client_id":  {s.clientID},
		"scope":      {s.scope},
	}
	if s.key != nil {
		signed, err := s.assertion(time.Now())
		if err != nil {
			return nil, fmt.Errorf("signing microsoft entra client assertion for client %s: %w", s.clientID, err)
		}
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", signed)
	} else {
		form.Set("client_secret", s.secret)
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

// assertion signs the client assertion Entra expects: issuer and subject the
// client id, audience the token endpoint, a fresh jti, valid ten minutes,
// and the certificate named by its SHA-1 thumbprint (x5t, what Entra
// matches the uploaded certificate by) and its SHA-256 thumbprint
// (x5t#S256).
func (s *secretSource) assertion(now time.Time) (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		Issuer:    s.clientID,
		Subject:   s.clientID,
		Audience:  jwt.ClaimStrings{s.tokenURL},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
		ID:        hex.EncodeToString(jti),
	})
	sha1Sum := sha1.Sum(s.cert.Raw)
	sha256Sum := sha256.Sum256(s.cert.Raw)
	tok.Header["x5t"] = base64.RawURLEncoding.EncodeToString(sha1Sum[:])
	tok.Header["x5t#S256"] = base64.RawURLEncoding.EncodeToString(sha256Sum[:])
	return tok.SignedString(s.key)
}
