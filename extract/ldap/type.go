package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/saaspipe/saaspipe/extract"
)

// Defaults of the settings.
const (
	// DefaultUserFilter is AD's filter for user accounts of people: it
	// leaves out computers (objectClass=user too) and contacts.
	DefaultUserFilter  = "(&(objectCategory=person)(objectClass=user))"
	DefaultGroupFilter = "(objectClass=group)"
	// DefaultPageSize is AD's MaxPageSize: a larger page is cut to it.
	DefaultPageSize = 1000
	defaultTimeout  = 60 * time.Second
)

// DefaultLeaverOUs are OU names that, anywhere in a disabled account's DN,
// mean the account was deprovisioned rather than suspended.
var DefaultLeaverOUs = []string{"Leavers", "Disabled Users", "Disabled Accounts", "Former Employees", "Terminated"}

func fieldNames(fields []field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.name
	}
	return out
}

// Type declares the ldap connector type.
var Type = extract.Type{
	Name:    "ldap",
	Vendor:  "Microsoft",
	Product: "Active Directory",
	Doc: "People and groups from Active Directory, or any LDAP directory through attribute_map, read with paged " +
		"subtree searches (RFC 2696). A source of people, organisational attributes (department, title, manager, " +
		"office) and last logon (lastLogonTimestamp, replicated up to 14 days late), not of licenses. objectGUID is " +
		"the stable source id; the manager's DN is resolved to the manager's objectGUID.",
	Settings: []extract.Setting{
		// KindString, not KindURL: the config loader holds URL settings to
		// https, and this one is ldaps:// or ldap://; New checks it.
		{Name: "url", Kind: extract.KindURL, Schemes: []string{"ldaps", "ldap"}, Required: true, Help: "ldaps://dc1.corp.example (port 636) or ldap://dc1.corp.example (port 389, with start_tls); the host must match the server's certificate"},
		{Name: "start_tls", Kind: extract.KindBool, Default: false, Help: "upgrade an ldap:// connection with StartTLS before binding"},
		{Name: "allow_insecure", Kind: extract.KindBool, Default: false, Help: "accept ldap:// without start_tls, sending the password in clear (loopback test directories only)"},
		{Name: "ca_file", Kind: extract.KindString, Help: "PEM file of the CA(s) that sign the server's certificate; default: the system's trust store"},
		{Name: "insecure_skip_verify", Kind: extract.KindBool, Default: false, Help: "do not verify the server's certificate (testing only; anyone on the path can read the password)"},
		{Name: "bind_dn", Kind: extract.KindString, Required: true, Help: "DN of the read-only service account, e.g. CN=svc-saaspipe,OU=Service Accounts,DC=corp,DC=example"},
		{Name: "bind_password", Kind: extract.KindString, Required: true, Secret: true, Help: "the service account's password"},
		{Name: "base_dn", Kind: extract.KindString, Required: true, Help: "where searches start, e.g. DC=corp,DC=example; lower-cased it is the tenant key"},
		{Name: "user_filter", Kind: extract.KindString, Default: DefaultUserFilter, Help: "LDAP filter selecting user accounts; for OpenLDAP e.g. (objectClass=inetOrgPerson)"},
		{Name: "group_filter", Kind: extract.KindString, Default: DefaultGroupFilter, Help: "LDAP filter selecting groups; for OpenLDAP e.g. (objectClass=groupOfNames)"},
		{Name: "page_size", Kind: extract.KindInt, Default: DefaultPageSize, Help: "entries per page of the paged search (AD's MaxPageSize is 1000)"},
		{Name: "timeout", Kind: extract.KindDuration, Default: "60s", Help: "timeout of one LDAP operation (connect, bind, one page)"},
		{Name: "attribute_map", Kind: extract.KindList, Help: "overrides for non-AD directories, adAttribute=directoryAttribute, e.g. objectGUID=entryUUID, sAMAccountName=uid, whenCreated=createTimestamp"},
		{Name: "leaver_ous", Kind: extract.KindList, Default: DefaultLeaverOUs, Help: "OU names (case-insensitive, anywhere in the DN) holding leavers: a disabled account there is deprovisioned, elsewhere suspended"},
	},
	Entities: []extract.EntitySpec{
		{Name: extract.Users, Calls: []string{"search base_dn subtree user_filter attrs objectGUID (paged: DN → objectGUID for manager resolution)", "search base_dn subtree user_filter (paged)", "search manager DN base (only for managers outside user_filter)"},
			Fields: fieldNames(userFields)},
		{Name: extract.Groups, Calls: []string{"search base_dn subtree group_filter (paged)"},
			Fields: fieldNames(groupFields)},
	},
	Capabilities: extract.Capabilities{Directory: true, LastLogin: true},
	Permissions:  []string{"a read-only service account that may search users and groups under base_dn and read objectGUID, proxyAddresses, manager, userAccountControl, lockoutTime, accountExpires and lastLogonTimestamp"},
	New:          New,
}

