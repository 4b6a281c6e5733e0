package ldapsim

import (
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Demo serves org as one AD domain read by the connector instance "ad". It
// returns an error wrapping ErrNoSlapd when OpenLDAP is not installed, for
// the demo to report as skipped. The instance binds over plain ldap:// on
// loopback (allow_insecure); TLS verification is left at its default.
// slapd finishes starting in the background (Launch): the vendor is a
// simulate.Readier.
func Demo(org *synth.Org) (simulate.Vendor, error) {
	s, err := Launch(org, Options{})
	if err != nil {
		return nil, err
	}
	return demoVendor{s}, nil
}

type demoVendor struct{ s *Server }

func (d demoVendor) Close() { d.s.Close() }

func (d demoVendor) Ready() error { return d.s.Ready() }

func (d demoVendor) Connectors() []simulate.Connector {
	return []simulate.Connector{{
		Name: "ad",
		Type: "ldap",
		Settings: map[string]any{
			"url":            d.s.URL(),
			"allow_insecure": true,
			"bind_dn":        d.s.BindDN(),
			"base_dn":        d.s.BaseDN(),
			"page_size":      500,
		},
		Secrets: map[string]string{"bind_password": d.s.Password()},
	}}
}
