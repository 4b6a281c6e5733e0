package ldapsim

import "github.com/saaspipe/saaspipe/simulate"

// AccountOwners maps every directory user (by objectGUID, the source id)
// to its person.
func (d demoVendor) AccountOwners() map[simulate.AccountKey]int {
	out := map[simulate.AccountKey]int{}
	for _, u := range d.s.data.users {
		out[simulate.AccountKey{ConnectorType: "ldap", SourceID: u.GUID}] = u.Person
	}
	return out
}
