package ldap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// client talks to one directory server. It knows the server's address, TLS
// policy and service account, and nothing of the pipeline.
type client struct {
	url      string // ldap:// or ldaps://, as configured
	startTLS bool
	tls      *tls.Config
	bindDN   string
	password string
	timeout  time.Duration
	pageSize int
}

// session is one bound connection; its Close also ends the watch that
// closes it when the context is cancelled.
type session struct {
	conn *goldap.Conn
	stop func() bool
}

func (s *session) Close() {
	s.stop()
	s.conn.Close()
}

// connect dials, upgrades with StartTLS when configured, and binds. Every
// error names the server, and the bind DN where it matters; never the
// password.
func (c *client) connect(ctx context.Context) (*session, error) {
	dialer := &net.Dialer{Timeout: c.timeout}
	if deadline, ok := ctx.Deadline(); ok {
		dialer.Deadline = deadline
	}
	conn, err := goldap.DialURL(c.url, goldap.DialWithDialer(dialer), goldap.DialWithTLSConfig(c.tls))
	if err != nil {
		return nil, fmt.Errorf("connecting to ldap server %s: %w", c.url, explain(err))
	}
	conn.SetTimeout(c.timeout)
	// go-ldap's calls take no context: closing the connection is what
	// interrupts a call in flight when the run is cancelled.
	s := &session{conn: conn, stop: context.AfterFunc(ctx, func() { conn.Close() })}
	if c.startTLS {
		if err := conn.StartTLS(c.tls); err != nil {
			s.Close()
			return nil, fmt.Errorf("starting TLS with ldap server %s: %w", c.url, ctxErr(ctx, explain(err)))
		}
	}
	if err := conn.Bind(c.bindDN, c.password); err != nil {
		s.Close()
		return nil, fmt.Errorf("binding to ldap server %s as %q: %w", c.url, c.bindDN, ctxErr(ctx, explain(err)))
	}
	return s, nil
}

// ctxErr prefers the context's error: a call interrupted by cancellation
// reports a closed connection, which is not the cause.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// explain adds what an operator should do about the errors with a known
// cause.
func explain(err error) error {
	var certErr *tls.CertificateVerificationError
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials):
		return fmt.Errorf("the server rejected the credentials (check bind_dn and bind_password): %w", err)
	case goldap.IsErrorWithCode(err, goldap.LDAPResultInsufficientAccessRights):
		return fmt.Errorf("the service account may not read this (grant it read access to base_dn): %w", err)
	case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
		return fmt.Errorf("no such entry (check base_dn): %w", err)
	case goldap.IsErrorWithCode(err, goldap.LDAPResultConfidentialityRequired), goldap.IsErrorWithCode(err, goldap.LDAPResultStrongAuthRequired):
		return fmt.Errorf("the server requires TLS or signing (use ldaps:// or start_tls: true): %w", err)
	// StartTLS reports a failed handshake as text only.
	case errors.As(err, &certErr), strings.Contains(err.Error(), "x509: "):
		return fmt.Errorf("the server's certificate is not trusted (give its CA in ca_file): %w", err)
	}
	return err
}

// searchStats counts what one paged search read.
type searchStats struct {
	pages   int
	entries int
}

// search runs one subtree search with the RFC 2696 paged-results control,
// handing every entry to fn page by page; it never asks for an unbounded
// result. When fn fails or the context ends it abandons the paged search
// (a zero-size page with the last cookie) so the server frees its state.
func (c *client) search(ctx context.Context, s *session, what, base, filter string, attrs []string, fn func(*goldap.Entry) error) (searchStats, error) {
	var st searchStats
	paging := goldap.NewControlPaging(uint32(c.pageSize))
	req := goldap.NewSearchRequest(base, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases, 0, 0, false,
		filter, attrs, []goldap.Control{paging})
	abandon := func() {
		if len(paging.Cookie) > 0 && ctx.Err() == nil {
			paging.PagingSize = 0
			_, _ = s.conn.Search(req)
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		res, err := s.conn.Search(req)
		st.pages++
		if err != nil {
			return st, fmt.Errorf("searching ldap server %s for %s page %d: %w", c.url, what, st.pages, ctxErr(ctx, explain(err)))
		}
		for _, e := range res.Entries {
			st.entries++
			if err := fn(e); err != nil {
				abandon()
				return st, err
			}
		}
		// A server that ignores the (non-critical) control answers
		// everything at once, without a paging control in the result.
		ctl, ok := goldap.FindControl(res.Controls, goldap.ControlTypePaging).(*goldap.ControlPaging)
		if !ok || len(ctl.Cookie) == 0 {
			return st, nil
		}
		paging.SetCookie(ctl.Cookie)
	}
}

// lookup reads one entry by DN (a base-scope search).
func (c *client) lookup(ctx context.Context, s *session, dn string, attrs []string) (*goldap.Entry, error) {
	req := goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", attrs, nil)
	res, err := s.conn.Search(req)
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	if len(res.Entries) == 0 {
		return nil, goldap.NewError(goldap.LDAPResultNoSuchObject, errors.New("no entry"))
	}
	return res.Entries[0], nil
}
