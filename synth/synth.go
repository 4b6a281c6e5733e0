package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Params select one organisation.
type Params struct {
	Seed int64
	// People is the size of the population generated, leavers and people
	// hired after Date included.
	People int
	// Date is the snapshot date (its UTC day); it decides who exists and who
	// has left.
	Date time.Time
	// Epoch is the reference hire and leave dates are spread around (zero:
	// Date). Keep it fixed across snapshot dates to watch one organisation
	// evolve; with the default, each Date gets a fresh but equally shaped org.
	Epoch time.Time
	// Domain is the primary email domain (default "acme.example").
	Domain string
}

// Kind is a person's employment kind.
type Kind uint8

const (
	Employee Kind = iota
	Contractor
)

func (k Kind) String() string {
	if k == Contractor {
		return "contractor"
	}
	return "employee"
}

// ActivityClass is how a person uses software overall.
type ActivityClass uint8

const (
	// Regular people sign in on most working days from shortly after hire.
	Regular ActivityClass = iota
	// Dormant people stopped signing in anywhere more than 30 days before
	// Epoch.
	Dormant
	// Never people hold accounts but never sign in.
	Never
)

func (c ActivityClass) String() string {
	switch c {
	case Dormant:
		return "dormant"
	case Never:
		return "never"
	}
	return "regular"
}

// Person is one human of the organisation.
type Person struct {
	Index      int
	ID         string // P000123, stable for a seed
	EmployeeID string // E100123 for employees, C200123 for contractors
	GivenName  string
	FamilyName string
	// Nickname is the short given name some systems show ("Bill"); empty
	// when none.
	Nickname    string
	DisplayName string
	// Email is the primary address, unique in the org.
	Email string
	// Aliases are other addresses that reach the same person: nickname and
	// initial forms, the acquired company's domain, plus-addresses. Each is
	// unique in the org and never another person's primary.
	Aliases    []string
	Department string
	Title      string
	CostCenter string
	Location   Location
	// ManagerIndex is the person's manager in the full population (-1 for
	// the root); see Org.Manager for the manager at Date.
	ManagerIndex int
	Kind         Kind
	HireDate     time.Time // UTC day
	// LeaveDate is the first day the person no longer works here (zero when
	// they never leave). It may lie after Date.
	LeaveDate time.Time
	Activity  ActivityClass

	hire, leave int32 // day numbers; leave = math.MaxInt32 when none
	firstActive int32
	lastActive  int32 // last day activity may happen (dormant cut-off, leave-1)
	weekdayP    float32
	apps        uint64 // bitmask of assigned app indices
}

// Mailbox is a shared or role address that is not a person.
type Mailbox struct {
	Address     string
	DisplayName string
	Purpose     string
}

// Org is one generated organisation. It is read-only after Generate and safe
// for concurrent use.
type Org struct {
	Params Params
	Domain string
	// AcquiredDomain is the domain of the acquired company whose staff keep
	// aliases there ("acme-uk.example").
	AcquiredDomain string
	People         []Person
	Mailboxes      []Mailbox

	apps  []App
	salt  uint64
	date  int32 // snapshot day number
	epoch int32
	// days caches DayEvents, shared by every simulator serving the org.
	days *dayCache
}

const day = 24 * time.Hour

func dayNum(t time.Time) int32 { return int32(t.UTC().Unix() / 86400) }

