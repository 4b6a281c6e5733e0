package zoomsim

import (
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Demo serves org as one Zoom account read by one connector instance.
func Demo(org *synth.Org) (simulate.Vendor, error) {
	s := New(org, Options{})
	if _, err := s.Start(); err != nil {
		return nil, err
	}
	return demoVendor{s}, nil
}

type demoVendor struct{ s *Server }

func (d demoVendor) Close() { d.s.Close() }

func (d demoVendor) Connectors() []simulate.Connector {
	return []simulate.Connector{{
		Name: "zoom",
		Type: "zoom",
		Settings: map[string]any{
			"account_id": d.s.AccountID(),
			"client_id":  d.s.ClientID(),
			"base_url":   d.s.APIURL(),
			"token_url":  d.s.TokenURL(),
			"allow_http": true,
		},
		Secrets: map[string]string{"client_secret": d.s.ClientSecret()},
	}}
}
