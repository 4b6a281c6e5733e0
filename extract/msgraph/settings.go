package msgraph

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/saaspipe/saaspipe/extract"
)

// Defaults of the national-cloud settings: the global Microsoft cloud.
const (
	DefaultGraphURL = "https://graph.microsoft.com"
	DefaultLoginURL = "https://login.microsoftonline.com"
)

// MaxPageSize is Graph's $top ceiling for directory listings (users, groups,
// service principals, app role assignments).
const MaxPageSize = 999

// Settings are the settings both Graph connector types take. There is no
// base_url: graph_url and login_url play its part, because Graph and its
// token endpoint live on different hosts in every cloud.
func Settings() []extract.Setting {
	return []extract.Setting{
		{Name: "tenant_id", Kind: extract.KindString, Required: true, Help: "directory (tenant) id, a GUID; it is the tenant key, so two instances reading one tenant agree"},
		{Name: "client_id", Kind: extract.KindString, Required: true, Help: "application (client) id of an app registration granted the application permissions the entities need, with admin consent"},
		{Name: "client_secret", Kind: extract.KindString, Secret: true, Help: "a client secret of that app registration (OAuth 2.0 client credentials); give either this or client_certificate"},
		{Name: "client_certificate", Kind: extract.KindString, Secret: true, Help: "PEM holding a certificate uploaded to the app registration and its RSA private key (PKCS#1 or PKCS#8), instead of client_secret: token requests are then signed (client assertion, RS256, x5t thumbprint)"},
		{Name: "domains", Kind: extract.KindList, Default: []string{"*"}, Help: "read only users whose userPrincipalName ends with @<domain> for one of these domains; * reads every user (a filter uses Graph's advanced queries: $count=true and ConsistencyLevel: eventual)"},
		{Name: "graph_url", Kind: extract.KindURL, Default: DefaultGraphURL, Help: "Microsoft Graph root; national clouds use e.g. https://graph.microsoft.us or https://microsoftgraph.chinacloudapi.cn, tests the simulator"},
		{Name: "login_url", Kind: extract.KindURL, Default: DefaultLoginURL, Help: "Microsoft Entra token authority; national clouds use e.g. https://login.microsoftonline.us or https://login.chinacloudapi.cn"},
		{Name: "allow_http", Kind: extract.KindBool, Default: false, Help: "accept plain http:// graph_url and login_url (loopback simulators only)"},
		{Name: "requests_per_second", Kind: extract.KindFloat, Default: 0.0, Help: "client-side ceiling on request rate; 0 leaves pacing to Graph's 429 answers"},
		{Name: "max_retries", Kind: extract.KindInt, Default: 5, Help: "retries per request on 429, 503, other 5xx and network errors"},
		{Name: "request_timeout", Kind: extract.KindDuration, Default: "60s", Help: "timeout of one HTTP request, body included"},
		{Name: "page_size", Kind: extract.KindInt, Default: MaxPageSize, Help: "records asked for per page ($top), capped at 999, and at 120 when sign-in activity is selected"},
	}
}

// Config is an instance's Graph settings, validated.
type Config struct {
	TenantID     string // lowercase GUID
	ClientID     string
	ClientSecret string
	// Certificate and Key sign client assertions when set (instead of
	// ClientSecret).
	Certificate *x509.Certificate
	Key         *rsa.PrivateKey
	// Domains restrict users to these userPrincipalName domains; nil
	// means every user.
	Domains  []string
	GraphURL string // without trailing slash
	LoginURL string // without trailing slash
	PageSize int    // 1..MaxPageSize
}

var (
	guidRE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
)

