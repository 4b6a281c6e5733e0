package gwsim

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

// activity is one login audit event.
type activity struct {
	t         time.Time
	qualifier string
	person    int
	name      string // login_success, login_failure
}

func (a activity) ID() string { return gTime(a.t) + "/" + a.qualifier }

func qualifier(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return strconv.FormatInt(int64(h.Sum64()), 10)
}

// activities lists the login events in [from, to), newest first, as the
// Reports API orders them: every sign-in to the Google Workspace app by a
// person with an account is a login_success, and one in 31 is preceded by a
// login_failure (a mistyped password) 40 seconds earlier.
func (s *Server) activities(from, to time.Time) []activity {
	key := [2]time.Time{from, to}
	s.mu.Lock()
	got, ok := s.windows[key]
	s.mu.Unlock()
	if ok {
		return got
	}
	var out []activity
	add := func(a activity) {
		if !a.t.Before(from) && a.t.Before(to) {
			out = append(out, a)
		}
	}
	if s.data.app >= 0 {
		for e := range s.data.org.AppEvents(from.Add(-time.Minute), to, s.data.app) {
			if e.Kind != synth.AppSignIn || e.App != s.data.app {
				continue
			}
			if _, ok := s.data.byPerson[e.Person]; !ok {
				continue
			}
			add(activity{t: e.Time, qualifier: qualifier(e.ID), person: e.Person, name: "login_success"})
			if h := fnv.New64a(); true {
				h.Write([]byte(e.ID + "/failure"))
				if h.Sum64()%31 == 0 {
					add(activity{t: e.Time.Add(-40 * time.Second), qualifier: qualifier(e.ID + "/failure"), person: e.Person, name: "login_failure"})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b activity) int {
		if c := b.t.Compare(a.t); c != 0 {
			return c
		}
		return strings.Compare(b.qualifier, a.qualifier)
	})
	s.mu.Lock()
	if len(s.windows) > 64 {
		clear(s.windows)
	}
	s.windows[key] = out
	s.mu.Unlock()
	return out
}

func (s *Server) activityJSON(a activity) map[string]any {
	p := s.data.org.People[a.person]
	acct := s.data.accounts[s.data.byPerson[a.person]]
	params := []map[string]any{{"name": "login_type", "value": "saml"}, {"name": "is_suspicious", "boolValue": false}}
	if a.name == "login_failure" {
		params = append(params, map[string]any{"name": "login_failure_type", "value": "login_failure_invalid_password"})
	}
	return map[string]any{
		"kind":      "admin#reports#activity",
		"id":        map[string]any{"time": gTime(a.t), "uniqueQualifier": a.qualifier, "applicationName": "login", "customerId": s.data.customer},
		"etag":      `"sim-` + a.qualifier + `"`,
		"actor":     map[string]any{"email": p.Email, "profileId": acct.id},
		"ipAddress": fmt.Sprintf("198.51.100.%d", 1+a.person%250),
		"events":    []map[string]any{{"type": "login", "name": a.name, "parameters": params}},
	}
}

func parseTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	return t.UTC(), err
}

// listLogins serves activities.list for the login application.
func (s *Server) listLogins(w http.ResponseWriter, r *http.Request, q url.Values) {
	s.checkParams(r, "startTime", "endTime", "maxResults", "pageToken", "customerId", "eventName", "filters", "actorIpAddress")
	bad := func(what string) {
		s.flag("GET login activities: %s", what)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid", "global", "Invalid value: "+what)
	}
	if c := q.Get("customerId"); c != "" && c != s.data.customer {
		bad("customerId " + c)
		return
	}
	now := s.opts.Clock().UTC()
	end := now
	var err error
	if v := q.Get("endTime"); v != "" {
		if end, err = parseTime(v); err != nil {
			bad("endTime " + v)
			return
		}
		if lim := now.Add(time.Millisecond); end.After(lim) {
			end = lim
		}
	}
	start := end.AddDate(0, 0, -180)
	if v := q.Get("startTime"); v != "" {
		if start, err = parseTime(v); err != nil || start.After(end) || start.Before(now.AddDate(0, 0, -180)) {
			bad("startTime " + v)
			return
		}
	}
	n, ok := s.maxResults(w, r, 1000, 1000)
	if !ok {
		return
	}
	route := "login/" + strconv.FormatInt(start.UnixMilli(), 36) + "/" + strconv.FormatInt(end.UnixMilli(), 36)
	off, ok := s.offset(w, r, route)
	if !ok {
		return
	}
	all := s.activities(start, end)
	lo, hi := window(len(all), off, n)
	items := make([]any, 0, hi-lo)
	for _, a := range all[lo:hi] {
		items = append(items, s.activityJSON(a))
	}
	s.page(w, r, route, "admin#reports#activities", "items", items, len(all), lo, nil)
}

// listUsage serves the user usage report of one date. A date less than
// UsageLagDays old is refused as Google does while the report is built.
func (s *Server) listUsage(w http.ResponseWriter, r *http.Request, q url.Values, date string) {
	s.checkParams(r, "parameters", "maxResults", "pageToken", "customerId", "filters", "orgUnitID", "groupIdFilter")
	day, err := time.Parse(time.DateOnly, date)
	if err != nil {
		s.flag("GET usage: date %q", date)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid", "global", "Invalid value for date")
		return
	}
	latest := synth.Day(s.opts.Clock()).AddDate(0, 0, -s.opts.UsageLagDays)
	if day.After(latest) {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid", "global",
			"Data for dates later than "+latest.Format(time.DateOnly)+" is not yet available. Please check back later")
		return
	}
	params := strings.Split(q.Get("parameters"), ",")
	for _, p := range params {
		if p != "accounts:last_login_time" && p != "gmail:last_interaction_time" {
			s.flag("GET usage: parameter %q", p)
		}
	}
	n, ok := s.maxResults(w, r, 1000, 1000)
	if !ok {
		return
	}
	off, ok := s.offset(w, r, "usage/"+date)
	if !ok {
		return
	}
	asOf := day.Add(24*time.Hour - time.Millisecond)
	var present []account
	for _, a := range s.data.accounts {
		if !a.created.After(asOf) {
			present = append(present, a)
		}
	}
	lo, hi := window(len(present), off, n)
	items := make([]any, 0, hi-lo)
	for _, a := range present[lo:hi] {
		items = append(items, s.usageJSON(a, date, asOf, params))
	}
	s.page(w, r, "usage/"+date, "admin#reports#usageReports", "usageReports", items, len(present), lo, nil)
}

func (s *Server) usageJSON(a account, date string, asOf time.Time, names []string) map[string]any {
	p := s.data.org.People[a.person]
	login, gmail := never, never
	if t, ok := s.data.org.LastActive(a.person, s.data.app, asOf); ok {
		login = gTime(t)
		// A mail client keeps interacting after the sign-in.
		g := t.Add(17 * time.Minute)
		if g.After(asOf) {
			g = asOf
		}
		gmail = gTime(g)
	}
	var params []map[string]any
	for _, n := range names {
		switch n {
		case "accounts:last_login_time":
			params = append(params, map[string]any{"name": n, "datetimeValue": login})
		case "gmail:last_interaction_time":
			params = append(params, map[string]any{"name": n, "datetimeValue": gmail})
		}
	}
	return map[string]any{
		"kind":       "admin#reports#usageReport",
		"date":       date,
		"etag":       `"sim-usage-` + a.id + `"`,
		"entity":     map[string]any{"customerId": s.data.customer, "userEmail": p.Email, "profileId": a.id, "type": "USER"},
		"parameters": params,
	}
}
