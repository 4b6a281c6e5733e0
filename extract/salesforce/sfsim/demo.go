package sfsim

import (
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Demo serves org as one Salesforce org read by one connector instance
// named "salesforce", authenticating with the client credentials flow.
func Demo(org *synth.Org) (simulate.Vendor, error) {
	s := New(org, Options{DailyLimit: 100000})
	url, err := s.Start()
	if err != nil {
		return nil, err
	}
	return demoVendor{s: s, url: url}, nil
}

type demoVendor struct {
	s   *Server
	url string
}

func (d demoVendor) Close() { d.s.Close() }

func (d demoVendor) Connectors() []simulate.Connector {
	app := d.s.App()
	return []simulate.Connector{{
		Name: "salesforce",
		Type: "salesforce",
		Settings: map[string]any{"instance_url": "https://acme.my.salesforce.com", "base_url": d.url, "allow_http": true,
			"client_id": app.ClientID, "api_version": "62.0"},
		Secrets: map[string]string{"client_secret": app.ClientSecret},
	}}
}