func dayTime(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Day truncates t to its UTC day.
func Day(t time.Time) time.Time { return dayTime(int32(floorDiv(t.UTC().Unix(), 86400))) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Generate builds the organisation for p. Equal Params give equal Orgs.
func Generate(p Params) *Org {
	if p.Domain == "" {
		p.Domain = "acme.example"
	}
	if p.People < 1 {
		p.People = 1
	}
	p.Date = Day(p.Date)
	if p.Epoch.IsZero() {
		p.Epoch = p.Date
	}
	p.Epoch = Day(p.Epoch)
	o := &Org{
		Params:         p,
		Domain:         p.Domain,
		AcquiredDomain: acquiredDomain(p.Domain),
		apps:           make([]App, len(catalogue)),
		salt:           mix(uint64(p.Seed) ^ 0x9e3779b97f4a7c15),
		date:           dayNum(p.Date),
		epoch:          dayNum(p.Epoch),
		days:           &dayCache{byDay: map[int32][]Event{}},
	}
	for i, a := range catalogue {
		a.Index = i
		o.apps[i] = a
	}
	rng := rand.New(rand.NewPCG(uint64(p.Seed), 0x5aa5e11e))
	o.People = make([]Person, p.People)
	o.assignDepartments(rng)
	o.assignNames(rng)
	o.assignDates(rng)
	o.assignEmails(rng)
	o.assignApps(rng)
	return o
}

func acquiredDomain(domain string) string {
	label, rest, ok := strings.Cut(domain, ".")
	if !ok {
		return domain + "-uk"
	}
	return label + "-uk." + rest
}

// assignDepartments places person 0 as the root (CEO), the next people as
// department heads reporting to the root, and everyone else in a department
// drawn by headcount weight; within a department members form a 6-ary tree
// under the head, so the whole org is one tree.
func (o *Org) assignDepartments(rng *rand.Rand) {
	total := 0
	for _, d := range departments {
		total += d.Weight
	}
	members := make([][]int, len(departments))
	for i := range o.People {
		var d int
		switch {
		case i < len(departments):
			d = i // person 0 is Executive's head, the root
		default:
			r := rng.IntN(total)
			for d = 0; r >= departments[d].Weight; d++ {
				r -= departments[d].Weight
			}
		}
		members[d] = append(members[d], i)
		pp := &o.People[i]
		pp.Index = i
		pp.ID = fmt.Sprintf("P%06d", i)
		dep := departments[d]
		pp.Department = dep.Name
		pp.CostCenter = dep.CostCenter
		j := len(members[d]) - 1
		switch {
		case i == 0:
			pp.ManagerIndex = -1
		case j == 0:
			pp.ManagerIndex = 0
		default:
			pp.ManagerIndex = members[d][(j-1)/6]
		}
		switch {
		case j == 0:
			pp.Title = dep.Titles[0]
		case j <= 6 && len(dep.Titles) > 2:
			pp.Title = dep.Titles[1]
		default:
			lo := min(2, len(dep.Titles)-1)
			pp.Title = dep.Titles[lo+rng.IntN(len(dep.Titles)-lo)]
		}
		loc := rng.IntN(len(locations))
		if i == 0 {
			loc = 0
		}
		pp.Location = locations[loc]
		if i >= len(departments) && rng.IntN(100) < 12 {
			pp.Kind = Contractor
		}
		if pp.Kind == Contractor {
			pp.EmployeeID = fmt.Sprintf("C%06d", 200000+i)
		} else {
			pp.EmployeeID = fmt.Sprintf("E%06d", 100000+i)
		}
	}
}

func (o *Org) assignNames(rng *rand.Rand) {
	for i := range o.People {
		pp := &o.People[i]
		g := givenNames[rng.IntN(len(givenNames))]
		pp.GivenName = g[0]
		if g[1] != "" {
			pp.Nickname = strings.ToUpper(g[1][:1]) + g[1][1:]
		}
		pp.FamilyName = familyNames[rng.IntN(len(familyNames))]
		pp.DisplayName = pp.GivenName + " " + pp.FamilyName
	}
}

// assignDates spreads hire dates over eight years before Epoch, skewed to
// recent hires (a growing company), puts ~3% of hires in the 30 days after
// Epoch, and makes ~10% of employees and ~25% of contractors leave between two
// years before and 60 days after Epoch. The root and department heads never
// leave and were hired first.
func (o *Org) assignDates(rng *rand.Rand) {
	e := o.epoch
	for i := range o.People {
		pp := &o.People[i]
		pp.leave = math.MaxInt32
		switch {
		case i == 0:
			pp.hire = e - 12*365
		case i < len(departments):
			pp.hire = e - 10*365 + int32(rng.IntN(2*365))
		default:
			if rng.IntN(100) < 3 {
				pp.hire = e + 1 + int32(rng.IntN(30))
			} else {
				u := rng.Float64()
				pp.hire = e - 1 - int32(8*365*(1-math.Sqrt(u)))
			}
			leavePct := 10
			if pp.Kind == Contractor {
				leavePct = 25
			}
			if rng.IntN(100) < leavePct {
				lo := max(pp.hire+30, e-2*365)
				hi := e + 60
				if lo < hi {
					pp.leave = lo + int32(rng.IntN(int(hi-lo)))
				}
			}
		}
		pp.HireDate = dayTime(pp.hire)
		if pp.leave != math.MaxInt32 {
			pp.LeaveDate = dayTime(pp.leave)
		}
		pp.firstActive = pp.hire + int32(rng.IntN(5))
		pp.lastActive = pp.leave - 1
		pp.weekdayP = float32(0.6 + 0.35*rng.Float64())
		r := rng.IntN(100)
		switch {
		case i < len(departments):
			pp.Activity = Regular
		case r < 4:
			pp.Activity = Never
		case r < 11:
			pp.Activity = Dormant
			cut := e - 31 - int32(rng.IntN(210))
			pp.lastActive = min(pp.lastActive, cut)
		}
	}
}

func localPart(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// assignEmails gives every person a unique first.last primary (first.last2,
// first.last3 … on collision, in index order), then aliases that collide with
// nothing already taken.
func (o *Org) assignEmails(rng *rand.Rand) {
	used := make(map[string]struct{}, len(o.People)*2+16)
	for _, m := range []struct{ local, name, purpose string }{
		{"it", "IT Service Desk", "it"},
		{"helpdesk", "Helpdesk", "support"},
		{"security", "Security Team", "security"},
		{"payroll", "Payroll", "finance"},
		{"sales", "Sales Inbox", "sales"},
		{"noreply", "No Reply", "notifications"},
	} {
		addr := m.local + "@" + o.Domain
		used[addr] = struct{}{}
		o.Mailboxes = append(o.Mailboxes, Mailbox{Address: addr, DisplayName: m.name, Purpose: m.purpose})
	}
	counts := make(map[string]int, len(o.People))
	for i := range o.People {
		pp := &o.People[i]
		base := localPart(pp.GivenName) + "." + localPart(pp.FamilyName)
		counts[base]++
		local := base
		for n := counts[base]; ; n++ {
			if n > 1 {
				local = fmt.Sprintf("%s%d", base, n)
			}
			if _, taken := used[local+"@"+o.Domain]; !taken {
				counts[base] = n
				break
			}
		}
		pp.Email = local + "@" + o.Domain
		used[pp.Email] = struct{}{}
	}
	take := func(pp *Person, addr string) {
		if _, taken := used[addr]; taken {
			return
		}
		used[addr] = struct{}{}
		pp.Aliases = append(pp.Aliases, addr)
	}
	for i := range o.People {
		pp := &o.People[i]
		local, _, _ := strings.Cut(pp.Email, "@")
		if pp.Nickname != "" && rng.IntN(2) == 0 {
			take(pp, localPart(pp.Nickname)+"."+localPart(pp.FamilyName)+"@"+o.Domain)
		}
		if rng.IntN(5) == 0 {
			take(pp, localPart(pp.GivenName)[:1]+localPart(pp.FamilyName)+"@"+o.Domain)
		}
		if pp.Location.Acquired && rng.IntN(10) < 7 {
			take(pp, local+"@"+o.AcquiredDomain)
		}
		if rng.IntN(100) < 3 {
			take(pp, local+"+saas@"+o.Domain)
		}
	}
}

// assignApps gives each person the apps of their department and the
// everyone-apps, plus occasional cross-department apps (an engineer with a
// Salesforce seat).
func (o *Org) assignApps(rng *rand.Rand) {
	deptApps := map[string]uint64{}
	var everyone, employeesOnly uint64
	for i, a := range o.apps {
		if a.Everyone {
			everyone |= 1 << i
			if a.EmployeesOnly {
				employeesOnly |= 1 << i
			}
		}
		for _, d := range a.Departments {
			deptApps[d] |= 1 << i
		}
	}
	for i := range o.People {
		pp := &o.People[i]
		m := everyone | deptApps[pp.Department]
		if pp.Kind == Contractor {
			m &^= employeesOnly
		}
		for a := range o.apps {
			if m&(1<<a) == 0 && !o.apps[a].Everyone && rng.IntN(100) < 3 {
				m |= 1 << a
			}
		}
		pp.apps = m
	}
}
