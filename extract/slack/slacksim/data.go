package slacksim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

// member is one account of the workspace.
type member struct {
	id       string
	person   int // -1: not a person of the org (bot, external guest)
	name     string
	email    string
	first    string
	last     string
	real     string
	title    string
	tz       string
	deleted  bool
	bot      bool
	appUser  bool
	guest    bool // is_restricted
	single   bool // is_ultra_restricted (single-channel guest)
	admin    bool
	owner    bool
	primary  bool
	updated  time.Time
	billable bool // billing_active under the Fair Billing Policy
}

// access is one access-log entry: one user, IP address and user agent.
type access struct {
	userID, username, ip, ua, isp, country, region string
	first, last                                    int64
	count                                          int
}

type dataset struct {
	teamID, teamName, domain string
	members                  []member // sorted by id
	ids                      []string
	logs                     []access // sorted by date_last desc, then user, ip

	billableOnce sync.Once
	billableList []member
}

// hash64 is the simulator's deterministic coin: the same person, vendor and
// purpose always land the same way.
func hash64(parts ...string) uint64 {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return binary.BigEndian.Uint64(h[:8])
}

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// slackID renders an id like Slack's: a type letter and ten characters.
func slackID(prefix string, seed int64, n string) string {
	h := hash64("slack-id", strconv.FormatInt(seed, 10), prefix, n)
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; i < 10; i++ {
		b.WriteByte(idChars[h%uint64(len(idChars))])
		h /= uint64(len(idChars))
		if h == 0 {
			h = hash64("slack-id-more", n, strconv.Itoa(i))
		}
	}
	return b.String()
}

// Share of people without a Slack account at all (never invited, or using
// another workspace), in percent.
const noAccountPct = 4

func build(org *synth.Org, now time.Time) *dataset {
	seed := strconv.FormatInt(org.Params.Seed, 10)
	d := &dataset{
		teamID:   slackID("T", org.Params.Seed, "team"),
		teamName: "Acme",
		domain:   strings.SplitN(org.Domain, ".", 2)[0],
	}
	app := org.AppByKey("slack")
	today := synth.Day(now)
	for i, p := range org.People {
		if !org.Hired(i, today) || hash64(seed, p.ID, "slack", "account")%100 < noAccountPct {
			continue
		}
		if app >= 0 && !org.Assigned(i, app) {
			continue
		}
		h := hash64(seed, p.ID, "slack", "role")
		m := member{
			id:     slackID("U", org.Params.Seed, p.ID),
			person: i,
			name:   strings.SplitN(p.Email, "@", 2)[0],
			email:  p.Email,
			first:  p.GivenName,
			last:   p.FamilyName,
			real:   p.DisplayName,
			title:  p.Title,
			tz:     "Europe/London",
		}
		if p.Kind == synth.Contractor {
			m.guest = true
			m.single = h%3 == 0
		}
		m.admin = !m.guest && h%40 == 0
		if org.Manager(i) == -1 && !org.Left(i, today) {
			m.owner, m.primary, m.admin = true, true, true
		}
		m.deleted = org.Left(i, today)
		m.updated = p.HireDate.Add(9 * time.Hour)
		if m.deleted {
			m.updated = p.LeaveDate.Add(17 * time.Hour)
		}
		if app >= 0 {
			m.billable = !m.deleted && !m.single && org.ActiveWithin(i, app, 14)
		}
		d.members = append(d.members, m)
		if app >= 0 && !m.deleted {
			d.logs = append(d.logs, accessOf(org, i, app, m, now, seed)...)
		}
	}
	// Accounts that are no person of the org: Slackbot, integrations and a
	// partner's guests.
	epoch := org.Params.Epoch
	if epoch.IsZero() {
		epoch = org.Date()
	}
	d.members = append(d.members,
		member{id: "USLACKBOT", person: -1, name: "slackbot", real: "Slackbot", first: "slackbot", updated: epoch.AddDate(-6, 0, 0)},
		member{id: slackID("U", org.Params.Seed, "bot-jira"), person: -1, name: "jira", real: "Jira Cloud", bot: true, appUser: true, updated: epoch.AddDate(-3, 0, 0)},
		member{id: slackID("U", org.Params.Seed, "bot-github"), person: -1, name: "github", real: "GitHub", bot: true, appUser: true, updated: epoch.AddDate(-2, 0, 0)},
		member{id: slackID("U", org.Params.Seed, "bot-pager"), person: -1, name: "pagerduty", real: "PagerDuty", bot: true, deleted: true, updated: epoch.AddDate(-1, 0, 0)},
	)
	for k := range 3 {
		n := strconv.Itoa(k + 1)
		d.members = append(d.members, member{id: slackID("U", org.Params.Seed, "partner"+n), person: -1,
			name: "partner" + n, email: "consultant" + n + "@partner.example", first: "Consultant", last: n,
			real: "Consultant " + n, guest: true, single: k == 0, updated: epoch.AddDate(0, -k-1, 0)})
	}
	slices.SortFunc(d.members, func(a, b member) int { return strings.Compare(a.id, b.id) })
	for _, m := range d.members {
		d.ids = append(d.ids, m.id)
	}
	slices.SortFunc(d.logs, func(a, b access) int {
		if a.last != b.last {
			return int(b.last - a.last)
		}
		if c := strings.Compare(a.userID, b.userID); c != 0 {
			return c
		}
		return strings.Compare(a.ua, b.ua)
	})
	return d
}

var agents = []string{
	"Slack_SSB/4.41.105 (Mac OS X 14.6.1) Chrome/128.0.6613.186 Electron/32.2.0",
	"com.tinyspeck.chatlyio/24.10.10 (iPhone; iOS 18.0.1; Scale/3.00)",
	"SlackWeb Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
}

// accessOf derives person i's access-log entries from their Slack sign-ins:
// a desktop entry holding the last sign-in and, for some, a mobile entry a
// few days older. date_first is when the seat was assigned.
func accessOf(org *synth.Org, i, app int, m member, now time.Time, seed string) []access {
	last, ok := org.LastActive(i, app, now)
	if !ok {
		return nil
	}
	p := org.People[i]
	h := hash64(seed, p.ID, "slack", "access")
	first := org.AssignedAt(i, app)
	if first.IsZero() || first.After(last) {
		first = synth.Day(last)
	}
	first = first.Add(time.Duration(8*3600+h%3600) * time.Second)
	if first.After(last) {
		first = last
	}
	ip := "203.0.113." + strconv.Itoa(int(h%250)+1)
	out := []access{{userID: m.id, username: m.name, ip: ip, ua: agents[h%2*2], isp: "Acme Corp Network", country: p.Location.Country,
		region: p.Location.City, first: first.Unix(), last: last.Unix(), count: int(h%400) + 1}}
	if h%2 == 0 {
		mob := last.Add(-time.Duration(h%5+1) * 24 * time.Hour)
		if !mob.Before(first) {
			out = append(out, access{userID: m.id, username: m.name, ip: "198.51.100." + strconv.Itoa(int(h>>8%250)+1), ua: agents[1],
				isp: "Mobile Carrier", country: p.Location.Country, region: p.Location.City, first: first.Unix(), last: mob.Unix(), count: int(h>>16%90) + 1})
		}
	}
	return out
}

// accessID mirrors the connector's naming of an entry, for the ground truth.
func accessID(a access) string {
	h := sha256.Sum256([]byte(a.ip + "\x00" + a.ua))
	return a.userID + ":" + strconv.FormatInt(a.first, 10) + ":" + hex.EncodeToString(h[:6])
}
