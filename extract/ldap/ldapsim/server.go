package ldapsim

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/saaspipe/saaspipe/extract/ldap"
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// ErrNoSlapd means the OpenLDAP server is not installed here.
var ErrNoSlapd = fmt.Errorf("ldapsim: slapd not found: install the Debian packages slapd and ldap-utils (apt-get install -y slapd ldap-utils): %w", simulate.ErrUnavailable)

// Options configure a Server.
type Options struct {
	// TLS generates a CA and a server certificate for 127.0.0.1 and
	// localhost, serves ldaps:// beside ldap:// and allows StartTLS.
	TLS bool
	// SizeLimit is the most entries one search without the paged-results
	// control may return (default 500, like a directory that forces
	// clients to page; AD's MaxPageSize is 1000). Paged searches may return
	// any total.
	SizeLimit int
	// MaxPageSize caps the page size a client may ask for (default 1000,
	// AD's MaxPageSize).
	MaxPageSize int
}

// Server is a running slapd serving the org as an AD-like domain.
type Server struct {
	data     *dataset
	dir      string
	cmd      *exec.Cmd
	done     chan struct{}
	ready    chan struct{} // closed when starting ended; err says how
	err      error
	stderr   *lockedBuffer
	url      string
	ldapsURL string
	caFile   string
	password string
	once     sync.Once
}

// Locations of the OpenLDAP programs, schemas and modules on Debian, with
// the other common layouts after.
var (
	slapdPaths  = []string{"/usr/sbin/slapd", "/usr/local/libexec/slapd", "/usr/libexec/slapd"}
	schemaDirs  = []string{"/etc/ldap/schema", "/etc/openldap/schema", "/usr/local/etc/openldap/schema"}
	moduleDirs  = []string{"/usr/lib/ldap", "/usr/lib64/openldap", "/usr/lib/openldap", "/usr/local/libexec/openldap"}
	startupWait = 15 * time.Second
)

func findFile(dirs []string, name string) string {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Installed reports ErrNoSlapd when slapd, slapadd or the OpenLDAP core
// schema is missing.
func Installed() error {
	slapd := ""
	for _, p := range slapdPaths {
		if _, err := os.Stat(p); err == nil {
			slapd = p
			break
		}
	}
	if slapd == "" {
		if p, err := exec.LookPath("slapd"); err == nil {
			slapd = p
		}
	}
	if slapd == "" || findFile(schemaDirs, "core.ldif") == "" {
		return ErrNoSlapd
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(slapd), "slapadd")); err != nil {
		if _, err := exec.LookPath("slapadd"); err != nil {
			return ErrNoSlapd
		}
	}
	return nil
}

func slapdPath() string {
	for _, p := range slapdPaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, _ := exec.LookPath("slapd")
	return p
}

