package oktasim

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

type groupJSON struct {
	ID                    string         `json:"id"`
	Created               string         `json:"created"`
	LastUpdated           string         `json:"lastUpdated"`
	LastMembershipUpdated string         `json:"lastMembershipUpdated"`
	ObjectClass           []string       `json:"objectClass"`
	Type                  string         `json:"type"`
	Profile               map[string]any `json:"profile"`
	Links                 map[string]any `json:"_links"`
}

func (s *Server) groupJSON(g group) groupJSON {
	return groupJSON{
		ID:                    g.id,
		Created:               oktaTime(g.created),
		LastUpdated:           oktaTime(g.created.Add(time.Hour)),
		LastMembershipUpdated: oktaTime(synth.Day(s.data.now).Add(-24 * time.Hour).Add(2 * time.Hour)),
		ObjectClass:           []string{"okta:user_group"},
		Type:                  g.kind,
		Profile:               map[string]any{"name": g.name, "description": g.desc},
		Links: map[string]any{
			"logo": []href{
				{Name: "medium", Href: s.base + "/img/logos/groups/okta-medium.png", Type: "image/png"},
				{Name: "large", Href: s.base + "/img/logos/groups/okta-large.png", Type: "image/png"},
			},
			"users": href{Href: s.base + "/api/v1/groups/" + g.id + "/users"},
			"apps":  href{Href: s.base + "/api/v1/groups/" + g.id + "/apps"},
		},
	}
}

// listGroups serves GET /api/v1/groups.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, q url.Values) bool {
	s.checkParams(r, "limit", "after")
	limit, err := limitParam(q, 10000, 10000)
	if err != nil {
		writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: limit")
		return false
	}
	lo, hi, next := pageAfter(s.data.groupIDs, q.Get("after"), limit)
	items := make([]any, 0, hi-lo)
	for _, g := range s.data.groups[lo:hi] {
		items = append(items, s.groupJSON(g))
	}
	s.page(w, r, items, next)
	return true
}

func (s *Server) appJSON(a app) map[string]any {
	c := s.data.org.Apps()[a.idx]
	created := s.data.org.Params.Epoch.AddDate(-5, 0, a.idx*11).Add(14 * time.Hour)
	linkName := c.OktaName + "_link"
	settingsApp := map[string]any{}
	if c.SignOnMode == synth.Bookmark {
		settingsApp = map[string]any{"requestIntegration": false, "url": "https://intranet." + s.data.org.Domain + "/"}
	}
	out := map[string]any{
		"id":          a.id,
		"orn":         "orn:okta:idp:" + oktaID(s.data.org.Params.Seed, "00o", 0) + ":apps:" + c.OktaName + ":" + a.id,
		"name":        c.OktaName,
		"label":       c.Name,
		"status":      "ACTIVE",
		"lastUpdated": oktaTime(created.Add(30 * 24 * time.Hour)),
		"created":     oktaTime(created),
		"accessibility": map[string]any{
			"selfService": false, "errorRedirectUrl": nil, "loginRedirectUrl": nil,
		},
		"visibility": map[string]any{
			"autoSubmitToolbar": false,
			"hide":              map[string]any{"iOS": false, "web": false},
			"appLinks":          map[string]any{linkName: true},
		},
		"features":   []string{},
		"signOnMode": string(c.SignOnMode),
		"credentials": map[string]any{
			"userNameTemplate": map[string]any{"template": "${source.login}", "type": "BUILT_IN"},
			"signing":          map[string]any{},
		},
		"settings": map[string]any{"app": settingsApp},
		"_links": map[string]any{
			"logo":       []href{{Name: "medium", Href: s.base + "/assets/img/logos/" + c.OktaName + ".png", Type: "image/png"}},
			"appLinks":   []href{{Name: linkName, Href: s.base + "/home/" + c.OktaName + "/" + a.id + "/aln" + a.id[3:], Type: "text/html"}},
			"users":      href{Href: s.base + "/api/v1/apps/" + a.id + "/users"},
			"groups":     href{Href: s.base + "/api/v1/apps/" + a.id + "/groups"},
			"self":       href{Href: s.base + "/api/v1/apps/" + a.id},
			"deactivate": href{Href: s.base + "/api/v1/apps/" + a.id + "/lifecycle/deactivate"},
		},
	}
	if a.provision {
		out["features"] = []string{"PUSH_NEW_USERS", "PUSH_USER_DEACTIVATION", "PUSH_PROFILE_UPDATES"}
	}
	if c.Licensed {
		// Okta reports a seat count for apps whose licensing it tracks; the
		// simulator sets it to the assigned seats rounded up to tens.
		out["licensing"] = map[string]any{"seatCount": (len(a.users)/10 + 1) * 10}
	}
	return out
}

