package oktasim

import (
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

// Okta user statuses.
const (
	Staged          = "STAGED"
	Provisioned     = "PROVISIONED"
	Active          = "ACTIVE"
	Recovery        = "RECOVERY"
	PasswordExpired = "PASSWORD_EXPIRED"
	LockedOut       = "LOCKED_OUT"
	Suspended       = "SUSPENDED"
	Deprovisioned   = "DEPROVISIONED"
)

type user struct {
	person    int
	id        string
	status    string
	created   time.Time
	activated time.Time // zero: never activated
	changed   time.Time // statusChanged
	lastLogin time.Time // zero: never
	manager   int       // person index, -1 none
}

type group struct {
	id, name, desc, kind string
	created              time.Time
}

type app struct {
	idx       int // catalogue index
	id        string
	provision bool     // Okta provisions accounts (app users PROVISIONED, synchronised)
	users     []string // user ids assigned, sorted
}

// dataset is everything the server lists, computed once from the org.
type dataset struct {
	org      *synth.Org
	now      time.Time
	users    []user // sorted by id
	userIDs  []string
	byPerson []int // person index → position in users, -1 when not in Okta
	groups   []group
	groupIDs []string
	apps     []app // sorted by id
	appIDs   []string
	appByIdx []int // catalogue index → position in apps, -1 when not federated
	// userTypeID is the id of the org's one user type.
	userTypeID string
}

// provisioned are the catalogue apps whose Okta integration pushes accounts
// (SCIM or API provisioning); the rest are sign-on only.
var provisioned = map[string]bool{"m365": true, "slack": true, "zoom": true, "google": true, "salesforce": true, "box": true, "dropbox": true, "github": true, "atlassian": true, "zendesk": true}

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// oktaID renders a 20-character Okta-style id: a 3-character type prefix
// ("00u" users, "00g" groups, "0oa" apps) and 17 characters derived from
// the org's seed and n.
func oktaID(seed int64, prefix string, n int) string {
	var b strings.Builder
	b.WriteString(prefix)
	root := splitmix(uint64(seed)*31 + uint64(n)*0x9e3779b97f4a7c15 + uint64(prefix[2]))
	var h uint64
	for i := 0; i < 17; i++ {
		if i%10 == 0 { // 62^10 < 2^64: draw fresh bits for every ten characters
			h = splitmix(root + uint64(i))
		}
		b.WriteByte(idChars[h%62])
		h /= 62
	}
	return b.String()
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func build(org *synth.Org, now time.Time) *dataset {
	d := &dataset{org: org, now: now, byPerson: make([]int, len(org.People)), userTypeID: oktaID(org.Params.Seed, "oty", 0)}
	seed := org.Params.Seed
	today := synth.Day(now)
	for i, p := range org.People {
		u, ok := userState(org, i, p, today, now)
		if !ok {
			continue
		}
		u.id = oktaID(seed, "00u", i)
		d.users = append(d.users, u)
	}
	slices.SortFunc(d.users, func(a, b user) int { return strings.Compare(a.id, b.id) })
	for i := range d.byPerson {
		d.byPerson[i] = -1
	}
	for k, u := range d.users {
		d.userIDs = append(d.userIDs, u.id)
		d.byPerson[u.person] = k
	}

	epoch := org.Params.Epoch
	created := epoch.AddDate(-12, 0, 0).Add(10 * time.Hour)
	d.groups = append(d.groups, group{id: oktaID(seed, "00g", 0), name: "Everyone", desc: "All users in your organization", kind: "BUILT_IN", created: created})
	for k, dep := range org.Departments() {
		d.groups = append(d.groups, group{id: oktaID(seed, "00g", k+1), name: dep, desc: "All members of the " + dep + " department", kind: "OKTA_GROUP", created: created.AddDate(0, 0, k+1)})
	}
	n := len(org.Departments()) + 1
	d.groups = append(d.groups,
		group{id: oktaID(seed, "00g", n), name: "Contractors", desc: "External contractors", kind: "OKTA_GROUP", created: created.AddDate(1, 0, 0)},
		group{id: oktaID(seed, "00g", n+1), name: "People Managers", desc: "Everyone with direct reports", kind: "OKTA_GROUP", created: created.AddDate(1, 0, 1)},
		group{id: oktaID(seed, "00g", n+2), name: "Okta Administrators", desc: "Super and org administrators", kind: "OKTA_GROUP", created: created.AddDate(1, 0, 2)},
	)
	slices.SortFunc(d.groups, func(a, b group) int { return strings.Compare(a.id, b.id) })
	for _, g := range d.groups {
		d.groupIDs = append(d.groupIDs, g.id)
	}

	d.appByIdx = make([]int, len(org.Apps()))
	for _, a := range org.Apps() {
		if a.OktaName == "" {
			continue
		}
		sa := app{idx: a.Index, id: oktaID(seed, "0oa", a.Index), provision: provisioned[a.Key]}
		for _, u := range d.users {
			if u.status == Deprovisioned || !org.Assigned(u.person, a.Index) || org.AssignedAt(u.person, a.Index).After(now) {
				continue
			}
			sa.users = append(sa.users, u.id) // users are sorted by id already
		}
		d.apps = append(d.apps, sa)
	}
	slices.SortFunc(d.apps, func(a, b app) int { return strings.Compare(a.id, b.id) })
	for i := range d.appByIdx {
		d.appByIdx[i] = -1
	}
	for k, a := range d.apps {
		d.appIDs = append(d.appIDs, a.id)
		d.appByIdx[a.idx] = k
	}
	return d
}

// userState derives a person's Okta user from the truth at now: people are
// created (STAGED) two weeks before their start, activated on their first
// day, suspended when they leave and deactivated (DEPROVISIONED) 30 days
// later. People who never signed in stay PROVISIONED (activation pending)
// when recent or for half of the others; a few active people are in
// RECOVERY, PASSWORD_EXPIRED or LOCKED_OUT.
func userState(org *synth.Org, i int, p synth.Person, today, now time.Time) (user, bool) {
	u := user{person: i, manager: -1}
	u.created = p.HireDate.AddDate(0, 0, -14).Add(time.Duration(8*3600+i%3600) * time.Second)
	if u.created.After(now) {
		return u, false
	}
	if p.ManagerIndex >= 0 {
		u.manager = org.Manager(i)
		if !org.Exists(i, today) {
			u.manager = p.ManagerIndex
		}
	}
	if last, ok := org.LastActive(i, -1, now); ok {
		u.lastLogin = last
	}
	activated := p.HireDate.Add(9 * time.Hour)
	switch {
	case !org.Hired(i, today):
		u.status, u.changed = Staged, u.created
		return u, true
	case org.Left(i, today):
		u.activated = activated
		if today.Sub(p.LeaveDate) < 30*24*time.Hour {
			u.status, u.changed = Suspended, p.LeaveDate.Add(17*time.Hour)
		} else {
			u.status, u.changed = Deprovisioned, p.LeaveDate.AddDate(0, 0, 30).Add(17*time.Hour)
		}
		return u, true
	case u.lastLogin.IsZero() && (today.Sub(p.HireDate) < 30*24*time.Hour || i%2 == 0):
		u.status, u.changed = Provisioned, u.created
		return u, true
	}
	u.activated, u.status, u.changed = activated, Active, activated
	if !u.lastLogin.IsZero() && u.lastLogin.After(activated) {
		switch i % 53 {
		case 11:
			u.status = Recovery
		case 23:
			u.status = PasswordExpired
		case 37:
			u.status = LockedOut
		}
		if u.status != Active {
			u.changed = u.lastLogin.Add(time.Duration(i%600) * time.Second)
			if u.changed.After(now) {
				u.changed = now
			}
		}
	}
	return u, true
}
