package chaos

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/ldap/ldapsim"
	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/synth"
)

// TestChaosLDAP puts a TCP proxy between the ldap connector and a real
// slapd and breaks the first connection part-way through the paged
// searches: a reset, a clean close, a server that stops answering. The
// run must stage exactly the directory's entries or fail cleanly, naming
// ldap, the server and the cause, leaving no staged file; never hang.
func TestChaosLDAP(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos suite: not in -short")
	}
	if err := ldapsim.Installed(); err != nil {
		t.Skipf("no slapd here: %v", err)
	}
	org := synth.Generate(synth.Params{Seed: 8, People: 40, Date: day})
	s, err := ldapsim.Start(org, ldapsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	upstream, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := registry.Lookup("ldap")
	tests := []struct {
		fault string
		cause []string
	}{
		{"connection reset", []string{"reset", "eof", "closed", "connection"}},
		{"connection closed mid-search", []string{"eof", "closed", "connection"}},
		{"server stops answering", []string{"timeout", "timed out", "deadline"}},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.fault, " ", "_"), func(t *testing.T) {
			px := startProxy(t, upstream.Host, tt.fault)
			settings := extract.Settings{}
			for _, st := range typ.Settings {
				if st.Default != nil {
					settings[st.Name] = st.Default
				}
			}
			for k, v := range map[string]any{"url": "ldap://" + px.addr, "allow_insecure": true, "bind_dn": s.BindDN(),
				"bind_password": s.Password(), "base_dn": s.BaseDN(), "page_size": pageSize, "timeout": "1s"} {
				settings[k] = v
			}
			conn, err := typ.New(extract.Instance{Name: "chaos-ldap", Type: "ldap", Settings: settings},
				extract.Env{Logger: slog.New(slog.DiscardHandler), Now: org.End, Capability: func(string, bool, string) {}})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			for _, ent := range conn.Entities() {
				rows, err := stageEntity(ctx, dir, "ldap", ent)
				if err != nil {
					msg := strings.ToLower(err.Error())
					if !strings.Contains(msg, "ldap") || !strings.Contains(msg, px.addr) ||
						!slices.ContainsFunc(tt.cause, func(c string) bool { return strings.Contains(msg, c) }) {
						t.Errorf("ldap %s under %q failed without naming ldap, %s and the cause: %v", ent.Name, tt.fault, px.addr, err)
					}
					if ctx.Err() != nil {
						t.Errorf("ldap %s under %q hung until the run's deadline", ent.Name, tt.fault)
					}
					if left := stagedFiles(t, dir, ent.Name); len(left) > 0 {
						t.Errorf("files left behind: %q", left)
					}
					t.Logf("failed cleanly: %v", err)
					break
				}
				compare(t, "ldap", ent.Name, s.Expected(ent.Name), rows)
			}
			if !px.fired() {
				t.Errorf("%q never fired: the run proves nothing", tt.fault)
			}
		})
	}
}

// faultProxy forwards TCP to slapd and breaks its first connection after
// breakAfter bytes from the server: past the bind and the first pages of
// the users search.
type faultProxy struct {
	addr  string
	fault string
	mu    sync.Mutex
	n     int
	hit   bool
}

const breakAfter = 12 << 10

func startProxy(t *testing.T, upstream, fault string) *faultProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{addr: ln.Addr().String(), fault: fault}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.n++
			first := p.n == 1
			p.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.serve(c, upstream, first)
			}()
		}
	}()
	return p
}

func (p *faultProxy) fired() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hit
}

func (p *faultProxy) serve(c net.Conn, upstream string, first bool) {
	defer c.Close()
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer u.Close()
	go func() {
		io.Copy(u, c)
		u.Close()
	}()
	if !first {
		io.Copy(c, u)
		return
	}
	if _, err := io.CopyN(c, u, breakAfter); err != nil {
		return
	}
	p.mu.Lock()
	p.hit = true
	p.mu.Unlock()
	switch p.fault {
	case "connection reset":
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
	case "server stops answering":
		// Hold the connection open, sending nothing, until the client
		// gives up (or the run's deadline passes).
		c.SetReadDeadline(time.Now().Add(runTimeout))
		io.Copy(io.Discard, c)
	}
}

// stagedFiles lists what is left of an entity's staged or temporary files.
func stagedFiles(t *testing.T, dir, entity string) []string {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(dir, "*", "*", entity+".parquet*"))
	if err != nil {
		t.Fatal(err)
	}
	return left
}