// listApps serves GET /api/v1/apps.
func (s *Server) listApps(w http.ResponseWriter, r *http.Request, q url.Values) bool {
	s.checkParams(r, "limit", "after")
	limit, err := limitParam(q, 20, 200)
	if err != nil {
		writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: limit")
		return false
	}
	lo, hi, next := pageAfter(s.data.appIDs, q.Get("after"), limit)
	items := make([]any, 0, hi-lo)
	for _, a := range s.data.apps[lo:hi] {
		items = append(items, s.appJSON(a))
	}
	s.page(w, r, items, next)
	return true
}

// appendAppUser appends the app user uid of a, with every object's keys in
// sorted order as encoding/json writes Okta's app user shape
// (TestAppUserEncoding holds it to that).
func (s *Server) appendAppUser(b []byte, a app, uid string) []byte {
	org := s.data.org
	k, _ := findID(s.data.userIDs, uid)
	u := &s.data.users[k]
	p := &org.People[u.person]
	assigned := org.AssignedAt(u.person, a.idx).Add(10 * time.Hour)
	b = append(b, `{"_links":{"app":{"href":`...)
	b = simulate.AppendString(b, s.base+"/api/v1/apps/"+a.id)
	b = append(b, `},"user":{"href":`...)
	b = simulate.AppendString(b, s.base+"/api/v1/users/"+u.id)
	b = append(b, `}},"created":`...)
	b = appendTime(b, assigned)
	b = append(b, `,"credentials":{"userName":`...)
	b = simulate.AppendString(b, p.Email)
	b = append(b, `},"externalId":`...)
	if a.provision {
		b = simulate.AppendString(b, oktaID(org.Params.Seed, "ext", u.person*64+a.idx))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"id":`...)
	b = simulate.AppendString(b, u.id)
	b = append(b, `,"lastSync":`...)
	if a.provision {
		b = appendTime(b, assigned.Add(2*time.Second))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"lastUpdated":`...)
	b = appendTime(b, assigned.Add(2*time.Second))
	b = append(b, `,"passwordChanged":null,"profile":{"displayName":`...)
	b = simulate.AppendString(b, p.DisplayName)
	b = append(b, `,"email":`...)
	b = simulate.AppendString(b, p.Email)
	b = append(b, `,"firstName":`...)
	b = simulate.AppendString(b, p.GivenName)
	b = append(b, `,"lastName":`...)
	b = simulate.AppendString(b, p.FamilyName)
	b = append(b, `,"mobilePhone":null,"secondEmail":`...)
	if len(p.Aliases) > 0 {
		b = simulate.AppendString(b, p.Aliases[0])
	} else {
		b = append(b, "null"...)
	}
	if a.provision {
		b = append(b, `},"scope":"USER","status":"PROVISIONED","statusChanged":`...)
	} else {
		b = append(b, `},"scope":"USER","status":"ACTIVE","statusChanged":`...)
	}
	b = appendTime(b, assigned.Add(2*time.Second))
	if a.provision {
		return append(b, `,"syncState":"SYNCHRONIZED"}`...)
	}
	return append(b, `,"syncState":"DISABLED"}`...)
}

func findID(ids []string, id string) (int, bool) {
	lo, hi := 0, len(ids)
	for lo < hi {
		m := (lo + hi) / 2
		if ids[m] < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(ids) && ids[lo] == id
}

// listAppUsers serves GET /api/v1/apps/{appId}/users.
func (s *Server) listAppUsers(w http.ResponseWriter, r *http.Request, q url.Values, appID string) bool {
	s.checkParams(r, "limit", "after")
	k, ok := findID(s.data.appIDs, appID)
	if !ok {
		s.flag("GET %s: no such app", r.URL.Path)
		writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+strings.TrimPrefix(appID, "/")+" (AppInstance)")
		return false
	}
	limit, err := limitParam(q, 50, 500)
	if err != nil {
		writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: limit")
		return false
	}
	a := s.data.apps[k]
	lo, hi, next := pageAfter(a.users, q.Get("after"), limit)
	body := append(simulate.PageBuffer(2+(hi-lo)*900), '[')
	for i, uid := range a.users[lo:hi] {
		if i > 0 {
			body = append(body, ',')
		}
		body = s.appendAppUser(body, a, uid)
	}
	body = append(body, ']')
	s.pageBytes(w, r, body, next)
	simulate.PutPageBuffer(body)
	return true
}
