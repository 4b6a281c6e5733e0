package sfsim

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

// retention is how far back LoginHistory reaches.
const retention = 180 * 24 * time.Hour

type loginRow struct {
	id, user, typ, status, app, browser, platform, ip string
	at                                                time.Time
}

func (d *dataset) loginRec(l loginRow) flat {
	return flat{"Id": l.id, "UserId": l.user, "LoginTime": sfTime(l.at), "LoginType": l.typ, "Status": l.status,
		"Application": l.app, "Browser": l.browser, "Platform": l.platform, "SourceIp": l.ip, "LoginUrl": d.host}
}

// dayLogins lists the LoginHistory rows of one UTC day, ordered by (time,
// id): the SSO sign-ins synth records for the app by people whose account
// existed then, a failed password attempt now and then, and the
// integration user's nightly API login.
func (s *Server) dayLogins(day time.Time) []loginRow {
	s.dayMu.Lock()
	defer s.dayMu.Unlock()
	if rows, ok := s.days[day]; ok {
		return rows
	}
	d := s.data
	seed := strconv.FormatInt(s.org.Params.Seed, 10)
	var rows []loginRow
	if d.app >= 0 {
		for e := range s.org.AppEvents(day, day.AddDate(0, 0, 1), d.app) {
			if e.Kind != synth.AppSignIn || e.App != d.app {
				continue
			}
			k, ok := d.byPerson[e.Person]
			if !ok || d.users[k].created.After(e.Time) {
				continue
			}
			u := d.users[k]
			h := hash64(seed, e.ID, "sf-login")
			rows = append(rows, loginRow{id: sfID("0Ya", seed, e.ID), user: u.id, typ: "SAML Idp Initiated SSO", status: "Success",
				app: "Browser", browser: []string{"Chrome 131", "Safari 18", "Edge 131"}[h%3], platform: []string{"Mac OSX", "Windows 10"}[h>>8%2],
				ip: "203.0.113." + strconv.Itoa(int(h>>16%250)+1), at: e.Time})
			if h%40 == 0 {
				rows = append(rows, loginRow{id: sfID("0Ya", seed, e.ID, "fail"), user: u.id, typ: "Application", status: "Invalid Password",
					app: "Browser", browser: "Chrome 131", platform: "Mac OSX", ip: "198.51.100." + strconv.Itoa(int(h>>24%250)+1), at: e.Time.Add(-time.Minute)})
			}
		}
	}
	rows = append(rows, loginRow{id: sfID("0Ya", seed, "integration", day.Format(time.DateOnly)), user: d.integ, typ: "Remote Access 2.0",
		status: "Success", app: "saaspipe", browser: "Unknown", platform: "Unknown", ip: "192.0.2.10", at: day.Add(2 * time.Hour)})
	slices.SortFunc(rows, func(a, b loginRow) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	s.days[day] = rows
	return rows
}

// logins calls yield with the rows with from <= LoginTime <= to, in order,
// never before the retention horizon or after now, until yield returns
// false.
func (s *Server) logins(from, to time.Time, yield func(*loginRow) bool) {
	now := s.opts.Clock()
	if floor := now.Add(-retention); from.Before(floor) {
		from = floor
	}
	if to.After(now) {
		to = now
	}
	for day := synth.Day(from); !day.After(to); day = day.AddDate(0, 0, 1) {
		rows := s.dayLogins(day)
		for i := range rows {
			if r := &rows[i]; !r.at.Before(from) && !r.at.After(to) {
				if !yield(r) {
					return
				}
			}
		}
	}
}
