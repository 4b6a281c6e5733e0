package graphsim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
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
