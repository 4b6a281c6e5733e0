package graphsim

import "github.com/saaspipe/saaspipe/simulate"

// AccountOwners maps every user of every tenant the demo's connectors read
// to its person: as a Microsoft 365 account in each tenant, and as an
// Entra ID account in the tenants an entra instance reads. Both types list
// the same directory objects.
func (d demoVendor) AccountOwners() map[simulate.AccountKey]int {
	types := map[string][]string{}
	for _, c := range d.Connectors() {
		id, _ := c.Settings["tenant_id"].(string)
		types[id] = append(types[id], c.Type)
	}
	out := map[simulate.AccountKey]int{}
	for _, t := range d.s.tenants {
		for _, u := range t.users {
			for _, typ := range types[t.id] {
				out[simulate.AccountKey{ConnectorType: typ, SourceID: u.id}] = u.person
			}
		}
	}
	return out
}
