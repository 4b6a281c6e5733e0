package graphsim

import (
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Demo serves the organisation's own tenant (Entra ID P1) and the acquired
// company's tenant (no premium, concealed report names), read by an Entra
// directory instance (authenticating with a certificate) and two Microsoft
// 365 instances (with client secrets), one per tenant.
func Demo(org *synth.Org) (simulate.Vendor, error) {
	certPEM, cert, err := NewCertificate("saaspipe-demo")
	if err != nil {
		return nil, err
	}
	main := MainTenant(org)
	main.Certificate = cert
	s := New(org, Options{Tenants: []Tenant{main, SubsidiaryTenant(org)}})
	url, err := s.Start()
	if err != nil {
		return nil, err
	}
	return demoVendor{s: s, url: url, certPEM: certPEM}, nil
}

type demoVendor struct {
	s       *Server
	url     string
	certPEM string
}

func (d demoVendor) Close() { d.s.Close() }

func (d demoVendor) Connectors() []simulate.Connector {
	ids := d.s.TenantIDs()
	conn := func(name, typ, tenantID string) simulate.Connector {
		clientID, secret := d.s.Credentials(tenantID)
		return simulate.Connector{Name: name, Type: typ,
			Settings: map[string]any{"tenant_id": tenantID, "client_id": clientID, "graph_url": d.url, "login_url": d.url, "allow_http": true},
			Secrets:  map[string]string{"client_secret": secret}}
	}
	directory := conn("entra-directory", "entra", ids[0])
	directory.Secrets = map[string]string{"client_certificate": d.certPEM}
	return []simulate.Connector{
		directory,
		conn("m365-acme", "microsoft365", ids[0]),
		conn("m365-acme-uk", "microsoft365", ids[1]),
	}
}
