package graphsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenPath matches /{tenant}/oauth2/v2.0/token.
func tokenPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return "", false
	}
	tid, ok := strings.CutSuffix(rest, "/oauth2/v2.0/token")
	if !ok || tid == "" || strings.Contains(tid, "/") {
		return "", false
	}
	return strings.ToLower(tid), true
}

// tokenError is the Microsoft identity platform's error body.
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	ErrorCodes  []int  `json:"error_codes"`
	Timestamp   string `json:"timestamp"`
	TraceID     string `json:"trace_id"`
	Correlation string `json:"correlation_id"`
}

func writeTokenError(w http.ResponseWriter, status int, code string, aadsts int, desc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(tokenError{Error: code, Description: fmt.Sprintf("AADSTS%d: %s", aadsts, desc), ErrorCodes: []int{aadsts},
		Timestamp: time.Now().UTC().Format("2006-01-02 15:04:05Z"), TraceID: "0c1f7b7e-1d5e-4c3e-9d1f-5f0e2a9b1c00", Correlation: "6a5c2e1b-3f4d-4e8a-9b7c-1d2e3f4a5b6c"})
}

// token serves the client-credentials grant for one tenant. The scope must
// be the Graph resource this server is plus /.default.
func (s *Server) token(w http.ResponseWriter, r *http.Request, tid string) {
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		s.flag("POST token: body is not a form")
		writeTokenError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	if r.URL.RawQuery != "" {
		s.flag("POST token: credentials or options in the query string")
	}
	if r.Header.Get("Authorization") != "" {
		s.flag("POST token: an Authorization header sent to the token endpoint")
	}
	t := s.byID[tid]
	if t == nil {
		writeTokenError(w, http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tid))
		return
	}
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "client_credentials":
		s.flag("POST token: grant_type %q", f.Get("grant_type"))
		writeTokenError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
		return
	case f.Get("scope") != s.base+"/.default":
		s.flag("POST token: scope %q, want %q", f.Get("scope"), s.base+"/.default")
		writeTokenError(w, http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope "+f.Get("scope")+" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
		return
	case f.Get("client_id") != t.clientID:
		writeTokenError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", f.Get("client_id"), t.name))
		return
	case f.Get("client_assertion") != "" || f.Get("client_assertion_type") != "":
		if f.Get("client_secret") != "" {
			s.flag("POST token: both client_secret and client_assertion")
		}
		if code, desc := s.verifyAssertion(t, s.base+r.URL.Path, f.Get("client_assertion_type"), f.Get("client_assertion")); code != 0 {
			writeTokenError(w, http.StatusUnauthorized, "invalid_client", code, desc)
			return
		}
	case f.Get("client_secret") != t.secret:
		writeTokenError(w, http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+t.clientID+"'.")
		return
	}
	s.mu.Lock()
	s.issuedN++
	tok := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"tid":"%s","n":%d}`, t.id, s.issuedN))) + ".sim"
	s.tokens[tok] = &issued{t: t, expires: time.Now().Add(t.opts.TokenLifetime)}
	s.mu.Unlock()
	secs := int(t.opts.TokenLifetime / time.Second)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok})
}

// verifyAssertion checks a certificate-signed client assertion the way
// Entra does; it returns the AADSTS code and description of a refusal, or
// 0.
func (s *Server) verifyAssertion(t *tenant, tokenURL, typ, assertion string) (int, string) {
	if typ != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		s.flag("POST token: client_assertion_type %q", typ)
		return 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."
	}
	if t.opts.Certificate == nil {
		return 700027, "The certificate with identifier used to sign the client assertion is not registered on application."
	}
	want := thumbprint(t.opts.Certificate)
	tok, err := jwt.Parse(assertion, func(tok *jwt.Token) (any, error) {
		if x5t, _ := tok.Header["x5t"].(string); x5t != want {
			return nil, errors.New("unknown certificate")
		}
		return t.opts.Certificate.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256", "PS256"}), jwt.WithAudience(tokenURL), jwt.WithIssuer(t.clientID),
		jwt.WithSubject(t.clientID), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(5*time.Minute))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return 700024, "Client assertion is not within its valid time range."
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return 700023, "Client assertion audience claim does not match Realm issuer."
	case err != nil || !tok.Valid:
		return 700027, "Client assertion failed signature validation."
	}
	if jti, _ := tok.Claims.(jwt.MapClaims)["jti"].(string); jti == "" {
		return 700027, "Client assertion contains no jti claim."
	}
	return 0, ""
}

// thumbprint is a certificate's x5t: the base64url SHA-1 of its DER.
func thumbprint(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// NewCertificate makes a self-signed certificate and its RSA key, as an
// administrator would for an app registration: the PEM (certificate and
// PKCS#8 key) is the connector's client_certificate, the certificate is
// Tenant.Certificate.
func NewCertificate(commonName string) (string, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", nil, fmt.Errorf("generating the simulated app's key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: commonName},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", nil, fmt.Errorf("signing the simulated app's certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "", nil, err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", nil, err
	}
	text := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}))
	return text, cert, nil
}
