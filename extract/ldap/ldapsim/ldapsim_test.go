package ldapsim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

func start(t *testing.T, org *synth.Org, opts Options) *Server {
	t.Helper()
	s, err := Start(org, opts)
	if errors.Is(err, ErrNoSlapd) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true makes the tests against a real LDAP server mandatory)", err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func smallOrg() *synth.Org {
	return synth.Generate(synth.Params{Seed: 3, People: 300, Date: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
}

// TestServes: the server holds exactly the truth's users under the AD
// filter, refuses anonymous reads, and Close stops slapd and removes its
// files.
func TestServes(t *testing.T) {
	s := start(t, smallOrg(), Options{})
	conn, err := goldap.DialURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := goldap.NewSearchRequest(s.BaseDN(), goldap.ScopeWholeSubtree, 0, 0, 0, false,
		"(&(objectCategory=person)(objectClass=user))", []string{"objectGUID"}, nil)
	if res, err := conn.Search(req); err == nil && len(res.Entries) > 0 {
		t.Fatalf("anonymous search returned %d entries", len(res.Entries))
	}
	if err := conn.Bind(s.BindDN(), s.Password()); err != nil {
		t.Fatal(err)
	}
	res, err := conn.SearchWithPaging(req, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, id := range s.Expected("users") {
		want[id] = true
	}
	if len(res.Entries) != len(want) {
		t.Errorf("%d users served, truth has %d", len(res.Entries), len(want))
	}
	for _, e := range res.Entries {
		// Decoded independently of the connector: Data1-3 little-endian.
		b := e.GetRawAttributeValue("objectGUID")
		if len(b) != 16 {
			t.Fatalf("%s: objectGUID of %d bytes", e.DN, len(b))
		}
		id := strings.Join([]string{hexLE(b[0:4]), hexLE(b[4:6]), hexLE(b[6:8]), hexBE(b[8:10]), hexBE(b[10:16])}, "-")
		if !want[id] {
			t.Errorf("%s: objectGUID %s not in the truth", e.DN, id)
		}
	}
	dir := s.dir
	s.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("server directory %s still there after Close: %v", dir, err)
	}
	// ProcessState is set once Wait has reaped slapd.
	if s.cmd.ProcessState == nil {
		t.Errorf("slapd still running after Close")
	}
}

func hexLE(b []byte) string {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return hexBE(r)
}

func hexBE(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&0xf])
	}
	return string(out)
}

// TestNoSlapd: without OpenLDAP, Start says which packages to install.
func TestNoSlapd(t *testing.T) {
	saved := slapdPaths
	t.Cleanup(func() { slapdPaths = saved })
	slapdPaths = []string{filepath.Join(t.TempDir(), "slapd")}
	t.Setenv("PATH", t.TempDir())
	_, err := Start(smallOrg(), Options{})
	if !errors.Is(err, ErrNoSlapd) || !strings.Contains(err.Error(), "slapd and ldap-utils") {
		t.Fatalf("Start without slapd: %v", err)
	}
}

// TestDemo: the demo's instance points at the server with the service
// account's password as a secret, and binds once the vendor is ready.
func TestDemo(t *testing.T) {
	if err := Installed(); err != nil && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	v, err := Demo(smallOrg())
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.(simulate.Readier).Ready(); err != nil {
		t.Fatal(err)
	}
	cs := v.Connectors()
	if len(cs) != 1 || cs[0].Name != "ad" || cs[0].Type != "ldap" || cs[0].Secrets["bind_password"] == "" {
		t.Fatalf("demo connectors = %+v", cs)
	}
	conn, err := goldap.DialURL(cs[0].Settings["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind(cs[0].Settings["bind_dn"].(string), cs[0].Secrets["bind_password"]); err != nil {
		t.Fatalf("binding with the demo's settings: %v", err)
	}
}

// TestCloseWhileStarting: a server closed right after Launch, slapd still
// loading, stops and removes its files; Ready then reports how starting
// ended rather than blocking.
func TestCloseWhileStarting(t *testing.T) {
	if err := Installed(); err != nil && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	s, err := Launch(smallOrg(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.URL() == "" || s.BaseDN() == "" || s.BindDN() == "" {
		t.Fatalf("accessors before Ready: url %q base %q bind %q", s.URL(), s.BaseDN(), s.BindDN())
	}
	s.Close()
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Errorf("server directory after Close: %v", err)
	}
	select {
	case <-s.done:
	default:
		if s.cmd != nil {
			t.Error("slapd still running after Close")
		}
	}
	_ = s.Ready()
}

// TestAppendLine: RFC 2849 SAFE-STRINGs are written as they are, anything
// else (binary, non-ASCII, leading space, colon or '<', trailing space, line
// breaks) in base64.
func TestAppendLine(t *testing.T) {
	for _, c := range []struct{ value, want string }{
		{"", "cn: \n"},
		{"Ada Lovelace", "cn: Ada Lovelace\n"},
		{"a:b<c", "cn: a:b<c\n"},
		{"José", "cn:: Sm9zw6k=\n"},
		{" lead", "cn:: IGxlYWQ=\n"},
		{"trail ", "cn:: dHJhaWwg\n"},
		{":colon", "cn:: OmNvbG9u\n"},
		{"<url", "cn:: PHVybA==\n"},
		{"two\nlines", "cn:: dHdvCmxpbmVz\n"},
		{"cr\r", "cn:: Y3IN\n"},
		{"\x00\x01\xff", "cn:: AAH/\n"},
	} {
		if got := string(appendLine([]byte("x\n"), "cn", c.value)); got != "x\n"+c.want {
			t.Errorf("appendLine(%q) = %q, want %q", c.value, got, "x\n"+c.want)
		}
	}
}