func slapaddPath() string {
	if p := filepath.Join(filepath.Dir(slapdPath()), "slapadd"); fileExists(p) {
		return p
	}
	p, _ := exec.LookPath("slapadd")
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Start writes a temporary slapd configuration and database, bulk-loads
// the org with slapadd, and runs slapd in the foreground on loopback. It
// returns an error wrapping ErrNoSlapd when OpenLDAP is not installed.
// Close stops the server and removes every file it wrote.
func Start(org *synth.Org, opts Options) (*Server, error) {
	s, err := Launch(org, opts)
	if err != nil {
		return nil, err
	}
	if err := s.Ready(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Launch is Start without waiting for slapd: it lays out the directory and
// reserves the server's ports, so that every accessor answers, and leaves
// loading the directory and starting slapd (most of a second at 10,000
// people) to the background. A client connects after Ready returns nil.
// Close may be called at any time.
func Launch(org *synth.Org, opts Options) (*Server, error) {
	if err := Installed(); err != nil {
		return nil, err
	}
	if opts.SizeLimit <= 0 {
		opts.SizeLimit = 500
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = 1000
	}
	dir, err := os.MkdirTemp("", "ldapsim-")
	if err != nil {
		return nil, fmt.Errorf("ldapsim: creating the server directory: %w", err)
	}
	s := &Server{dir: dir, done: make(chan struct{}), ready: make(chan struct{}), stderr: &lockedBuffer{}, password: randomPassword()}
	// The ports are held until slapd is about to bind them, so that no
	// listener or outgoing connection of this process takes them meanwhile.
	ports, err := reservePorts(opts.TLS)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.url = "ldap://127.0.0.1:" + strconv.Itoa(ports.port())
	if opts.TLS {
		s.ldapsURL = "ldaps://127.0.0.1:" + strconv.Itoa(ports.tlsPort())
	}
	// slapadd writes the configuration while the directory's entries are
	// laid out and rendered (a tenth of a second each at 10,000 people).
	configured := make(chan error, 1)
	go func() { configured <- s.configure(opts, baseDN(org.Domain)) }()
	s.data = build(org, s.password)
	text := s.data.ldif()
	go func() {
		defer close(s.ready)
		s.err = <-configured
		if s.err == nil {
			s.err = s.serve(text, ports)
		}
		ports.close()
	}()
	return s, nil
}

// Ready waits until slapd accepts connections and reports why it does not
// when it failed to start.
func (s *Server) Ready() error {
	<-s.ready
	return s.err
}

func randomPassword() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ssha hashes a password the way slapd's {SSHA} scheme checks it, with a
// salt derived from the seed so equal inputs give equal LDIF.
func ssha(password string, seed int64) string {
	salt := []byte(strconv.FormatInt(seed, 16) + "salt")[:4]
	h := sha1.Sum(append([]byte(password), salt...))
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(h[:], salt...))
}

// configure writes slapd's configuration for a directory under base.
func (s *Server) configure(opts Options, base string) error {
	confDir, dbDir := filepath.Join(s.dir, "slapd.d"), filepath.Join(s.dir, "db")
	for _, d := range []string{confDir, dbDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("ldapsim: creating %s: %w", d, err)
		}
	}
	schemaFile := filepath.Join(s.dir, "ad-schema.ldif")
	if err := os.WriteFile(schemaFile, ldap.SchemaLDIF, 0o600); err != nil {
		return fmt.Errorf("ldapsim: writing the AD schema: %w", err)
	}
	var tlsFiles *tlsFiles
	if opts.TLS {
		var err error
		if tlsFiles, err = writeCerts(s.dir); err != nil {
			return err
		}
		s.caFile = tlsFiles.ca
	}
	conf := configLDIF(s.dir, confDir, dbDir, schemaFile, base, tlsFiles, opts)
	if err := s.slapadd(0, conf); err != nil {
		return fmt.Errorf("ldapsim: creating the slapd configuration: %w", err)
	}
	return nil
}

// serve loads the directory's LDIF and starts slapd on loopback on the
// ports held by ports, released just before slapd binds them.
func (s *Server) serve(ldif []byte, ports heldPorts) error {
	if err := s.slapadd(1, ldif); err != nil {
		return fmt.Errorf("ldapsim: loading the directory: %w", err)
	}
	listen := s.url + "/"
	if s.ldapsURL != "" {
		listen += " " + s.ldapsURL + "/"
	}
	// -d keeps slapd in the foreground, a child of this process; level 0
	// logs nothing but startup failures.
	s.cmd = exec.Command(slapdPath(), "-d", "0", "-F", filepath.Join(s.dir, "slapd.d"), "-h", listen)
	s.cmd.Stdout = s.stderr
	s.cmd.Stderr = s.stderr
	ports.close()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("ldapsim: starting slapd: %w", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	return s.waitReady(ports.port())
}

// waitReady dials the plain port until slapd accepts connections, failing
// early with slapd's own output when it exits.
func (s *Server) waitReady(port int) error {
	deadline := time.Now().Add(startupWait)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("ldapsim: slapd exited at startup: %s", strings.TrimSpace(s.stderr.String()))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ldapsim: slapd not listening on %s after %v: %s", addr, startupWait, strings.TrimSpace(s.stderr.String()))
		}
	}
}

