package gwsim

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

var allScopes = strings.Join([]string{
	scopePrefix + "admin.directory.user.readonly", scopePrefix + "admin.reports.audit.readonly",
	scopePrefix + "admin.reports.usage.readonly", scopePrefix + "apps.licensing",
}, " ")

func start(t *testing.T, people int, opts Options) *Server {
	t.Helper()
	s, err := New(synth.Generate(synth.Params{Seed: 4, People: people, Date: testDate}), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// assertion signs a JWT bearer assertion with key and the given claims
// over the defaults a correct client sends.
func assertion(t *testing.T, s *Server, key *rsa.PrivateKey, over jwt.MapClaims) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": s.mail, "sub": s.Admin(), "aud": s.TokenURL(), "scope": allScopes, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func grant(t *testing.T, s *Server, a string) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(s.TokenURL(), url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestTokenVerifiesAssertion(t *testing.T) {
	s := start(t, 30, Options{})
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	tests := []struct {
		name   string
		key    *rsa.PrivateKey
		over   jwt.MapClaims
		status int
		code   string
	}{
		{"valid", s.key, nil, 200, ""},
		{"other key", other, nil, 400, "invalid_grant"},
		{"wrong issuer", s.key, jwt.MapClaims{"iss": "x@y.iam.gserviceaccount.com"}, 400, "invalid_grant"},
		{"wrong audience", s.key, jwt.MapClaims{"aud": "https://oauth2.googleapis.com/token"}, 400, "invalid_grant"},
		{"expired", s.key, jwt.MapClaims{"iat": time.Now().Add(-3 * time.Hour).Unix(), "exp": time.Now().Add(-2 * time.Hour).Unix()}, 400, "invalid_grant"},
		{"no expiry", s.key, jwt.MapClaims{"exp": nil}, 400, "invalid_grant"},
		{"other subject", s.key, jwt.MapClaims{"sub": "bob@acme.example"}, 401, "unauthorized_client"},
		{"write scope", s.key, jwt.MapClaims{"scope": scopePrefix + "admin.directory.user"}, 401, "unauthorized_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := grant(t, s, assertion(t, s, tt.key, tt.over))
			if status != tt.status || (tt.code != "" && body["error"] != tt.code) || (tt.code == "" && body["access_token"] == nil) {
				t.Fatalf("status %d body %v", status, body)
			}
		})
	}
}

// get sends an authorised GET with a token for scopes.
func get(t *testing.T, s *Server, scopes, path string) (int, map[string]any) {
	t.Helper()
	_, tok := grant(t, s, assertion(t, s, s.key, jwt.MapClaims{"scope": scopes}))
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

// reason reads Google's error envelope.
func reason(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	errs, _ := e["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].(map[string]any)["reason"].(string)
}

func TestErrorsInGoogleEnvelope(t *testing.T) {
	s := start(t, 60, Options{})
	tests := []struct {
		name, scopes, path string
		status             int
		reason             string
		unexpected         bool
	}{
		{"users ok", allScopes, "/admin/directory/v1/users?customer=my_customer&maxResults=500", 200, "", false},
		{"missing scope", scopePrefix + "apps.licensing", "/admin/directory/v1/users?customer=my_customer", 403, "insufficientPermissions", true},
		{"maxResults beyond 500", allScopes, "/admin/directory/v1/users?customer=my_customer&maxResults=501", 400, "invalid", true},
		{"foreign page token", allScopes, "/admin/directory/v1/users?customer=my_customer&pageToken=" + pageToken("licenses/Google-Apps", 3), 400, "invalid", true},
		{"unknown product", allScopes, "/apps/licensing/v1/product/Nope/users?customerId=" + s.CustomerID(), 400, "invalid", true},
		{"usage not ready", allScopes, "/admin/reports/v1/usage/users/all/dates/" + testDate.AddDate(0, 0, -1).Format(time.DateOnly) + "?parameters=accounts:last_login_time", 400, "invalid", false},
		{"unknown path", allScopes, "/admin/directory/v1/groups", 404, "notFound", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.Unexpected())
			status, body := get(t, s, tt.scopes, tt.path)
			if status != tt.status || reason(body) != tt.reason {
				t.Fatalf("status %d reason %q body %v", status, reason(body), body)
			}
			if tt.status != 200 {
				e := body["error"].(map[string]any)
				if e["code"].(float64) != float64(tt.status) || e["status"] == "" || e["message"] == "" {
					t.Fatalf("not Google's envelope: %v", body)
				}
			}
			if got := len(s.Unexpected()) > before; got != tt.unexpected {
				t.Fatalf("flagged unexpected = %v, want %v: %v", got, tt.unexpected, s.Unexpected())
			}
		})
	}
}

// TestOrgVariation: accounts are the org's people assigned the Google app,
// by their primary e-mail; some people have none, some accounts are unused,
// and equal inputs give equal answers.
func TestOrgVariation(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 9, People: 600, Date: testDate})
	a, _ := New(org, Options{})
	b, _ := New(org, Options{})
	if !slices.Equal(a.Expected("users"), b.Expected("users")) {
		t.Fatal("two servers over one org disagree")
	}
	g := org.AppByKey("google")
	emails := map[string]int{}
	for i, p := range org.People {
		emails[p.Email] = i
	}
	unused, admins, unlicensed := 0, 0, 0
	for _, acc := range a.data.accounts {
		p := org.People[acc.person]
		if emails[p.Email] != acc.person || !org.Assigned(acc.person, g) {
			t.Fatalf("account %s is not an assigned person's primary e-mail", p.Email)
		}
		if org.Unused(acc.person, g) {
			unused++
		}
		if acc.admin {
			admins++
		}
		if acc.product == "" {
			unlicensed++
		}
	}
	if len(a.data.accounts) == 0 || unused == 0 || admins == 0 || unlicensed == 0 {
		t.Fatalf("%d accounts, %d unused, %d admins, %d unlicensed", len(a.data.accounts), unused, admins, unlicensed)
	}
	lacking := 0
	for i := range org.People {
		if _, ok := a.data.byPerson[i]; !ok && org.Exists(i, testDate) {
			lacking++
		}
	}
	if lacking == 0 {
		t.Fatal("every person has a Google account")
	}
}
