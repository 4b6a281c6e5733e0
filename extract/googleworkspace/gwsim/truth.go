package gwsim

import (
	"slices"
	"time"
)

// Expected lists the source ids the server holds for an entity, in the
// connector's conventions: users (ids), license_assignments
// ("<productId>/<skuId>/<email>" over products) and subscriptions
// ("<productId>/<skuId>" held by at least one user of products). Sorted.
func (s *Server) Expected(entity string, products ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range s.data.accounts {
		switch entity {
		case "users":
			out = append(out, a.id)
		case "license_assignments":
			if slices.Contains(products, a.product) {
				out = append(out, a.product+"/"+a.sku+"/"+s.data.org.People[a.person].Email)
			}
		case "subscriptions":
			if id := a.product + "/" + a.sku; slices.Contains(products, a.product) && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}

// ExpectedLogins lists the ids ("<time>/<uniqueQualifier>") of the login
// events in [from, to), never beyond the server's "now", sorted.
func (s *Server) ExpectedLogins(from, to time.Time) []string {
	if now := s.opts.Clock(); to.After(now) {
		to = now.Add(time.Millisecond)
	}
	var out []string
	for _, a := range s.activities(from.UTC(), to.UTC()) {
		out = append(out, a.ID())
	}
	slices.Sort(out)
	return out
}

// State returns the account state of the user with id ("" when unknown).
func (s *Server) State(id string) string {
	for _, a := range s.data.accounts {
		if a.id == id {
			return a.state
		}
	}
	return ""
}

// Email returns the primary e-mail of the user with id.
func (s *Server) Email(id string) string {
	for _, a := range s.data.accounts {
		if a.id == id {
			return s.data.org.People[a.person].Email
		}
	}
	return ""
}

// Seats is the number of seats of sku the simulated customer bought: the
// seats assigned plus a tenth spare, rounded up to ten, as a buyer would.
func (s *Server) Seats(sku string) int {
	n := 0
	for _, a := range s.data.accounts {
		if a.sku == sku {
			n++
		}
	}
	return (n + n/10 + 9) / 10 * 10
}
