package slacksim

import (
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Demo serves org as one paid Slack workspace read by one connector
// instance named "slack". The Tier 2 pace is raised so the demo does not
// spend minutes waiting the way a real run against Slack would.
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
	return []simulate.Connector{{
		Name: "slack",
		Type: "slack",
		Settings: map[string]any{"team_id": d.s.TeamID(), "base_url": d.url, "allow_http": true,
			"page_size": 200, "tier2_per_minute": 6000.0},
		Secrets: map[string]string{"token": d.s.Token()},
	}}
}
