package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// tokenSource issues tok1, tok2, … and counts its calls; it never caches,
// as OAuth2 requires of its source.
type tokenSource struct {
	mu     sync.Mutex
	calls  int
	expiry time.Duration // lifetime of each token; 0: one hour
	same   bool          // keep issuing tok1, like a caching source would
	err    error
}

func (s *tokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.err != nil {
		return nil, s.err
	}
	n := s.calls
	if s.same {
		n = 1
	}
	life := s.expiry
	if life == 0 {
		life = time.Hour
	}
	return &oauth2.Token{AccessToken: fmt.Sprintf("tok%d", n), TokenType: "Bearer", Expiry: time.Now().Add(life)}, nil
}

func (s *tokenSource) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// requireAuth answers 401 unless the request carries want, then next.
func requireAuth(t *testing.T, want string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != want {
			reply(401, `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`)(w, r)
			return
		}
		next(w, r)
	}
}

func TestUnauthorizedRefresh(t *testing.T) {
	ok := reply(200, `{}`)
	oauth := func(s *tokenSource) Authorizer { return OAuth2(s) }
	tests := []struct {
		name          string
		auth          func(*tokenSource) Authorizer
		sameToken     bool
		steps         []http.HandlerFunc
		wantStatus    int
		wantRefreshes int64
		wantTokens    int
	}{
		{
			name:          "expired token refreshed once",
			auth:          oauth,
			steps:         []http.HandlerFunc{requireAuth(t, "Bearer tok2", ok), requireAuth(t, "Bearer tok2", ok)},
			wantStatus:    200,
			wantRefreshes: 1,
			wantTokens:    2,
		},
		{
			name:          "second 401 is final",
			auth:          oauth,
			steps:         []http.HandlerFunc{reply(401, ""), reply(401, "")},
			wantStatus:    401,
			wantRefreshes: 1,
			wantTokens:    2,
		},
		{
			name:       "static credentials are not refreshed",
			auth:       func(*tokenSource) Authorizer { return StaticHeader("Authorization", "SSWS expired") },
			steps:      []http.HandlerFunc{requireAuth(t, "SSWS valid", ok)},
			wantStatus: 401,
		},
		{
			name:       "a source that caches cannot refresh",
			auth:       oauth,
			sameToken:  true,
			steps:      []http.HandlerFunc{requireAuth(t, "Bearer tok2", ok)},
			wantStatus: 401,
			wantTokens: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, http.MethodGet, "/api/v1/users", tc.steps...)
			var st Stats
			src := &tokenSource{same: tc.sameToken}
			c := newClient(Options{Auth: tc.auth(src), Stats: &st}, newFakeClock().clock())
			resp, err := get(t, c, s.URL())
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			if resp.StatusCode != tc.wantStatus || s.Hits() != len(tc.steps) {
				t.Errorf("status %d after %d attempts, want %d after %d", resp.StatusCode, s.Hits(), tc.wantStatus, len(tc.steps))
			}
			if got := st.Refreshes.Load(); got != tc.wantRefreshes {
				t.Errorf("Stats.Refreshes %d, want %d", got, tc.wantRefreshes)
			}
			if src.Calls() != tc.wantTokens {
				t.Errorf("token source called %d times, want %d", src.Calls(), tc.wantTokens)
			}
		})
	}
}

func TestOAuth2Caching(t *testing.T) {
	tests := []struct {
		name       string
		expiry     time.Duration
		requests   int
		wantTokens int
	}{
		// oauth2 treats tokens expiring within ten seconds as expired.
		{"valid token reused", time.Hour, 3, 1},
		{"expiring token fetched anew", 5 * time.Second, 3, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &tokenSource{expiry: tc.expiry}
			a := OAuth2(src)
			for range tc.requests {
				req := httptest.NewRequest(http.MethodGet, "https://example.okta.com/api/v1/users", nil)
				if err := a.Authorize(req); err != nil {
					t.Fatal(err)
				}
				if got := req.Header.Get("Authorization"); got == "" {
					t.Fatal("no Authorization header set")
				}
			}
			if src.Calls() != tc.wantTokens {
				t.Errorf("token source called %d times, want %d", src.Calls(), tc.wantTokens)
			}
		})
	}
}

func TestOAuth2TokenError(t *testing.T) {
	s := newScript(t, http.MethodGet, "/v1/users")
	c := newClient(Options{Auth: OAuth2(&tokenSource{err: errors.New("invalid_client")})}, newFakeClock().clock())
	_, err := get(t, c, s.URL()+"?q=1")
	if err == nil || !strings.Contains(err.Error(), "fetching oauth2 token: invalid_client") || s.Hits() != 0 {
		t.Fatalf("error %v after %d requests, want a token error before any request", err, s.Hits())
	}
	if strings.Contains(err.Error(), "q=1") {
		t.Errorf("error %q carries the query string", err)
	}
}

func TestRefreshStampede(t *testing.T) {
	// Concurrent 401s queue on one refresh instead of each fetching a token.
	src := &tokenSource{}
	a := OAuth2(src).(*oauth2Auth)
	req := httptest.NewRequest(http.MethodGet, "https://x/", nil)
	if err := a.Authorize(req); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := a.Refresh(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	// Let the refreshers reach the lock before releasing it.
	time.Sleep(50 * time.Millisecond)
	a.mu.Unlock()
	wg.Wait()
	if src.Calls() != 2 {
		t.Errorf("token source called %d times, want 2 (initial + one refresh)", src.Calls())
	}
}

func TestRedirectKeepsCredentialsOnHost(t *testing.T) {
	// Graph answers report requests with a redirect to a pre-signed download
	// URL on another host, which must not receive the token.
	download := newScript(t, http.MethodGet, "/report.csv", func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); h != "" {
			t.Errorf("download host received Authorization %q", h)
		}
		reply(200, "a,b\n", "Content-Type", "text/csv")(w, r)
	})
	api := newScript(t, http.MethodGet, "/v1.0/reports/getOffice365ActiveUserDetail", requireAuth(t, "Bearer tok1", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, download.URL()+"?sig=abc", http.StatusFound)
	}))
	c := newClient(Options{Auth: Bearer("tok1")}, newFakeClock().clock())
	resp, err := get(t, c, api.URL())
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET: %v", err)
	}
	if api.Hits() != 1 || download.Hits() != 1 {
		t.Errorf("hits api %d download %d, want 1 and 1", api.Hits(), download.Hits())
	}
}
