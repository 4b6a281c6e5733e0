package oktasim

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// oktaTime renders Okta's timestamp format (UTC, milliseconds, Z).
func oktaTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// nullTime renders t, or JSON null when t is zero.
func nullTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := oktaTime(t)
	return &s
}

type href struct {
	Href   string `json:"href"`
	Method string `json:"method,omitempty"`
	Type   string `json:"type,omitempty"`
	Name   string `json:"name,omitempty"`
}

type userJSON struct {
	ID              string  `json:"id"`
	Status          string  `json:"status"`
	Created         string  `json:"created"`
	Activated       *string `json:"activated"`
	StatusChanged   *string `json:"statusChanged"`
	LastLogin       *string `json:"lastLogin"`
	LastUpdated     string  `json:"lastUpdated"`
	PasswordChanged *string `json:"passwordChanged"`
	Type            struct {
		ID string `json:"id"`
	} `json:"type"`
	Profile     userProfile `json:"profile"`
	Credentials struct {
		Password struct{} `json:"password"`
		Provider struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"provider"`
	} `json:"credentials"`
	Links map[string]href `json:"_links"`
}

type userProfile struct {
	FirstName      string  `json:"firstName"`
	LastName       string  `json:"lastName"`
	MobilePhone    *string `json:"mobilePhone"`
	SecondEmail    *string `json:"secondEmail"`
	Login          string  `json:"login"`
	Email          string  `json:"email"`
	DisplayName    string  `json:"displayName"`
	NickName       *string `json:"nickName"`
	Title          string  `json:"title"`
	Department     string  `json:"department"`
	EmployeeNumber string  `json:"employeeNumber"`
	CostCenter     string  `json:"costCenter"`
	Organization   string  `json:"organization"`
	UserType       string  `json:"userType"`
	Manager        *string `json:"manager"`
	ManagerID      *string `json:"managerId"`
	City           string  `json:"city"`
	CountryCode    string  `json:"countryCode"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) userJSON(u user) userJSON {
	org := s.data.org
	p := org.People[u.person]
	var j userJSON
	j.ID = u.id
	j.Status = u.status
	j.Created = oktaTime(u.created)
	j.Activated = nullTime(u.activated)
	j.StatusChanged = nullTime(u.changed)
	j.LastLogin = nullTime(u.lastLogin)
	updated := u.changed
	if u.lastLogin.After(updated) {
		updated = u.lastLogin
	}
	j.LastUpdated = oktaTime(updated)
	if !u.activated.IsZero() {
		j.PasswordChanged = nullTime(u.activated.Add(3 * time.Minute))
	}
	j.Type.ID = oktaID(org.Params.Seed, "oty", 0)
	pr := &j.Profile
	pr.FirstName, pr.LastName = p.GivenName, p.FamilyName
	pr.Login, pr.Email = p.Email, p.Email
	if len(p.Aliases) > 0 {
		pr.SecondEmail = &p.Aliases[0]
	}
	pr.DisplayName = p.DisplayName
	pr.NickName = strPtr(p.Nickname)
	pr.Title, pr.Department, pr.CostCenter = p.Title, p.Department, p.CostCenter
	pr.EmployeeNumber = p.EmployeeID
	pr.Organization = "Acme Inc."
	pr.UserType = "Employee"
	if p.Kind.String() == "contractor" {
		pr.UserType = "Contractor"
	}
	if u.manager >= 0 {
		m := org.People[u.manager]
		pr.Manager = &m.DisplayName
		if k := s.data.byPerson[u.manager]; k >= 0 {
			pr.ManagerID = &s.data.users[k].id
		}
	}
	pr.City, pr.CountryCode = p.Location.City, p.Location.Country
	j.Credentials.Provider.Type, j.Credentials.Provider.Name = "OKTA", "OKTA"
	j.Links = map[string]href{"self": {Href: s.base + "/api/v1/users/" + u.id}}
	return j
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
	var items []any
	lo, _, _ := pageAfter(s.data.userIDs, q.Get("after"), 1)
	next := ""
	for k := lo; k < len(s.data.users); k++ {
		u := s.data.users[k]
		if !match(u) {
			continue
		}
		if len(items) == limit {
			next = items[len(items)-1].(userJSON).ID
			break
		}
		items = append(items, s.userJSON(u))
	}
	s.page(w, r, items, next)
	return true
}