// ParseSettings validates s. Its messages name the setting and say what to
// write; they never quote the secret.
func ParseSettings(s extract.Settings) (Config, error) {
	c := Config{
		TenantID:     strings.ToLower(strings.TrimSpace(s.String("tenant_id"))),
		ClientID:     strings.TrimSpace(s.String("client_id")),
		ClientSecret: s.String("client_secret"),
		PageSize:     s.Int("page_size"),
	}
	if !guidRE.MatchString(c.TenantID) {
		return Config{}, errors.New("tenant_id: must be the directory (tenant) id, a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47")
	}
	if c.ClientID == "" {
		return Config{}, errors.New("client_id: required (the app registration's application id)")
	}
	certPEM := s.String("client_certificate")
	switch {
	case c.ClientSecret != "" && certPEM != "":
		return Config{}, errors.New("client_secret: give either client_secret or client_certificate, not both")
	case c.ClientSecret == "" && certPEM == "":
		return Config{}, errors.New("client_secret: required unless client_certificate is given (a client secret of the app registration)")
	case certPEM != "":
		var err error
		if c.Certificate, c.Key, err = ParseCertificate(certPEM); err != nil {
			return Config{}, fmt.Errorf("client_certificate: %w", err)
		}
	}
	if c.PageSize <= 0 || c.PageSize > MaxPageSize {
		if _, set := s["page_size"]; set && c.PageSize != 0 {
			return Config{}, fmt.Errorf("page_size: must be between 1 and %d", MaxPageSize)
		}
		c.PageSize = MaxPageSize
	}
	allowHTTP := s.Bool("allow_http")
	var err error
	if c.GraphURL, err = rootURL(s.String("graph_url"), DefaultGraphURL, allowHTTP); err != nil {
		return Config{}, fmt.Errorf("graph_url: %w", err)
	}
	if c.LoginURL, err = rootURL(s.String("login_url"), DefaultLoginURL, allowHTTP); err != nil {
		return Config{}, fmt.Errorf("login_url: %w", err)
	}
	domains := s.List("domains")
	if len(domains) == 0 || slices.Contains(domains, "*") {
		if len(domains) > 1 {
			return Config{}, errors.New("domains: * reads every user; give either * or a list of domains, not both")
		}
		return c, nil
	}
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		if !domainRE.MatchString(d) {
			return Config{}, fmt.Errorf("domains: %q is not a domain name such as contoso.com", d)
		}
		if !slices.Contains(c.Domains, d) {
			c.Domains = append(c.Domains, d)
		}
	}
	slices.Sort(c.Domains)
	return c, nil
}

func rootURL(v, def string, allowHTTP bool) (string, error) {
	if strings.TrimSpace(v) == "" {
		v = def
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(v), "/"))
	if err != nil || u.Host == "" || u.RawQuery != "" || u.User != nil ||
		(u.Scheme != "https" && !(u.Scheme == "http" && allowHTTP)) {
		return "", errors.New("must be an https URL without query (http only with allow_http: true)")
	}
	return u.String(), nil
}

// UserFilter is the $filter restricting a users listing to the configured
// domains, or "" when every user is read. Domains are validated names, so
// they cannot break out of the quoted literal.
func (c Config) UserFilter() string {
	parts := make([]string, len(c.Domains))
	for i, d := range c.Domains {
		parts[i] = "endswith(userPrincipalName,'@" + d + "')"
	}
	return strings.Join(parts, " or ")
}

// ParseCertificate reads a PEM bundle holding one certificate and the RSA
// private key that matches it. Its errors never quote the key.
func ParseCertificate(pemText string) (*x509.Certificate, *rsa.PrivateKey, error) {
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	rest := []byte(pemText)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			if cert == nil {
				c, err := x509.ParseCertificate(b.Bytes)
				if err != nil {
					return nil, nil, errors.New("the CERTIFICATE block does not parse")
				}
				cert = c
			}
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, errors.New("the RSA PRIVATE KEY block does not parse")
			}
			key = k
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			rk, ok := k.(*rsa.PrivateKey)
			if err != nil || !ok {
				return nil, nil, errors.New("the PRIVATE KEY block is not a PKCS#8 RSA key")
			}
			key = rk
		}
	}
	switch {
	case cert == nil:
		return nil, nil, errors.New("no CERTIFICATE block in the PEM")
	case key == nil:
		return nil, nil, errors.New("no RSA private key block in the PEM")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, nil, errors.New("the private key does not belong to the certificate")
	}
	return cert, key, nil
}