// slapadd loads ldif into database db (0: cn=config), reading it from
// standard input.
func (s *Server) slapadd(db int, ldif []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// -q skips consistency checks slapadd would otherwise make per entry:
	// the input is generated, and it is several times faster.
	cmd := exec.CommandContext(ctx, slapaddPath(), "-q", "-F", filepath.Join(s.dir, "slapd.d"), "-n", strconv.Itoa(db))
	cmd.Stdin = bytes.NewReader(ldif)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("slapadd -n %d: %w: %s", db, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// heldPorts are listeners on loopback ports chosen by the kernel, held
// open so that the ports stay free for slapd: the plain port, then the TLS
// one when there is one.
type heldPorts []net.Listener

func reservePorts(tls bool) (heldPorts, error) {
	n := 1
	if tls {
		n = 2
	}
	var ls heldPorts
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			ls.close()
			return nil, fmt.Errorf("ldapsim: finding a free port: %w", err)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func (h heldPorts) port() int    { return h[0].Addr().(*net.TCPAddr).Port }
func (h heldPorts) tlsPort() int { return h[1].Addr().(*net.TCPAddr).Port }

// close releases the ports; closing twice is harmless.
func (h heldPorts) close() {
	for _, l := range h {
		l.Close()
	}
}

// configLDIF is slapd's cn=config: the schemas, one mdb database holding
// the domain, limits that force clients to page, and ACLs under which only
// bound users read (as in AD, anonymous search is refused).
func configLDIF(dir, confDir, dbDir, schemaFile, base string, tf *tlsFiles, opts Options) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "dn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcPidFile: %s\n", filepath.Join(dir, "slapd.pid"))
	if tf != nil {
		fmt.Fprintf(&b, "olcTLSCACertificateFile: %s\nolcTLSCertificateFile: %s\nolcTLSCertificateKeyFile: %s\n", tf.ca, tf.cert, tf.key)
	}
	b.WriteString("\n")
	if mdb := findFile(moduleDirs, "back_mdb.so"); mdb != "" {
		fmt.Fprintf(&b, "dn: cn=module{0},cn=config\nobjectClass: olcModuleList\ncn: module{0}\nolcModulePath: %s\nolcModuleLoad: back_mdb\n\n", filepath.Dir(mdb))
	}
	b.WriteString("dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n")
	schemaDir := filepath.Dir(findFile(schemaDirs, "core.ldif"))
	for _, f := range []string{"core.ldif", "cosine.ldif", "inetorgperson.ldif"} {
		fmt.Fprintf(&b, "include: file://%s\n\n", filepath.Join(schemaDir, f))
	}
	fmt.Fprintf(&b, "include: file://%s\n\n", schemaFile)
	b.WriteString("dn: olcDatabase={-1}frontend,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcFrontendConfig\nolcDatabase: {-1}frontend\n\n")
	b.WriteString("dn: olcDatabase={0}config,cn=config\nobjectClass: olcDatabaseConfig\nolcDatabase: {0}config\nolcAccess: {0}to * by * none\n\n")
	fmt.Fprintf(&b, `dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: %s
olcDbDirectory: %s
olcDbMaxSize: 1073741824
olcDbNoSync: TRUE
olcSizeLimit: size.soft=%d size.hard=%d size.pr=%d size.prtotal=unlimited
olcDbIndex: objectClass eq
olcDbIndex: objectCategory eq
olcAccess: {0}to attrs=userPassword by anonymous auth by * none
olcAccess: {1}to * by users read by * none

`, base, dbDir, opts.SizeLimit, opts.SizeLimit, opts.MaxPageSize)
	return b.Bytes()
}

// ldif renders the dataset for slapadd: binary values and values LDIF
// cannot hold as-is in base64.
func (d *dataset) ldif() []byte {
	n := 0
	for _, e := range d.entries {
		n += len("dn:: \n\n") + base64.StdEncoding.EncodedLen(len(e.dn))
		for _, a := range e.attrs {
			n += len(a[0]) + len(":: \n") + base64.StdEncoding.EncodedLen(len(a[1]))
		}
	}
	b := make([]byte, 0, n)
	for _, e := range d.entries {
		b = appendLine(b, "dn", e.dn)
		for _, a := range e.attrs {
			b = appendLine(b, a[0], a[1])
		}
		b = append(b, '\n')
	}
	return b
}

// appendLine appends one attribute line, "name: value" or, for a value
// that is not a SAFE-STRING, "name:: base64".
func appendLine(b []byte, name, value string) []byte {
	b = append(b, name...)
	if safeString(value) {
		b = append(b, ": "...)
		b = append(b, value...)
	} else {
		b = append(b, ":: "...)
		b = base64.StdEncoding.AppendEncode(b, []byte(value))
	}
	return append(b, '\n')
}

// safeString is RFC 2849's SAFE-STRING: ASCII without NUL, CR, LF, not
// starting with a space, colon or '<', not ending with a space.
func safeString(v string) bool {
	if v == "" {
		return true
	}
	if !utf8.ValidString(v) || v[0] == ' ' || v[0] == ':' || v[0] == '<' || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\n' || c == '\r' || c > 0x7f {
			return false
		}
	}
	return true
}

// URL is the plain ldap:// address (StartTLS available with Options.TLS).
func (s *Server) URL() string { return s.url }

// LDAPSURL is the ldaps:// address ("" without Options.TLS).
func (s *Server) LDAPSURL() string { return s.ldapsURL }

// CAFile is the PEM file of the CA that signed the server's certificate
// ("" without Options.TLS).
func (s *Server) CAFile() string { return s.caFile }

// BaseDN is the domain's naming context, DC=acme,DC=example.
func (s *Server) BaseDN() string { return s.data.base }

// BindDN is the service account the connector binds as.
func (s *Server) BindDN() string { return s.data.bindDN }

// Password is the service account's password, random per server.
func (s *Server) Password() string { return s.password }

// Close stops slapd and removes the server's directory. It is safe to call
// more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		<-s.ready
		if s.cmd != nil && s.cmd.Process != nil {
			_ = s.cmd.Process.Signal(os.Interrupt)
			select {
			case <-s.done:
			case <-time.After(5 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.done
			}
		}
		_ = os.RemoveAll(s.dir)
	})
}

// lockedBuffer collects slapd's output for error messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
