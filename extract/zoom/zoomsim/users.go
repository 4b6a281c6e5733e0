package zoomsim

import (
	"net/http"
	"net/url"
	"time"
)

// zTime renders Zoom's timestamp format (UTC, seconds, Z).
func zTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

var timezones = map[string]string{"US": "America/New_York", "GB": "Europe/London", "DE": "Europe/Berlin", "CA": "America/Toronto", "IN": "Asia/Kolkata"}

func (s *Server) userJSON(u user) map[string]any {
	org := s.data.org
	p := org.People[u.person]
	j := map[string]any{
		"id":                 u.id,
		"first_name":         p.GivenName,
		"last_name":          p.FamilyName,
		"display_name":       p.DisplayName,
		"email":              p.Email,
		"type":               u.typ,
		"pmi":                6000000000 + int64(hash(p.ID, "pmi")%999999999),
		"timezone":           timezones[p.Location.Country],
		"verified":           map[bool]int{true: 1, false: 0}[u.status != Pending],
		"dept":               p.Department,
		"created_at":         zTime(u.created),
		"user_created_at":    zTime(u.created),
		"language":           "en-US",
		"status":             u.status,
		"role_id":            u.role,
		"employee_unique_id": p.EmployeeID,
	}
	if !u.lastLogin.IsZero() {
		j["last_login_time"] = zTime(u.lastLogin)
		j["last_client_version"] = "6.2.5.41699(mac)"
	}
	if u.status != Pending {
		j["pic_url"] = "https://lh3.zoom.us/p/" + u.id
	}
	return j
}

// listUsers serves GET /v2/users: one status per listing (active when
// none is given), ordered by id.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, q url.Values) {
	s.checkParams(r, "status", "page_size", "next_page_token", "role_id", "include_fields", "license")
	status := q.Get("status")
	if status == "" {
		status = Active
	}
	if status != Active && status != Inactive && status != Pending {
		s.flag("GET users: status %q", status)
		writeError(w, http.StatusBadRequest, 300, "Invalid field: status")
		return
	}
	size, ok := s.pageSize(w, r, 30)
	if !ok {
		return
	}
	off, ok := s.cursor(w, r, "users/"+status)
	if !ok {
		return
	}
	var all []user
	for _, u := range s.data.users {
		if u.status == status {
			all = append(all, u)
		}
	}
	lo := min(off, len(all))
	hi := min(lo+size, len(all))
	items := make([]any, 0, hi-lo)
	for _, u := range all[lo:hi] {
		items = append(items, s.userJSON(u))
	}
	body := map[string]any{"page_count": (len(all) + size - 1) / size, "page_number": lo/size + 1, "total_records": len(all)}
	s.page(w, r, "users/"+status, body, "users", items, size, len(all), lo)
}

// Seats is the number of base-plan licenses the simulated account bought:
// the licensed users plus a tenth spare, rounded up to ten.
func (s *Server) Seats() int {
	n := 0
	for _, u := range s.data.users {
		if u.typ == Licensed {
			n++
		}
	}
	return (n + n/10 + 9) / 10 * 10
}

// planUsage serves GET /v2/accounts/me/plans/usage.
func (s *Server) planUsage(w http.ResponseWriter, r *http.Request, _ url.Values) {
	s.checkParams(r)
	if s.opts.Faults.NoBilling {
		writeError(w, http.StatusBadRequest, 200, "No permission.")
		return
	}
	usage, pending := 0, 0
	for _, u := range s.data.users {
		switch {
		case u.typ != Licensed:
		case u.status == Active:
			usage++
		case u.status == Pending:
			pending++
		}
	}
	body := map[string]any{
		"plan_base":          map[string]any{"type": "monthly", "hosts": s.Seats(), "usage": usage, "pending": pending},
		"plan_large_meeting": []any{map[string]any{"type": "large500", "hosts": 5, "usage": 3}},
		"plan_webinar":       []any{map[string]any{"type": "webinar500", "hosts": 2, "usage": 2}, map[string]any{"type": "webinar1000", "hosts": 1, "usage": 0}},
		"plan_recording":     map[string]any{"free_storage": "5 GB", "free_storage_usage": "1.3 GB", "plan_storage": "1 TB", "plan_storage_usage": "212 GB", "plan_storage_exceed": "0"},
	}
	b, err := jsonMarshal(body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, 500, "Internal server error.")
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Write(b)
}
