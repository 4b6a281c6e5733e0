package okta

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
)

func rsaKey(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestOAuthServiceApp(t *testing.T) {
	key, keyPEM := rsaKey(t)
	_, otherPEM := rsaKey(t)
	tests := []struct {
		name          string
		app           oktasim.ServiceApp
		pem           string
		wantErr       []string
		wantTokens    int // token requests made (lower bound)
		wantRefreshed bool
	}{
		{name: "token reused across pages", app: oktasim.ServiceApp{ClientID: "0oasvc1"}, pem: keyPEM, wantTokens: 1},
		{name: "revoked token refreshed once per 401", app: oktasim.ServiceApp{ClientID: "0oasvc1", TokenUses: 3}, pem: keyPEM, wantTokens: 2, wantRefreshed: true},
		{name: "wrong key", app: oktasim.ServiceApp{ClientID: "0oasvc1"}, pem: otherPEM, wantErr: []string{"okta", "token", "invalid_client"}},
		{name: "scope not granted", app: oktasim.ServiceApp{ClientID: "0oasvc1", Scopes: []string{"okta.users.read"}}, pem: keyPEM, wantErr: []string{"okta", "invalid_scope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := tt.app
			app.PublicKey = &key.PublicKey
			f := newFixture(t, fixtureOpts{people: 150, sim: oktasim.Options{ServiceApp: &app},
				settings: extract.Settings{"api_token": nil, "client_id": "0oasvc1", "private_key": tt.pem}})
			recs, _, err := f.run(t, extract.Users, "")
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("fetch succeeded with bad credentials")
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				t.Logf("error: %v", err)
				if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "eyJ") {
					t.Fatalf("error leaks key or assertion: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, want := ids(recs), f.sim.Expected(extract.Users)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("%d users, want %d", len(got), len(want))
			}
			if n := f.sim.Requests()["/oauth2/v1/token"]; n < tt.wantTokens || (!tt.wantRefreshed && n != 1) {
				t.Fatalf("%d token requests, want %d", n, tt.wantTokens)
			}
			if tt.wantRefreshed != (f.stats.Refreshes.Load() > 0) {
				t.Fatalf("refreshes = %d", f.stats.Refreshes.Load())
			}
			if u := f.sim.Unexpected(); len(u) > 0 {
				t.Fatalf("unexpected requests: %v", u)
			}
		})
	}
}

func TestNewAuthChoice(t *testing.T) {
	_, keyPEM := rsaKey(t)
	base := extract.Settings{"org_url": "https://acme.okta.com"}
	tests := []struct {
		name    string
		extra   extract.Settings
		wantErr string
	}{
		{"token", extract.Settings{"api_token": "t"}, ""},
		{"service app", extract.Settings{"client_id": "c", "private_key": keyPEM}, ""},
		{"both", extract.Settings{"api_token": "t", "client_id": "c", "private_key": keyPEM}, "not both"},
		{"neither", extract.Settings{}, "api_token"},
		{"client without key", extract.Settings{"client_id": "c"}, "private_key"},
		{"not a key", extract.Settings{"client_id": "c", "private_key": "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n"}, "private_key: must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := extract.Settings{}
			for k, v := range base {
				s[k] = v
			}
			for k, v := range tt.extra {
				s[k] = v
			}
			_, err := New(extract.Instance{Name: "x", Type: "okta", Settings: s}, extract.Env{})
			if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "c2VjcmV0") {
				t.Fatalf("error quotes the key: %v", err)
			}
		})
	}
}
