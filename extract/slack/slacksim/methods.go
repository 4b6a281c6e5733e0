package slacksim

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Slack's listing maxima.
const (
	maxUsersLimit = 1000
	maxLogsCount  = 1000
	maxLogsPage   = 100
)

// current is the dataset at the clock's present time: a moved clock
// (incremental tests) rebuilds it, so access logs grow like a live
// workspace's.
func (s *Server) current() *dataset {
	now := s.opts.Clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !now.Equal(s.builtAt) {
		s.data, s.builtAt = build(s.org, now), now
	}
	return s.data
}

type profileJSON struct {
	AvatarHash            string `json:"avatar_hash"`
	DisplayName           string `json:"display_name"`
	DisplayNameNormalized string `json:"display_name_normalized"`
	Email                 string `json:"email,omitempty"`
	FirstName             string `json:"first_name"`
	LastName              string `json:"last_name"`
	Image72               string `json:"image_72"`
	Phone                 string `json:"phone"`
	RealName              string `json:"real_name"`
	RealNameNormalized    string `json:"real_name_normalized"`
	Title                 string `json:"title"`
	BotID                 string `json:"bot_id,omitempty"`
	Team                  string `json:"team"`
}

type memberJSON struct {
	Color             string      `json:"color"`
	Deleted           bool        `json:"deleted"`
	Has2FA            bool        `json:"has_2fa"`
	ID                string      `json:"id"`
	IsAdmin           bool        `json:"is_admin"`
	IsAppUser         bool        `json:"is_app_user"`
	IsBot             bool        `json:"is_bot"`
	IsOwner           bool        `json:"is_owner"`
	IsPrimaryOwner    bool        `json:"is_primary_owner"`
	IsRestricted      bool        `json:"is_restricted"`
	IsUltraRestricted bool        `json:"is_ultra_restricted"`
	Name              string      `json:"name"`
	Profile           profileJSON `json:"profile"`
	RealName          string      `json:"real_name"`
	TeamID            string      `json:"team_id"`
	TZ                string      `json:"tz"`
	TZLabel           string      `json:"tz_label"`
	TZOffset          int         `json:"tz_offset"`
	Updated           int64       `json:"updated"`
}

func (d *dataset) memberJSON(m member) memberJSON {
	j := memberJSON{
		Color: "9f69e7", Deleted: m.deleted, ID: m.id, IsAdmin: m.admin, IsAppUser: m.appUser, IsBot: m.bot,
		IsOwner: m.owner, IsPrimaryOwner: m.primary, IsRestricted: m.guest, IsUltraRestricted: m.single,
		Name: m.name, RealName: m.real, TeamID: d.teamID, TZ: m.tz, TZLabel: "Greenwich Mean Time", Updated: m.updated.Unix(),
		Profile: profileJSON{AvatarHash: "g" + m.id[1:8], DisplayName: m.name, DisplayNameNormalized: m.name, Email: m.email,
			FirstName: m.first, LastName: m.last, Image72: "https://a.slack-edge.com/avatar/" + m.id + ".png",
			RealName: m.real, RealNameNormalized: m.real, Title: m.title, Team: d.teamID},
	}
	if m.bot {
		j.Profile.BotID = "B" + m.id[1:]
	}
	if j.TZ == "" {
		j.TZ = "America/Los_Angeles"
	}
	return j
}

// pageOf returns ids[lo:hi] after cursor with at most limit items (fewer on
// every third page: a short page that is not the last) and the next cursor.
func pageOf(ids []string, cursor string, limit int) (lo, hi int, next string, ok bool) {
	lo, ok = afterIn(ids, cursor)
	if !ok {
		return 0, 0, "", false
	}
	take := limit
	if (lo/max(limit, 1))%3 == 1 && limit > 1 {
		take = limit / 2
	}
	hi = min(lo+take, len(ids))
	if hi < len(ids) {
		next = cursorFor(ids[hi-1])
	}
	return lo, hi, next, true
}