// Connector is one configured ldap instance.
type Connector struct {
	tenant      string
	base        string
	userFilter  string
	groupFilter string
	attrs       attrMap
	leaverOUs   map[string]bool
	c           *client
	log         *slog.Logger
	capability  func(name string, available bool, reason string)
	// userPages counts the pages of the last users listing, so tests can
	// prove paging happened on the server.
	userPages atomic.Int64
}

// New builds an instance from validated settings; it makes no network call.
func New(inst extract.Instance, env extract.Env) (extract.Connector, error) {
	s := inst.Settings
	u, err := url.Parse(s.String("url"))
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return nil, errors.New("url: must be an ldaps:// or ldap:// URL such as ldaps://dc1.corp.example")
	}
	startTLS := s.Bool("start_tls")
	switch {
	case u.Scheme == "ldaps" && startTLS:
		return nil, errors.New("start_tls: not with an ldaps:// url, which is encrypted from the start")
	case u.Scheme == "ldap" && !startTLS && !s.Bool("allow_insecure"):
		return nil, errors.New("url: ldap:// without start_tls sends the password in clear; use ldaps://, set start_tls: true, or allow_insecure: true for a loopback test directory")
	}
	bindDN, password := s.String("bind_dn"), s.String("bind_password")
	if bindDN == "" || password == "" {
		// An empty password would make an unauthenticated bind, which
		// servers accept without checking anything.
		return nil, errors.New("bind_dn, bind_password: both are required (an empty password would bind anonymously)")
	}
	base, err := goldap.ParseDN(s.String("base_dn"))
	if err != nil || len(base.RDNs) == 0 {
		return nil, errors.New("base_dn: must be a DN such as DC=corp,DC=example")
	}
	tlsConf, err := tlsConfig(u.Hostname(), s.String("ca_file"), s.Bool("insecure_skip_verify"))
	if err != nil {
		return nil, err
	}
	attrs, err := parseAttrMap(s.List("attribute_map"))
	if err != nil {
		return nil, err
	}
	c := &Connector{
		tenant:      strings.ToLower(base.String()),
		base:        s.String("base_dn"),
		userFilter:  s.String("user_filter"),
		groupFilter: s.String("group_filter"),
		attrs:       attrs,
		leaverOUs:   map[string]bool{},
		log:         env.Logger,
		capability:  env.Capability,
		c: &client{
			url:      u.Scheme + "://" + u.Host,
			startTLS: startTLS,
			tls:      tlsConf,
			bindDN:   bindDN,
			password: password,
			timeout:  s.Duration("timeout"),
			pageSize: s.Int("page_size"),
		},
	}
	if c.userFilter == "" {
		c.userFilter = DefaultUserFilter
	}
	if c.groupFilter == "" {
		c.groupFilter = DefaultGroupFilter
	}
	for name, f := range map[string]string{"user_filter": c.userFilter, "group_filter": c.groupFilter} {
		if _, err := goldap.CompileFilter(f); err != nil {
			return nil, fmt.Errorf("%s: %q is not an LDAP filter: %v", name, f, err)
		}
	}
	if c.c.timeout <= 0 {
		c.c.timeout = defaultTimeout
	}
	switch ps := c.c.pageSize; {
	case ps == 0:
		c.c.pageSize = DefaultPageSize
	case ps < 0 || ps > 1<<31-1:
		return nil, errors.New("page_size: must be between 1 and 2147483647")
	}
	leavers := DefaultLeaverOUs
	if _, set := s["leaver_ous"]; set {
		leavers = s.List("leaver_ous")
	}
	for _, ou := range leavers {
		c.leaverOUs[strings.ToLower(strings.TrimSpace(ou))] = true
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// tlsConfig verifies the server's certificate against ca_file, or the
// system's trust store without one; skipping verification takes an
// explicit insecure_skip_verify.
func tlsConfig(host, caFile string, skipVerify bool) (*tls.Config, error) {
	conf := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify}
	if caFile == "" {
		return conf, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file: %s holds no PEM certificate", caFile)
	}
	conf.RootCAs = pool
	return conf, nil
}

// Tenant is the base DN, normalised and lower-cased: two instances reading
// one domain agree on it however they spell base_dn.
func (c *Connector) Tenant() string { return c.tenant }

// Check binds and reads the base entry: proof of the address, the TLS
// trust, the credentials and read access to base_dn.
func (c *Connector) Check(ctx context.Context) error {
	s, err := c.c.connect(ctx)
	if err != nil {
		return fmt.Errorf("checking ldap credentials: %w", err)
	}
	defer s.Close()
	if _, err := c.c.lookup(ctx, s, c.base, []string{"objectClass"}); err != nil {
		return fmt.Errorf("checking ldap credentials: reading base_dn %q on %s: %w", c.base, c.c.url, explain(err))
	}
	return nil
}

// Entities lists the entities in run order.
func (c *Connector) Entities() []extract.Entity {
	return []extract.Entity{
		{Name: extract.Users, Fetch: c.fetchUsers},
		{Name: extract.Groups, Fetch: c.fetchGroups},
	}
}
