package slacksim

// Expected lists the source ids the server holds for an entity, in the
// connector's conventions: users (every member, deleted, guests and bots
// included), subscriptions ("workspace-plan"), license_assignments (the
// members billed under the Fair Billing Policy) and activity (every
// access-log entry). It returns nil for an entity it does not know.
func (s *Server) Expected(entity string) []string {
	d := s.current()
	var out []string
	switch entity {
	case "users":
		out = append(out, d.ids...)
	case "subscriptions":
		out = append(out, "workspace-plan")
	case "license_assignments":
		if s.opts.Plan == "" {
			return []string{}
		}
		for _, m := range d.billable() {
			if m.billable {
				out = append(out, m.id)
			}
		}
	case "activity":
		out = s.ExpectedAccess(0)
	}
	return out
}

// ExpectedAccess lists the ids of the access-log entries whose date_last
// is at or after from (Unix seconds), newest first.
func (s *Server) ExpectedAccess(from int64) []string {
	if s.opts.Plan == "" {
		return []string{}
	}
	var out []string
	for _, a := range s.current().logs {
		if a.last >= from {
			out = append(out, accessID(a))
		}
	}
	return out
}

// Kind describes a member for tests: "bot", "guest", "single_channel_guest",
// "deleted" or "member"; "" when unknown.
func (s *Server) Kind(id string) string {
	d := s.current()
	for _, m := range d.members {
		if m.id != id {
			continue
		}
		switch {
		case m.bot || m.id == "USLACKBOT":
			return "bot"
		case m.deleted:
			return "deleted"
		case m.single:
			return "single_channel_guest"
		case m.guest:
			return "guest"
		}
		return "member"
	}
	return ""
}

// Person returns the org person index of a member, -1 for accounts that
// are no person (bots, partner guests) or unknown ids.
func (s *Server) Person(id string) int {
	for _, m := range s.current().members {
		if m.id == id {
			return m.person
		}
	}
	return -1
}
