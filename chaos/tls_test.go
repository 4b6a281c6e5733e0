package chaos

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/synth"
)

// TestTLSVerificationIsOn points every HTTP connector type at an https
// server whose certificate no trusted authority signed: the connection must
// be refused before any request reaches it, at once (a bad certificate is
// not retried), with an error that says why. HTTP connectors have no
// setting to turn verification off.
func TestTLSVerificationIsOn(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 8, People: 12, Date: day})
	var reached atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Write([]byte(`{}`))
	}))
	// Every refused handshake would be logged otherwise.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	for _, v := range vendors {
		t.Run(v.typ, func(t *testing.T) {
			typ, _ := registry.Lookup(v.typ)
			for _, s := range typ.Settings {
				if strings.Contains(s.Name, "verify") || strings.Contains(s.Name, "insecure") {
					t.Errorf("%s has a setting %s: HTTP connectors must not be able to turn TLS verification off", v.typ, s.Name)
				}
			}
			tg := v.start(t, org)
			settings := extract.Settings{}
			for _, s := range typ.Settings {
				if s.Default != nil {
					settings[s.Name] = s.Default
				}
			}
			for k, val := range tg.settings {
				if s, ok := val.(string); ok && strings.HasPrefix(s, "http://127.0.0.1:") {
					rest := strings.TrimPrefix(s, "http://127.0.0.1:")
					if i := strings.IndexByte(rest, '/'); i >= 0 {
						val = srv.URL + rest[i:]
					} else {
						val = srv.URL
					}
				}
				settings[k] = val
			}
			var mu sync.Mutex
			sent := map[string]int{}
			env := extract.Env{Logger: slog.New(slog.DiscardHandler), Now: org.End, Capability: func(string, bool, string) {},
				HTTP: func(o httpx.Options) *http.Client {
					o.Stats = &httpx.Stats{}
					o.BaseBackoff, o.MaxBackoff = time.Millisecond, 5*time.Millisecond
					c := httpx.New(o)
					base := c.Transport
					c.Transport = roundTrip(func(r *http.Request) (*http.Response, error) {
						mu.Lock()
						sent[r.Method+" "+r.URL.Path]++
						mu.Unlock()
						return base.RoundTrip(r)
					})
					return c
				}}
			conn, err := typ.New(extract.Instance{Name: "tls", Type: v.typ, Settings: settings}, env)
			if err != nil {
				t.Fatal(err)
			}
			before := reached.Load()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err = conn.Check(ctx)
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("check against an untrusted certificate: %v", err)
			}
			if n := reached.Load() - before; n > 0 {
				t.Errorf("%d requests reached the server", n)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(sent) == 0 {
				t.Error("no request was sent: the check proves nothing")
			}
			for req, n := range sent {
				if n != 1 {
					t.Errorf("%s sent %d times: a certificate failure is not retried", req, n)
				}
			}
		})
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
