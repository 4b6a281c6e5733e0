package zoomsim

import "github.com/saaspipe/saaspipe/simulate"

// AccountOwners maps every Zoom user the account serves to its person.
func (d demoVendor) AccountOwners() map[simulate.AccountKey]int {
	out := map[simulate.AccountKey]int{}
	for _, u := range d.s.data.users {
		out[simulate.AccountKey{ConnectorType: "zoom", SourceID: u.id}] = u.person
	}
	return out
}

// SeatTruth is the base plan's seats: bought as Seats, held by the
// licensed users (active or pending). The add-on plans have no holders the
// API lists.
func (d demoVendor) SeatTruth() map[simulate.AccountKey]simulate.Seats {
	n := 0
	for _, u := range d.s.data.users {
		if u.typ == Licensed {
			n++
		}
	}
	return map[simulate.AccountKey]simulate.Seats{{ConnectorType: "zoom", SourceID: "plan_base"}: {Purchased: d.s.Seats(), Assigned: n}}
}
