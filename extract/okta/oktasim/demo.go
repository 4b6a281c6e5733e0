package oktasim

import (
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Demo serves org as one Okta tenant read by two connector instances: the
// published data must count every account once and list both instances in
// its lineage.
func Demo(org *synth.Org) (simulate.Vendor, error) {
	s := New(org, Options{})
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
	settings := func(pageSize int, extra map[string]any) map[string]any {
		m := map[string]any{"org_url": "https://acme.okta.com", "base_url": d.url, "allow_http": true, "page_size": pageSize}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	secrets := map[string]string{"api_token": d.s.Token()}
	// The demo reads a week of System Log on the first run (a real
	// deployment's default is 30 days) to keep `saaspipe demo` quick; the
	// second instance reads three days with small pages, so the two differ
	// in settings but not in what they publish.
	return []simulate.Connector{
		{Name: "okta-main", Type: "okta", Settings: settings(1000, map[string]any{"logs_lookback": "168h"}), Secrets: secrets},
		{Name: "okta-audit", Type: "okta", Settings: settings(100, map[string]any{"logs_lookback": "72h"}), Secrets: secrets},
	}
}
