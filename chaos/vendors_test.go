package chaos

import (
	"testing"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/googleworkspace/gwsim"
	"github.com/saaspipe/saaspipe/extract/msgraph/graphsim"
	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/extract/salesforce/sfsim"
	"github.com/saaspipe/saaspipe/extract/slack/slacksim"
	"github.com/saaspipe/saaspipe/extract/zoom/zoomsim"
	"github.com/saaspipe/saaspipe/synth"
)

// target is one connector type pointed at its running simulator.
type target struct {
	settings extract.Settings
	// truth returns the simulator's ids of a full entity, in the
	// connector's convention.
	truth func(entity string) []string
	// unexpected lists requests the simulator did not recognise.
	unexpected func() []string
	// refreshes says whether the connector's credentials can be renewed
	// after a 401 (OAuth); static tokens cannot, so an expired one must
	// fail the run cleanly instead.
	refreshes bool
}

// vendor is one simulated vendor and the connector type reading it.
type vendor struct {
	typ      string
	entities []string // full entities compared with the simulator's truth
	// people sizes the vendor's own organisation when the shared small
	// one would fit in one page (0: the shared one).
	people int
	start  func(t *testing.T, org *synth.Org) target
}

// Small pages make every listing span several pages, so that a fault on
// any one request lands in the middle of paging.
const pageSize = 7

var vendors = []vendor{
	{typ: "okta", entities: []string{"users", "groups", "applications", "app_assignments"},
		start: func(t *testing.T, org *synth.Org) target {
			s := oktasim.New(org, oktasim.Options{})
			base := startSim(t, s.Start, s.Close)
			return target{
				settings: extract.Settings{"org_url": "https://acme.okta.example", "api_token": s.Token(),
					"base_url": base, "allow_http": true, "page_size": pageSize},
				truth: s.Expected, unexpected: s.Unexpected,
			}
		}},
	{typ: "microsoft365", entities: []string{"users", "subscriptions"},
		start: func(t *testing.T, org *synth.Org) target { return graphTarget(t, org, false) }},
	{typ: "entra", entities: []string{"users", "groups", "applications", "app_assignments"},
		start: func(t *testing.T, org *synth.Org) target { return graphTarget(t, org, true) }},
	{typ: "google_workspace", entities: []string{"users", "subscriptions", "license_assignments"},
		start: func(t *testing.T, org *synth.Org) target {
			s, err := gwsim.New(org, gwsim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			base := startSim(t, s.Start, s.Close)
			products := []string{gwsim.ProductWorkspace}
			return target{
				settings: extract.Settings{"customer_id": s.CustomerID(), "admin_email": s.Admin(),
					"product_ids": products, "service_account_key": s.ServiceAccountKey(),
					"base_url": base, "licensing_url": base, "token_url": s.TokenURL(), "allow_http": true, "page_size": pageSize},
				truth:      func(e string) []string { return s.Expected(e, products...) },
				unexpected: s.Unexpected, refreshes: true,
			}
		}},
	{typ: "zoom", entities: []string{"users", "subscriptions"},
		start: func(t *testing.T, org *synth.Org) target {
			s := zoomsim.New(org, zoomsim.Options{})
			startSim(t, s.Start, s.Close)
			return target{
				settings: extract.Settings{"account_id": s.AccountID(), "client_id": s.ClientID(), "client_secret": s.ClientSecret(),
					"base_url": s.APIURL(), "token_url": s.TokenURL(), "allow_http": true, "page_size": pageSize},
				truth: s.Expected, unexpected: s.Unexpected, refreshes: true,
			}
		}},
	{typ: "salesforce", entities: []string{"users", "subscriptions", "license_assignments"}, people: 700,
		start: func(t *testing.T, org *synth.Org) target {
			s := sfsim.New(org, sfsim.Options{DailyLimit: 1 << 20})
			base := startSim(t, s.Start, s.Close)
			app := s.App()
			return target{
				// Salesforce's smallest batch is 200, more than the
				// small org's users: its queries are one page each.
				settings: extract.Settings{"instance_url": "https://acme.my.salesforce.com", "base_url": base, "allow_http": true,
					"client_id": app.ClientID, "client_secret": app.ClientSecret, "api_version": "62.0", "page_size": 200},
				truth: s.Expected, unexpected: s.Unexpected, refreshes: true,
			}
		}},
	{typ: "slack", entities: []string{"users", "subscriptions", "license_assignments"},
		start: func(t *testing.T, org *synth.Org) target {
			s := slacksim.New(org, slacksim.Options{})
			base := startSim(t, s.Start, s.Close)
			return target{
				settings: extract.Settings{"team_id": s.TeamID(), "token": s.Token(), "base_url": base, "allow_http": true,
					"page_size": pageSize, "tier2_per_minute": 60000.0},
				truth: s.Expected, unexpected: s.Unexpected,
			}
		}},
}

// graphTarget serves the main tenant of org from a Graph simulator, read by
// the entra connector (certificate credential) or microsoft365 (secret).
func graphTarget(t *testing.T, org *synth.Org, entra bool) target {
	certPEM, cert, err := graphsim.NewCertificate("saaspipe-chaos")
	if err != nil {
		t.Fatal(err)
	}
	main := graphsim.MainTenant(org)
	main.Certificate = cert
	s := graphsim.New(org, graphsim.Options{Tenants: []graphsim.Tenant{main}})
	base := startSim(t, s.Start, s.Close)
	id := s.TenantIDs()[0]
	clientID, secret := s.Credentials(id)
	settings := extract.Settings{"tenant_id": id, "client_id": clientID, "graph_url": base, "login_url": base,
		"allow_http": true, "page_size": pageSize}
	if entra {
		settings["client_certificate"] = certPEM
	} else {
		settings["client_secret"] = secret
	}
	return target{settings: settings, truth: func(e string) []string { return s.Expected(id, e) },
		unexpected: s.Unexpected, refreshes: true}
}

func startSim(t *testing.T, start func() (string, error), stop func()) string {
	t.Helper()
	base, err := start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return base
}
