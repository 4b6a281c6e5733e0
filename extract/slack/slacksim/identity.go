package slacksim

import (
	"slices"
	"strconv"
	"strings"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// AccountOwners maps every member the workspace serves to its person (-1
// for bots, partners' guests and shared mailboxes).
func (d demoVendor) AccountOwners() map[simulate.AccountKey]int {
	out := map[simulate.AccountKey]int{}
	for _, m := range d.s.data.members {
		out[simulate.AccountKey{ConnectorType: "slack", SourceID: m.id}] = m.person
	}
	return out
}

// NoisyDemo is Demo with the identity noise a real workspace collects, for
// scoring identity resolution: members whose address differs in case or
// carries a +tag, shared mailboxes invited as full members, and people
// with a second, deactivated account under one of their aliases. The
// noise is a function of the seed and each person's id.
func NoisyDemo(org *synth.Org) (simulate.Vendor, error) {
	s := New(org, Options{})
	addNoise(s.data, org)
	url, err := s.Start()
	if err != nil {
		return nil, err
	}
	return demoVendor{s: s, url: url}, nil
}

func addNoise(d *dataset, org *synth.Org) {
	seed := strconv.FormatInt(org.Params.Seed, 10)
	var extra []member
	for k := range d.members {
		m := &d.members[k]
		if m.person < 0 || m.email == "" {
			continue
		}
		p := org.People[m.person]
		local, domain, _ := strings.Cut(m.email, "@")
		switch h := hash64(seed, p.ID, "slack", "noise"); {
		case h%10 == 1:
			m.email = strings.ToUpper(local[:1]) + local[1:] + "@" + strings.ToUpper(domain)
		case h%10 == 2:
			m.email = local + "+slack@" + domain
		case h%25 == 3 && len(p.Aliases) > 0 && !m.deleted:
			second := *m
			second.id = slackID("U", org.Params.Seed, p.ID+"/second")
			second.email = p.Aliases[0]
			second.name = strings.SplitN(p.Aliases[0], "@", 2)[0]
			second.deleted, second.billable, second.admin, second.owner, second.primary = true, false, false, false, false
			extra = append(extra, second)
		}
	}
	for _, mb := range org.Mailboxes {
		local := strings.SplitN(mb.Address, "@", 2)[0]
		extra = append(extra, member{id: slackID("U", org.Params.Seed, "mailbox/"+local), person: -1, name: local,
			email: mb.Address, real: mb.DisplayName, first: mb.DisplayName, tz: "Europe/London", updated: org.Date().AddDate(0, -3, 0)})
	}
	d.members = append(d.members, extra...)
	slices.SortFunc(d.members, func(a, b member) int { return strings.Compare(a.id, b.id) })
	d.ids = d.ids[:0]
	for _, m := range d.members {
		d.ids = append(d.ids, m.id)
	}
}

// SeatTruth is the workspace plan: no seats bought under the Fair Billing
// Policy, and the billing-active members held.
func (d demoVendor) SeatTruth() map[simulate.AccountKey]simulate.Seats {
	n := 0
	for _, m := range d.s.data.members {
		if m.billable {
			n++
		}
	}
	return map[simulate.AccountKey]simulate.Seats{{ConnectorType: "slack", SourceID: "workspace-plan"}: {Purchased: -1, Assigned: n}}
}
