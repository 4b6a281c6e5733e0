package ldapsim

import "strings"

// Expected lists the source ids (objectGUIDs in canonical form) the server
// holds for an entity the connector reads with its default filters: users
// (every state, leavers included) and groups. It returns nil for any other
// entity.
func (s *Server) Expected(entity string) []string {
	var out []string
	switch entity {
	case "users":
		for _, u := range s.data.users {
			out = append(out, u.GUID)
		}
	case "groups":
		for _, g := range s.data.groups {
			out = append(out, g.GUID)
		}
	default:
		return nil
	}
	return out
}

// Users returns the user objects with their truth, in load order.
func (s *Server) Users() []User { return append([]User(nil), s.data.users...) }

// Groups returns the group objects, in load order.
func (s *Server) Groups() []Group { return append([]Group(nil), s.data.groups...) }

// Tenant is the connector's tenant key for this domain: the base DN in
// lower case.
func (s *Server) Tenant() string { return strings.ToLower(s.data.base) }