func (s *Server) usersList(w http.ResponseWriter, _ *http.Request, q url.Values) {
	d := s.current()
	limit, ok := limitOf(q, 0, maxUsersLimit)
	if !ok {
		writeErr(w, "invalid_limit")
		return
	}
	if limit == 0 {
		limit = len(d.ids) // no limit: Slack tries to return everyone
	}
	cursor := q.Get("cursor")
	lo, hi, next, ok := pageOf(d.ids, cursor, limit)
	if !ok {
		writeErr(w, "invalid_cursor")
		return
	}
	if s.opts.Faults.RepeatCursor && cursor != "" && next != "" {
		next = cursor
	}
	members := make([]memberJSON, 0, hi-lo)
	for _, m := range d.members[lo:hi] {
		members = append(members, d.memberJSON(m))
	}
	s.listing(w, map[string]any{"ok": true, "members": members, "cache_ts": s.opts.Clock().Unix(),
		"response_metadata": map[string]any{"next_cursor": next}})
}

// billable lists the members team.billableInfo reports: every human
// account (bots are never billed and not listed), sorted by id. It is
// listed once per dataset (each page of team.billableInfo copying every
// member was 0.4 GB of garbage over a 10,000-person demo); callers must not
// modify it.
func (d *dataset) billable() []member {
	d.billableOnce.Do(func() {
		for _, m := range d.members {
			if !m.bot && m.id != "USLACKBOT" {
				d.billableList = append(d.billableList, m)
			}
		}
	})
	return d.billableList
}

func (s *Server) billableInfo(w http.ResponseWriter, _ *http.Request, q url.Values) {
	d := s.current()
	list := d.billable()
	ids := make([]string, len(list))
	for i, m := range list {
		ids[i] = m.id
	}
	limit, ok := limitOf(q, len(ids), maxUsersLimit)
	if !ok {
		writeErr(w, "invalid_limit")
		return
	}
	if u := q.Get("user"); u != "" {
		s.flag("team.billableInfo: user filter not modelled")
	}
	lo, hi, next, ok := pageOf(ids, q.Get("cursor"), max(limit, 1))
	if !ok {
		writeErr(w, "invalid_cursor")
		return
	}
	info := map[string]any{}
	for _, m := range list[lo:hi] {
		info[m.id] = map[string]bool{"billing_active": m.billable && s.opts.Plan != ""}
	}
	s.listing(w, map[string]any{"ok": true, "billable_info": info, "response_metadata": map[string]any{"next_cursor": next}})
}

type loginJSON struct {
	Count     int    `json:"count"`
	Country   string `json:"country"`
	DateFirst int64  `json:"date_first"`
	DateLast  int64  `json:"date_last"`
	IP        string `json:"ip"`
	ISP       string `json:"isp"`
	Region    string `json:"region"`
	UserAgent string `json:"user_agent"`
	UserID    string `json:"user_id"`
	Username  string `json:"username"`
}

func (s *Server) accessLogs(w http.ResponseWriter, _ *http.Request, q url.Values) {
	if s.opts.Plan == "" {
		writeErr(w, "paid_only")
		return
	}
	d := s.current()
	count, page := 100, 1
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeErr(w, "invalid_arguments")
			return
		}
		count = n
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeErr(w, "invalid_arguments")
			return
		}
		page = n
	}
	if count > maxLogsCount || page > maxLogsPage {
		writeErr(w, "over_pagination_limit")
		return
	}
	logs := d.logs
	if v := q.Get("before"); v != "" && v != "now" {
		before, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeErr(w, "invalid_arguments")
			return
		}
		k, _ := slices.BinarySearchFunc(logs, before, func(a access, t int64) int {
			switch {
			case a.last > t:
				return -1
			case a.last < t:
				return 1
			}
			return 1 // entries at before are included: find the first of them
		})
		logs = logs[k:]
	}
	total := len(logs)
	pages := max((total+count-1)/count, 1)
	lo := min((page-1)*count, total)
	hi := min(lo+count, total)
	out := make([]loginJSON, 0, hi-lo)
	for _, a := range logs[lo:hi] {
		out = append(out, loginJSON{Count: a.count, Country: a.country, DateFirst: a.first, DateLast: a.last, IP: a.ip,
			ISP: a.isp, Region: a.region, UserAgent: a.ua, UserID: a.userID, Username: a.username})
	}
	s.listing(w, map[string]any{"ok": true, "logins": out,
		"paging": map[string]int{"count": count, "total": total, "page": page, "pages": pages}})
}

// afterIn returns the index of the first id after the cursor's id in ids.
func afterIn(ids []string, cursor string) (int, bool) {
	if cursor == "" {
		return 0, true
	}
	b, err := decodeCursor(cursor)
	if err != nil {
		return 0, false
	}
	k, found := slices.BinarySearch(ids, b)
	if !found {
		return 0, false
	}
	return k + 1, true
}
