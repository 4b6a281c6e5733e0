package oktasim

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/simulate"
)

// oktaTime renders Okta's timestamp format (UTC, milliseconds, Z).
func oktaTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type href struct {
	Href   string `json:"href"`
	Method string `json:"method,omitempty"`
	Type   string `json:"type,omitempty"`
	Name   string `json:"name,omitempty"`
}

// appendUser appends u as Okta's user object. It writes the bytes
// encoding/json would make of Okta's user shape (TestUserEncoding holds it
// to that), without reflection: listing users is the simulator's hottest
// path, and it must never be what a benchmark measures.
func (s *Server) appendUser(b []byte, u user) []byte {
	org := s.data.org
	p := &org.People[u.person]
	b = append(b, `{"id":`...)
	b = simulate.AppendString(b, u.id)
	b = append(b, `,"status":`...)
	b = simulate.AppendString(b, u.status)
	b = append(b, `,"created":`...)
	b = appendTime(b, u.created)
	b = append(b, `,"activated":`...)
	b = appendNullTime(b, u.activated)
	b = append(b, `,"statusChanged":`...)
	b = appendNullTime(b, u.changed)
	b = append(b, `,"lastLogin":`...)
	b = appendNullTime(b, u.lastLogin)
	updated := u.changed
	if u.lastLogin.After(updated) {
		updated = u.lastLogin
	}
	b = append(b, `,"lastUpdated":`...)
	b = appendTime(b, updated)
	b = append(b, `,"passwordChanged":`...)
	if u.activated.IsZero() {
		b = append(b, "null"...)
	} else {
		b = appendTime(b, u.activated.Add(3*time.Minute))
	}
	b = append(b, `,"type":{"id":`...)
	b = simulate.AppendString(b, s.data.userTypeID)
	b = append(b, `},"profile":{"firstName":`...)
	b = simulate.AppendString(b, p.GivenName)
	b = append(b, `,"lastName":`...)
	b = simulate.AppendString(b, p.FamilyName)
	b = append(b, `,"mobilePhone":null,"secondEmail":`...)
	if len(p.Aliases) > 0 {
		b = simulate.AppendString(b, p.Aliases[0])
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"login":`...)
	b = simulate.AppendString(b, p.Email)
	b = append(b, `,"email":`...)
	b = simulate.AppendString(b, p.Email)
	b = append(b, `,"displayName":`...)
	b = simulate.AppendString(b, p.DisplayName)
	b = append(b, `,"nickName":`...)
	b = simulate.AppendNullString(b, p.Nickname)
	b = append(b, `,"title":`...)
	b = simulate.AppendString(b, p.Title)
	b = append(b, `,"department":`...)
	b = simulate.AppendString(b, p.Department)
	b = append(b, `,"employeeNumber":`...)
	b = simulate.AppendString(b, p.EmployeeID)
	b = append(b, `,"costCenter":`...)
	b = simulate.AppendString(b, p.CostCenter)
	b = append(b, `,"organization":"Acme Inc.","userType":`...)
	if p.Kind.String() == "contractor" {
		b = append(b, `"Contractor"`...)
	} else {
		b = append(b, `"Employee"`...)
	}
	b = append(b, `,"manager":`...)
	if u.manager >= 0 {
		b = simulate.AppendString(b, org.People[u.manager].DisplayName)
		b = append(b, `,"managerId":`...)
		if k := s.data.byPerson[u.manager]; k >= 0 {
			b = simulate.AppendString(b, s.data.users[k].id)
		} else {
			b = append(b, "null"...)
		}
	} else {
		b = append(b, `null,"managerId":null`...)
	}
	b = append(b, `,"city":`...)
	b = simulate.AppendString(b, p.Location.City)
	b = append(b, `,"countryCode":`...)
	b = simulate.AppendString(b, p.Location.Country)
	b = append(b, `},"credentials":{"password":{},"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"self":{"href":`...)
	b = simulate.AppendString(b, s.base+"/api/v1/users/"+u.id)
	return append(b, "}}}"...)
}

// appendUserCached appends the k-th user's encoding to b: from the cache
// once it has been served, else written in place and a copy kept. The data
// is fixed when the server is built and the base URL when it starts, so a
// record never changes.
func (s *Server) appendUserCached(b []byte, k int) []byte {
	if c := s.userCache[k].Load(); c != nil {
		return append(b, *c...)
	}
	start := len(b)
	b = s.appendUser(b, s.data.users[k])
	c := bytes.Clone(b[start:])
	s.userCache[k].Store(&c)
	return b
}

// appendTime appends oktaTime(t) as a JSON string.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	return append(b, '"')
}

// appendNullTime appends t, or null when t is zero.
func appendNullTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	return appendTime(b, t)
}

var statusExpr = regexp.MustCompile(`^\s*status\s+eq\s+"([A-Z_]+)"\s*$`)

// statusFilter parses the filter or search expressions the simulator
// models: status eq "X" joined by or. ok is false for anything else.
func statusFilter(expr string) (map[string]bool, bool) {
	want := map[string]bool{}
	for _, part := range strings.Split(expr, " or ") {
		m := statusExpr.FindStringSubmatch(part)
		if m == nil {
			return nil, false
		}
		want[m[1]] = true
	}
	return want, true
}

// listUsers serves GET /api/v1/users. Without filter or search Okta omits
// DEPROVISIONED users; a status expression selects exactly.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, q url.Values) bool {
	s.checkParams(r, "limit", "after", "filter", "search")
	limit, err := limitParam(q, 200, 200)
	if err != nil {
		writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: limit")
		return false
	}
	var want map[string]bool
	for _, key := range []string{"filter", "search"} {
		if expr := q.Get(key); expr != "" {
			var ok bool
			if want, ok = statusFilter(expr); !ok {
				s.flag("GET /api/v1/users: unsupported %s %q", key, expr)
				writeError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.")
				return false
			}
		}
	}
	match := func(u user) bool {
		if want == nil {
			return u.status != Deprovisioned
		}
		return want[u.status]
	}
	// Walk the id-sorted users after the cursor, collecting limit matches;
	// the next cursor is the last id served.
	// Okta users run to about 1 KB each.
	body := append(simulate.PageBuffer(2+limit*1200), '[')
	lo, _, _ := pageAfter(s.data.userIDs, q.Get("after"), 1)
	next, last, n := "", -1, 0
	for k := lo; k < len(s.data.users); k++ {
		if !match(s.data.users[k]) {
			continue
		}
		if n == limit {
			next = s.data.users[last].id
			break
		}
		if n > 0 {
			body = append(body, ',')
		}
		body = s.appendUserCached(body, k)
		last, n = k, n+1
	}
	body = append(body, ']')
	s.pageBytes(w, r, body, next)
	simulate.PutPageBuffer(body)
	return true
}
