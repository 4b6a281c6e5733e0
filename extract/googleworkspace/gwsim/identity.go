package gwsim

import "github.com/saaspipe/saaspipe/simulate"

// AccountOwners maps every Google Workspace user the customer serves to
// its person.
func (d demoVendor) AccountOwners() map[simulate.AccountKey]int {
	out := map[simulate.AccountKey]int{}
	for _, a := range d.s.data.accounts {
		out[simulate.AccountKey{ConnectorType: "google_workspace", SourceID: a.id}] = a.person
	}
	return out
}
