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

// SeatTruth is every SKU of every tenant a microsoft365 instance reads: the
// enabled prepaid units and the users holding a license of it (directly or
// through groups, counted once).
func (d demoVendor) SeatTruth() map[simulate.AccountKey]simulate.Seats {
	read := map[string]bool{}
	for _, c := range d.Connectors() {
		if id, _ := c.Settings["tenant_id"].(string); c.Type == "microsoft365" {
			read[id] = true
		}
	}
	out := map[simulate.AccountKey]simulate.Seats{}
	for _, t := range d.s.tenants {
		if !read[t.id] {
			continue
		}
		for _, sk := range t.skus {
			held := 0
			for _, u := range t.users {
				for _, l := range u.licenses {
					if l.sku == sk.id {
						held++
						break
					}
				}
			}
			out[simulate.AccountKey{ConnectorType: "microsoft365", SourceID: sk.id}] = simulate.Seats{Purchased: sk.enabled, Assigned: held}
		}
	}
	return out
}
