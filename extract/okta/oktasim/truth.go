package oktasim

import "time"

// Expected lists the source ids the server holds for an entity, in the
// connector's conventions: users (every status, DEPROVISIONED included),
// groups, applications, and app_assignments as "<appId>/<userId>". It
// returns nil for an entity it does not know.
func (s *Server) Expected(entity string) []string {
	var out []string
	switch entity {
	case "users":
		out = append(out, s.data.userIDs...)
	case "groups":
		out = append(out, s.data.groupIDs...)
	case "applications":
		out = append(out, s.data.appIDs...)
	case "app_assignments":
		for _, a := range s.data.apps {
			for _, u := range a.users {
				out = append(out, a.id+"/"+u)
			}
		}
	}
	return out
}

// ExpectedEvents lists the uuids of the user.session.start and
// user.authentication.sso events published in [from, to), in log order,
// never beyond the server's "now".
func (s *Server) ExpectedEvents(from, to time.Time) []string {
	if now := s.opts.Clock(); to.After(now) {
		to = now.Add(time.Millisecond)
	}
	var out []string
	for e := range s.data.org.Events(from, to) {
		if _, ok := s.served(e); ok {
			out = append(out, e.ID)
		}
	}
	return out
}

// Status returns the Okta status of the user with id ("" when unknown).
func (s *Server) Status(id string) string {
	k, ok := findID(s.data.userIDs, id)
	if !ok {
		return ""
	}
	return s.data.users[k].status
}
