package sfsim

import "time"

// Expected lists the source ids the server holds for an entity, in the
// connector's conventions: users (every User), subscriptions (UserLicense
// and PermissionSetLicense ids), license_assignments (the
// PermissionSetLicenseAssign ids; profile licenses are derived in SQL). It
// returns nil for an entity it does not know.
func (s *Server) Expected(entity string) []string {
	d := s.data
	var out []string
	switch entity {
	case "users":
		for _, u := range d.users {
			out = append(out, u.id)
		}
	case "subscriptions":
		for _, l := range d.licenses {
			out = append(out, l.id)
		}
		for _, p := range d.psls {
			out = append(out, p.id)
		}
	case "license_assignments":
		for _, a := range d.pslas {
			out = append(out, a.id)
		}
	}
	return out
}

// ExpectedLogins lists the LoginHistory ids with from <= LoginTime <= to
// (within the six months kept), in LoginTime order.
func (s *Server) ExpectedLogins(from, to time.Time) []string {
	var out []string
	s.logins(from, to, func(l *loginRow) bool {
		out = append(out, l.id)
		return true
	})
	return out
}

// UserType returns the UserType of the user with id ("" when unknown).
func (s *Server) UserType(id string) string {
	for _, u := range s.data.users {
		if u.id == id {
			return u.userType
		}
	}
	return ""
}

// Used is the API usage counted so far (the allocation's numerator).
func (s *Server) Used() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}
