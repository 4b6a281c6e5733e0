package zoomsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

var jsonMarshal = json.Marshal

// entry is one Sign in / Sign out log entry.
type entry struct {
	t      time.Time // second precision
	person int
	kind   string // "Sign in", "Sign out"
	client string
}

var clients = []string{"Browser", "Mac", "Windows", "iOS", "Android"}

// entries lists the sign-ins and sign-outs within [from, to), newest first,
// as the report orders them: each sign-in to the Zoom app by a person with
// an account, and a sign-out 20 to 120 minutes later when it has happened
// by now.
func (s *Server) entries(from, to time.Time) []entry {
	now := s.opts.Clock()
	var out []entry
	if s.data.app < 0 {
		return out
	}
	for e := range s.data.org.AppEvents(from.Add(-3*time.Hour), to, s.data.app) {
		if e.Kind != synth.AppSignIn || e.App != s.data.app {
			continue
		}
		if _, ok := s.data.byPerson[e.Person]; !ok {
			continue
		}
		h := hash(e.ID, "client")
		in := entry{t: e.Time.Truncate(time.Second), person: e.Person, kind: "Sign in", client: clients[h%uint64(len(clients))]}
		if !in.t.Before(from) && in.t.Before(to) && !in.t.After(now) {
			out = append(out, in)
		}
		outT := in.t.Add(time.Duration(20+h%100) * time.Minute)
		if !outT.Before(from) && outT.Before(to) && !outT.After(now) {
			out = append(out, entry{t: outT, person: e.Person, kind: "Sign out", client: in.client})
		}
	}
	slices.SortFunc(out, func(a, b entry) int {
		if c := b.t.Compare(a.t); c != 0 {
			return c
		}
		if c := strings.Compare(b.kind, a.kind); c != 0 {
			return c
		}
		return b.person - a.person
	})
	return out
}

func (s *Server) entryJSON(e entry) map[string]any {
	return map[string]any{
		"email":       s.data.org.People[e.person].Email,
		"time":        zTime(e.t),
		"type":        e.kind,
		"ip_address":  fmt.Sprintf("203.0.113.%d", 1+e.person%250),
		"client_type": e.client,
		"version":     "6.2.5.41699",
	}
}

// listActivities serves GET /v2/report/activities: from and to are dates
// (UTC), both inclusive, at most a month apart.
func (s *Server) listActivities(w http.ResponseWriter, r *http.Request, q url.Values) {
	s.checkParams(r, "from", "to", "page_size", "next_page_token")
	from, err1 := time.Parse(time.DateOnly, q.Get("from"))
	to, err2 := time.Parse(time.DateOnly, q.Get("to"))
	if err1 != nil || err2 != nil || to.Before(from) {
		s.flag("GET activities: from %q to %q", q.Get("from"), q.Get("to"))
		writeError(w, http.StatusBadRequest, 300, "Invalid date range.")
		return
	}
	if to.Sub(from) > 30*24*time.Hour {
		s.flag("GET activities: range %s..%s beyond a month", q.Get("from"), q.Get("to"))
		writeError(w, http.StatusBadRequest, 300, "The date range should not exceed one month.")
		return
	}
	size, ok := s.pageSize(w, r, 30)
	if !ok {
		return
	}
	listing := "activities/" + q.Get("from") + "/" + q.Get("to")
	off, ok := s.cursor(w, r, listing)
	if !ok {
		return
	}
	all := s.cachedEntries(from, to.AddDate(0, 0, 1))
	lo := min(off, len(all))
	hi := min(lo+size, len(all))
	items := make([]any, 0, hi-lo)
	for _, e := range all[lo:hi] {
		items = append(items, s.entryJSON(e))
	}
	s.page(w, r, listing, map[string]any{"from": q.Get("from"), "to": q.Get("to")}, "activity_logs", items, size, len(all), lo)
}

const reportCache = 4

// cachedEntries is entries with the last few windows remembered.
func (s *Server) cachedEntries(from, to time.Time) []entry {
	// The clock is part of the key: a window read later holds more.
	key := [3]time.Time{from, to, s.opts.Clock()}
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	if e, ok := s.reports[key]; ok {
		return e
	}
	if s.reports == nil {
		s.reports = map[[3]time.Time][]entry{}
	}
	e := s.entries(from, to)
	s.reports[key] = e
	s.reportKeys = append(s.reportKeys, key)
	if len(s.reportKeys) > reportCache {
		delete(s.reports, s.reportKeys[0])
		s.reportKeys = s.reportKeys[1:]
	}
	return e
}
