package sfsim

import (
	"strconv"
	"strings"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// AccountOwners maps every user the org serves to its person (-1 for
// portal, guest, integration and automated-process users).
func (d demoVendor) AccountOwners() map[simulate.AccountKey]int {
	out := map[simulate.AccountKey]int{}
	for _, u := range d.s.data.users {
		out[simulate.AccountKey{ConnectorType: "salesforce", SourceID: u.id}] = u.person
	}
	return out
}

// NoisyDemo is Demo with the identity noise a real org collects, for
// scoring identity resolution: users still named at the acquired company's
// domain (username, e-mail and federation id), e-mail addresses in another
// case, and admins whose e-mail is the shared IT mailbox while their
// federation id stays their own. The noise is a function of the seed and
// each person's id; seats and licenses are unchanged.
func NoisyDemo(org *synth.Org) (simulate.Vendor, error) {
	s := New(org, Options{DailyLimit: 100000})
	addNoise(s.data, org)
	url, err := s.Start()
	if err != nil {
		return nil, err
	}
	return demoVendor{s: s, url: url}, nil
}

func addNoise(d *dataset, org *synth.Org) {
	for k := range d.users {
		u := &d.users[k]
		if u.person < 0 {
			continue
		}
		p := org.People[u.person]
		local, _, _ := strings.Cut(p.Email, "@")
		switch h := hash64(strconv.FormatInt(org.Params.Seed, 10), p.ID, "salesforce", "noise"); {
		case h%8 == 1:
			renamed := local + "@" + org.AcquiredDomain
			u.username, u.email = renamed, renamed
			if u.fedID != "" {
				u.fedID = renamed
			}
		case h%8 == 2:
			u.email = strings.ToUpper(p.Email)
		case h%8 == 3 && u.profile == profAdmin && u.fedID != "" && len(org.Mailboxes) > 0:
			u.email = org.Mailboxes[0].Address
		}
	}
}

// SeatTruth is every user license and permission set license: the seats
// the org holds and those in use.
func (d demoVendor) SeatTruth() map[simulate.AccountKey]simulate.Seats {
	out := map[simulate.AccountKey]simulate.Seats{}
	for _, l := range d.s.data.licenses {
		out[simulate.AccountKey{ConnectorType: "salesforce", SourceID: l.id}] = simulate.Seats{Purchased: l.total, Assigned: l.used}
	}
	for _, p := range d.s.data.psls {
		out[simulate.AccountKey{ConnectorType: "salesforce", SourceID: p.id}] = simulate.Seats{Purchased: p.total, Assigned: p.used}
	}
	return out
}
