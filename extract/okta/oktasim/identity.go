package oktasim

import "github.com/saaspipe/saaspipe/simulate"

// AccountOwners maps every Okta user the tenant serves to its person.
func (d demoVendor) AccountOwners() map[simulate.AccountKey]int {
	out := map[simulate.AccountKey]int{}
	for _, u := range d.s.data.users {
		out[simulate.AccountKey{ConnectorType: "okta", SourceID: u.id}] = u.person
	}
	return out
}
