package sfsim

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

func hash64(parts ...string) uint64 {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return binary.BigEndian.Uint64(h[:8])
}

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// sfID renders an 18-character id with Salesforce's key prefix (005 User,
// 100 UserLicense, 00e Profile, 0PL PermissionSetLicense, 2LA
// PermissionSetLicenseAssign, 0Ya LoginHistory, 00D Organization).
func sfID(prefix string, parts ...string) string {
	var b strings.Builder
	b.WriteString(prefix)
	h := hash64(append([]string{"sfid", prefix}, parts...)...)
	for i := 0; i < 15; i++ {
		if i == 10 {
			h = hash64(append([]string{"sfid-more", prefix}, parts...)...)
		}
		b.WriteByte(idChars[h%62])
		h /= 62
	}
	return b.String()
}

type license struct {
	id, key, name string
	total, used   int
}

type profile struct {
	id, name string
	lic      int
	userType string
}

// The org's user licenses and profiles, indexed by the constants below.
var licenseDefs = []struct{ key, name string }{
	{"SFDC", "Salesforce"},
	{"AUL", "Salesforce Platform"},
	{"PID_Chatter", "Chatter Free"},
	{"PID_Customer_Community_Login", "Customer Community Login"},
	{"PID_Partner_Community", "Partner Community"},
	{"PID_Customer_Community_Plus", "Customer Community Plus"},
	{"PID_Customer_Portal_Manager_Standard", "Customer Portal Manager Standard"},
	{"PID_Salesforce_Integration", "Salesforce Integration"},
	{"PID_Guest_User", "Guest User License"},
}

const (
	profAdmin = iota
	profStandard
	profSales
	profPlatform
	profChatter
	profCommunityLogin
	profPartner
	profCommunityPlus
	profPortalManager
	profIntegration
	profGuest
)

var profileDefs = []struct {
	name     string
	lic      int
	userType string
}{
	{"System Administrator", 0, "Standard"},
	{"Standard User", 0, "Standard"},
	{"Custom: Sales Profile", 0, "Standard"},
	{"Standard Platform User", 1, "Standard"},
	{"Chatter Free User", 2, "CsnOnly"},
	{"Customer Community Login User", 3, "CspLitePortal"},
	{"Partner Community User", 4, "PowerPartner"},
	{"Customer Community Plus User", 5, "PowerCustomerSuccess"},
	{"Customer Portal Manager Standard", 6, "CustomerSuccess"},
	{"Minimum Access - API Only Integrations", 7, "Standard"},
	{"Acme Site Guest User", 8, "Guest"},
}

type user struct {
	id        string
	person    int // -1: no person of the org
	username  string
	email     string
	fedID     string
	first     string
	last      string
	title     string
	dept      string
	company   string
	empNo     string
	managerID string
	country   string
	city      string
	active    bool
	profile   int // -1: none (Automated Process)
	userType  string
	lastLogin time.Time
	created   time.Time
}

type psl struct {
	id, dev, label, key string
	total, used         int
}

type psla struct {
	id, assignee, psl string
	created           time.Time
}

type dataset struct {
	orgID    string
	orgName  string
	host     string
	now      time.Time
	app      int // catalogue index of salesforce
	licenses []license
	profiles []profile
	users    []user // sorted by id
	byPerson map[int]int
	psls     []psl
	pslas    []psla
	integ    string // the integration user's id
}

