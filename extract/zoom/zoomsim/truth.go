package zoomsim

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Expected lists the source ids the server holds for an entity, in the
// connector's conventions, sorted: users (every status) and subscriptions
// (plan keys).
func (s *Server) Expected(entity string) []string {
	var out []string
	switch entity {
	case "users":
		for _, u := range s.data.users {
			out = append(out, u.id)
		}
	case "subscriptions":
		if !s.opts.Faults.NoBilling {
			out = []string{"plan_base", "plan_large_meeting/large500", "plan_webinar/webinar1000", "plan_webinar/webinar500"}
		}
	}
	slices.Sort(out)
	return out
}

// ExpectedEvents lists the ids of the report entries in [from, to), never
// beyond the server's "now", in the connector's convention, sorted.
func (s *Server) ExpectedEvents(from, to time.Time) []string {
	var out []string
	for _, e := range s.entries(from, to) {
		j := s.entryJSON(e)
		f := []string{j["email"].(string), j["time"].(string), j["type"].(string), j["ip_address"].(string), j["client_type"].(string), j["version"].(string)}
		h := sha256.Sum256([]byte(strings.Join(f, "\x00")))
		out = append(out, f[1]+"/"+strings.ToLower(f[0])+"/"+hex.EncodeToString(h[:6]))
	}
	slices.Sort(out)
	return out
}

// User returns the status and license type of the user with id.
func (s *Server) User(id string) (status string, typ int) {
	for _, u := range s.data.users {
		if u.id == id {
			return u.status, u.typ
		}
	}
	return "", 0
}
