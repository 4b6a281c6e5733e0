package zoomsim

import (
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

// User statuses and license types.
const (
	Active   = "active"
	Inactive = "inactive"
	Pending  = "pending"

	Basic    = 1
	Licensed = 2
)

type user struct {
	person  int
	id      string
	status  string
	typ     int
	role    string // "0" owner, "1" admin, "2" member
	created time.Time
	// lastLogin is the last sign-in at the server's now (zero: never),
	// computed once: the truth walks the person's days.
	lastLogin time.Time
}

type dataset struct {
	org      *synth.Org
	app      int
	now      time.Time
	users    []user // sorted by id
	byPerson map[int]int
	byEmail  map[string]int
}

// hash is the per-person, per-vendor variation.
func hash(id, salt string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id + "|zoom|" + salt))
	return splitmix(h.Sum64())
}

// splitmix finalises a hash: FNV-1a's low bits depend only on its input's
// low bits, and ids and choices are drawn from the low bits.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

const idChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"

// zoomID renders a 22-character id like Zoom's base64url user ids.
func zoomID(seed int64, person string) string {
	var b strings.Builder
	root := hash(person, "id") ^ uint64(seed)
	for i := 0; i < 22; i++ {
		b.WriteByte(idChars[splitmix(root+uint64(i))%64])
	}
	return b.String()
}

func build(org *synth.Org, now time.Time) *dataset {
	d := &dataset{org: org, app: org.AppByKey("zoom"), now: now, byPerson: map[int]int{}, byEmail: map[string]int{}}
	if d.app < 0 {
		return d
	}
	today := synth.Day(now)
	for i, p := range org.People {
		if !org.Assigned(i, d.app) {
			continue
		}
		h := hash(p.ID, "account")
		if h%17 == 3 {
			continue // never given a Zoom account
		}
		u := user{person: i, id: zoomID(org.Params.Seed, p.ID), status: Active, typ: Licensed, role: "2"}
		u.created = p.HireDate.AddDate(0, 0, -10).Add(time.Duration(10*3600+i%3000) * time.Second)
		if u.created.After(now) {
			continue
		}
		last, everSignedIn := org.LastActive(i, d.app, now)
		u.lastLogin = last
		switch {
		case org.Left(i, today):
			if today.Sub(p.LeaveDate) > 90*24*time.Hour {
				continue // deleted
			}
			u.status = Inactive
		case !org.Hired(i, today) || !everSignedIn && h%3 == 0:
			u.status = Pending // invited, not yet accepted
		}
		if h%5 == 0 {
			u.typ = Basic
		}
		if h%60 == 7 {
			u.role = "1"
		}
		d.users = append(d.users, u)
	}
	slices.SortFunc(d.users, func(a, b user) int { return strings.Compare(a.id, b.id) })
	if len(d.users) > 0 {
		// The account owner: the first active licensed user.
		for k := range d.users {
			if d.users[k].status == Active && d.users[k].typ == Licensed {
				d.users[k].role = "0"
				break
			}
		}
	}
	for k, u := range d.users {
		d.byPerson[u.person] = k
		d.byEmail[org.People[u.person].Email] = k
	}
	return d
}
