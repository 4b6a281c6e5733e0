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

// SeatTruth is every product SKU held by at least one user: the seats
// bought (Seats) and the users holding it.
func (d demoVendor) SeatTruth() map[simulate.AccountKey]simulate.Seats {
	out := map[simulate.AccountKey]simulate.Seats{}
	for _, a := range d.s.data.accounts {
		if a.sku == "" {
			continue
		}
		k := simulate.AccountKey{ConnectorType: "google_workspace", SourceID: a.product + "/" + a.sku}
		s := out[k]
		s.Assigned++
		s.Purchased = d.s.Seats(a.sku)
		out[k] = s
	}
	return out
}
