package oktasim

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ServiceApp registers an OAuth 2.0 API service app that authenticates with
// private_key_jwt at /oauth2/v1/token.
type ServiceApp struct {
	ClientID  string
	PublicKey *rsa.PublicKey
	// Scopes granted to the app (default: the four read scopes).
	Scopes []string
	// TokenTTL is the lifetime of issued access tokens (default one hour).
	TokenTTL time.Duration
	// TokenUses, when positive, revokes each access token after that many
	// API requests, so clients must handle a 401 by getting a new one.
	TokenUses int
}

type issued struct {
	expires time.Time
	uses    int
}

var defaultScopes = []string{"okta.users.read", "okta.groups.read", "okta.apps.read", "okta.logs.read"}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// token serves POST /oauth2/v1/token for the client-credentials grant,
// verifying the client assertion as Okta does: RS256 signed by the
// registered key, issuer and subject the client id, audience this endpoint,
// unexpired, jti never reused.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	app := s.opts.ServiceApp
	if app == nil {
		s.flag("POST /oauth2/v1/token: no service app configured")
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body is not a form.")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" {
		s.flag("POST /oauth2/v1/token: grant_type %q", f.Get("grant_type"))
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "The grant type is not supported.")
		return
	}
	if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client_assertion_type is missing or wrong.")
		return
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(f.Get("client_assertion"), &claims, func(*jwt.Token) (any, error) { return app.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithAudience(s.base+"/oauth2/v1/token"),
		jwt.WithIssuer(app.ClientID),
		jwt.WithSubject(app.ClientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	if err != nil || claims.ID == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", fmt.Sprintf("The client_assertion is invalid: %v", err))
		return
	}
	granted := app.Scopes
	if granted == nil {
		granted = defaultScopes
	}
	asked := strings.Fields(f.Get("scope"))
	for _, sc := range asked {
		if !slices.Contains(granted, sc) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "The following scopes were requested, but not granted: "+sc)
			return
		}
	}
	ttl := app.TokenTTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	s.mu.Lock()
	if s.jtis[claims.ID] {
		s.mu.Unlock()
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The client_assertion token has already been used.")
		return
	}
	s.jtis[claims.ID] = true
	s.issuedN++
	tok := fmt.Sprintf("eyJsim.%s.%d", app.ClientID, s.issuedN)
	s.tokens[tok] = &issued{expires: time.Now().Add(ttl), uses: app.TokenUses}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"token_type": "Bearer", "expires_in": int(ttl / time.Second), "access_token": tok, "scope": strings.Join(asked, " "),
	})
}

// authorized checks an API request's credentials: the SSWS token, or an
// unexpired access token the token endpoint issued.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if h == "SSWS "+s.opts.Token {
		return true
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.tokens[tok]
	if it == nil || time.Now().After(it.expires) {
		return false
	}
	if s.opts.ServiceApp.TokenUses > 0 {
		if it.uses == 0 {
			return false
		}
		it.uses--
	}
	return true
}