func build(org *synth.Org, now time.Time) *dataset {
	seed := strconv.FormatInt(org.Params.Seed, 10)
	d := &dataset{orgID: sfID("00D", seed, "org"), orgName: "Acme", host: "acme.my.salesforce.com", now: now,
		app: org.AppByKey("salesforce"), byPerson: map[int]int{}}
	for _, l := range licenseDefs {
		d.licenses = append(d.licenses, license{id: sfID("100", seed, l.key), key: l.key, name: l.name})
	}
	for _, p := range profileDefs {
		d.profiles = append(d.profiles, profile{id: sfID("00e", seed, p.name), name: p.name, lic: p.lic, userType: p.userType})
	}
	today := synth.Day(now)
	epoch := org.Params.Epoch
	if epoch.IsZero() {
		epoch = org.Date()
	}
	// Who has an account, and with which profile, first: managers are
	// referenced by id below.
	personIDs := map[int]string{}
	personProf := map[int]int{}
	for i, p := range org.People {
		if !org.Hired(i, today) {
			continue
		}
		h := hash64(seed, p.ID, "salesforce")
		prof := -1
		switch {
		case d.app >= 0 && org.Assigned(i, d.app) && h%100 >= 3:
			switch {
			case h%25 == 0:
				prof = profAdmin
			case p.Department == "Marketing" && h%3 == 0:
				prof = profPlatform
			case h%2 == 0:
				prof = profSales
			default:
				prof = profStandard
			}
		case h%12 == 0:
			prof = profChatter
		}
		if prof < 0 {
			continue
		}
		personIDs[i] = sfID("005", seed, p.ID)
		personProf[i] = prof
	}
	for i := range org.People {
		id, ok := personIDs[i]
		if !ok {
			continue
		}
		p := org.People[i]
		h := hash64(seed, p.ID, "salesforce")
		prof := personProf[i]
		u := user{id: id, person: i, username: p.Email, email: p.Email, fedID: p.Email, first: p.GivenName, last: p.FamilyName,
			title: p.Title, dept: p.Department, company: "Acme", empNo: p.EmployeeID, country: p.Location.Country, city: p.Location.City,
			active: !org.Left(i, today), profile: prof, userType: profileDefs[prof].userType}
		if m := org.Manager(i); m >= 0 {
			u.managerID = personIDs[m]
		}
		u.created = p.HireDate.Add(10 * time.Hour)
		if at := org.AssignedAt(i, max(d.app, 0)); prof != profChatter && !at.IsZero() {
			u.created = at.Add(10 * time.Hour)
		}
		if prof == profChatter {
			u.fedID = ""
			if h%3 == 0 {
				u.lastLogin = today.Add(-time.Duration(h%40+1)*24*time.Hour + 11*time.Hour)
			}
		} else if last, ok := org.LastActive(i, d.app, now); ok {
			u.lastLogin = last
		}
		d.users = append(d.users, u)
	}
	// Portal and community users: customers' and partners' staff, accounts
	// of the org but no people of it.
	external := max(4, len(org.People)/40)
	portals := []int{profCommunityLogin, profPartner, profCommunityPlus, profPortalManager}
	for k := range external {
		n := strconv.Itoa(k + 1)
		prof := portals[k%len(portals)]
		dom := "customer" + strconv.Itoa(k%5+1) + ".example"
		if prof == profPartner {
			dom = "partner" + strconv.Itoa(k%3+1) + ".example"
		}
		h := hash64(seed, "portal", n)
		u := user{id: sfID("005", seed, "portal", n), person: -1, username: "contact" + n + "@" + dom + ".acmecommunity",
			email: "contact" + n + "@" + dom, first: "Contact", last: n, company: strings.TrimSuffix(dom, ".example"),
			active: h%6 != 0, profile: prof, userType: profileDefs[prof].userType, created: epoch.AddDate(0, -int(h%30)-1, 0).Add(14 * time.Hour)}
		if h%3 != 0 {
			u.lastLogin = synth.Day(now).Add(-time.Duration(h%60)*24*time.Hour + 15*time.Hour)
		}
		d.users = append(d.users, u)
	}
	d.integ = sfID("005", seed, "integration")
	d.users = append(d.users,
		user{id: d.integ, person: -1, username: "saaspipe-integration@" + org.Domain + ".sfdc", email: "it-integrations@" + org.Domain,
			first: "SaaS", last: "Pipe Integration", company: "Acme", active: true, profile: profIntegration, userType: "Standard",
			lastLogin: synth.Day(now).Add(2 * time.Hour), created: epoch.AddDate(-1, 0, 0).Add(9 * time.Hour)},
		user{id: sfID("005", seed, "guest"), person: -1, username: "site-guest@acme.force.com", email: "noreply@" + org.Domain,
			last: "Site Guest User", company: "Acme", active: true, profile: profGuest, userType: "Guest", created: epoch.AddDate(-4, 0, 0).Add(9 * time.Hour)},
		user{id: sfID("005", seed, "autoproc"), person: -1, username: "autoproc@" + strings.ToLower(d.orgID), email: "autoproc@" + strings.ToLower(d.orgID),
			last: "Automated Process", active: true, profile: -1, userType: "AutomatedProcess", created: epoch.AddDate(-6, 0, 0)},
	)
	slices.SortFunc(d.users, func(a, b user) int { return strings.Compare(a.id, b.id) })
	for k, u := range d.users {
		if u.person >= 0 {
			d.byPerson[u.person] = k
		}
		if u.active && u.profile >= 0 {
			d.licenses[d.profiles[u.profile].lic].used++
		}
	}
	for k := range d.licenses {
		l := &d.licenses[k]
		l.total = l.used + l.used/10 + 2
	}
	// Permission set licenses on top of the Salesforce user license.
	d.psls = []psl{
		{id: sfID("0PL", seed, "einstein"), dev: "SalesCloudEinsteinPsl", label: "Sales Cloud Einstein", key: "SalesCloudEinsteinPsl"},
		{id: sfID("0PL", seed, "analytics"), dev: "EinsteinAnalyticsPlusPsl", label: "CRM Analytics Plus", key: "EinsteinAnalyticsPlusPsl"},
	}
	for _, u := range d.users {
		if u.person < 0 || !u.active || u.profile < 0 || d.profiles[u.profile].lic != 0 {
			continue
		}
		h := hash64(seed, org.People[u.person].ID, "salesforce", "psl")
		for k, every := range []uint64{3, 7} {
			if h%every == 0 {
				d.pslas = append(d.pslas, psla{id: sfID("2LA", seed, u.id, d.psls[k].id), assignee: u.id, psl: d.psls[k].id,
					created: u.created.Add(time.Duration(k+1) * 24 * time.Hour)})
				d.psls[k].used++
			}
		}
	}
	slices.SortFunc(d.pslas, func(a, b psla) int { return strings.Compare(a.id, b.id) })
	for k := range d.psls {
		d.psls[k].total = d.psls[k].used + 5
	}
	return d
}
