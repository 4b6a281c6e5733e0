package gwsim

import (
	"strconv"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// Demo serves org as one Google Workspace customer read by one connector
// instance, with purchased seats configured for the SKUs it sells.
func Demo(org *synth.Org) (simulate.Vendor, error) {
	s, err := New(org, Options{})
	if err != nil {
		return nil, err
	}
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
		Name: "google-workspace",
		Type: "google_workspace",
		Settings: map[string]any{
			"customer_id":     d.s.CustomerID(),
			"admin_email":     d.s.Admin(),
			"product_ids":     []string{ProductWorkspace, ProductArchived},
			"purchased_seats": []string{SkuStandard + "=" + strconv.Itoa(d.s.Seats(SkuStandard)), SkuPlus + "=" + strconv.Itoa(d.s.Seats(SkuPlus)), SkuStarter + "=" + strconv.Itoa(d.s.Seats(SkuStarter)), SkuArchived + "=" + strconv.Itoa(d.s.Seats(SkuArchived))},
			"base_url":        d.url,
			"licensing_url":   d.url,
			"token_url":       d.s.TokenURL(),
			"allow_http":      true,
		},
		Secrets: map[string]string{"service_account_key": d.s.ServiceAccountKey()},
	}}
}
