package gwsim

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

// Licensing products and SKUs the simulator sells.
const (
	ProductWorkspace = "Google-Apps"
	ProductArchived  = "101034"
	SkuStarter       = "1010020027"
	SkuStandard      = "1010020028"
	SkuPlus          = "1010020025"
	SkuArchived      = "1010340001"
)

var skuNames = map[string]string{
	SkuStarter:  "Google Workspace Business Starter",
	SkuStandard: "Google Workspace Business Standard",
	SkuPlus:     "Google Workspace Business Plus",
	SkuArchived: "Google Workspace Business - Archived User",
}

var productNames = map[string]string{ProductWorkspace: "Google Workspace", ProductArchived: "Google Workspace Archived User"}

// Account states.
const (
	Active    = "active"
	Suspended = "suspended"
	Archived  = "archived"
)

type account struct {
	person  int
	id      string
	state   string
	admin   bool
	created time.Time
	product string // "" unlicensed
	sku     string
	// lastLogin is the last sign-in at the server's now (zero: never),
	// computed once: the truth walks the person's days.
	lastLogin time.Time
}

type dataset struct {
	org      *synth.Org
	app      int // catalogue index of Google Workspace
	now      time.Time
	customer string
	accounts []account // sorted by primary email
	byPerson map[int]int
}

// hash is the per-person, per-vendor variation: FNV-1a of the person's id
// and a salt, so each vendor's simulator draws independently.
func hash(id, salt string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id + "|google|" + salt))
	return splitmix(h.Sum64()) // FNV-1a's low bits depend only on its input's low bits
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// userID renders a 21-digit numeric Google id.
func userID(seed int64, i int) string {
	return fmt.Sprintf("10%019d", splitmix(uint64(seed)*7919+uint64(i))%10000000000000000000)
}

func build(org *synth.Org, now time.Time) *dataset {
	d := &dataset{org: org, app: org.AppByKey("google"), now: now, byPerson: map[int]int{}}
	d.customer = fmt.Sprintf("C0%07x", splitmix(uint64(org.Params.Seed))%0xfffffff)
	if d.app < 0 {
		return d
	}
	today := synth.Day(now)
	for i, p := range org.People {
		if !org.Assigned(i, d.app) {
			continue
		}
		a := account{person: i, id: userID(org.Params.Seed, i), state: Active}
		a.created = p.HireDate.AddDate(0, 0, -7).Add(time.Duration(9*3600+i%3000) * time.Second)
		if a.created.After(now) {
			continue
		}
		h := hash(p.ID, "state")
		if org.Left(i, today) {
			switch gone := today.Sub(p.LeaveDate); {
			case gone > 120*24*time.Hour:
				continue // deleted: Google no longer lists the user
			case gone > 14*24*time.Hour:
				a.state = Archived
			default:
				a.state = Suspended
			}
		}
		if t, ok := org.LastActive(i, d.app, now); ok {
			a.lastLogin = t
		}
		a.admin = h%40 == 3
		switch {
		case a.state == Archived:
			a.product, a.sku = ProductArchived, SkuArchived
		case h%23 == 5 && !a.admin:
			// an account without a license: a mail-less helper account
		case h%10 == 0:
			a.product, a.sku = ProductWorkspace, SkuStarter
		case h%10 < 3:
			a.product, a.sku = ProductWorkspace, SkuPlus
		default:
			a.product, a.sku = ProductWorkspace, SkuStandard
		}
		d.accounts = append(d.accounts, a)
	}
	slices.SortFunc(d.accounts, func(a, b account) int {
		return strings.Compare(org.People[a.person].Email, org.People[b.person].Email)
	})
	for k, a := range d.accounts {
		d.byPerson[a.person] = k
	}
	return d
}
