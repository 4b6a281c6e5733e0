package synth

import (
	"iter"
	"slices"
	"sync"
	"time"
)

// Hash tags keep the independent pseudo-random streams apart.
const (
	tagActive uint64 = iota + 1
	tagSignIn
	tagCount
	tagUnused
	tagUsage
	tagAssigned
	tagTime
	tagGap
	tagID
)

func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func (o *Org) hash(tag uint64, a, b, c int64) uint64 {
	h := mix(o.salt ^ tag)
	h = mix(h ^ uint64(a))
	h = mix(h ^ uint64(b))
	return mix(h ^ uint64(c))
}

func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// Assigned reports whether person i holds app a (at any time they exist).
func (o *Org) Assigned(i, a int) bool { return o.People[i].apps&(1<<a) != 0 }

// AppsOf lists the app indices assigned to person i, ascending.
func (o *Org) AppsOf(i int) []int {
	var out []int
	for a := range o.apps {
		if o.Assigned(i, a) {
			out = append(out, a)
		}
	}
	return out
}

// AssignedAt is the day person i was given app a: on hire for everyone-apps,
// within the first month otherwise. Zero when not assigned.
func (o *Org) AssignedAt(i, a int) time.Time {
	if !o.Assigned(i, a) {
		return time.Time{}
	}
	return dayTime(o.assignedDay(i, a))
}

func (o *Org) assignedDay(i, a int) int32 {
	p := &o.People[i]
	if o.apps[a].Everyone {
		return p.hire
	}
	return p.hire + int32(o.hash(tagAssigned, int64(i), int64(a), 0)%30)
}

// Unused reports whether person i, though assigned app a, never signs in to
// it: the seats a license review should find.
func (o *Org) Unused(i, a int) bool {
	return o.Assigned(i, a) && o.hash(tagUnused, int64(i), int64(a), 0)%100 < 12
}

func (o *Org) usage(i, a int) float64 {
	u := o.apps[a].Usage * (0.4 + unit(o.hash(tagUsage, int64(i), int64(a), 0)))
	return min(u, 0.98)
}

// ActiveDay reports whether person i signed in to the identity provider on
// the UTC day of t: the truth behind session-start events and last-login.
func (o *Org) ActiveDay(i int, t time.Time) bool { return o.activeDay(i, dayNum(t)) }

func (o *Org) activeDay(i int, d int32) bool {
	p := &o.People[i]
	if p.Activity == Never || d < p.firstActive || d > p.lastActive {
		return false
	}
	prob := float64(p.weekdayP)
	if wd := (d + 4) % 7; wd == 0 || wd == 6 { // 1970-01-01 was a Thursday
		prob = 0.05
	}
	return unit(o.hash(tagActive, int64(i), int64(d), 0)) < prob
}

// SignIns is how many times person i signed in to app a on the UTC day of t.
func (o *Org) SignIns(i, a int, t time.Time) int { return o.signIns(i, a, dayNum(t)) }

func (o *Org) signIns(i, a int, d int32) int {
	if !o.Assigned(i, a) || d < o.assignedDay(i, a) || !o.activeDay(i, d) || o.Unused(i, a) {
		return 0
	}
	if unit(o.hash(tagSignIn, int64(i), int64(a), int64(d))) >= o.usage(i, a) {
		return 0
	}
	// One sign-in most days, occasionally two or three.
	switch h := o.hash(tagCount, int64(i), int64(a), int64(d)) % 10; {
	case h < 7:
		return 1
	case h < 9:
		return 2
	default:
		return 3
	}
}

// EventKind tells identity-provider sessions from app sign-ins.
type EventKind uint8

const (
	// SessionStart is a sign-in to the identity provider itself.
	SessionStart EventKind = iota
	// AppSignIn is a single sign-on into an application.
	AppSignIn
)

// Event is one sign-in.
type Event struct {
	// ID is a UUID-shaped identifier, stable for a seed.
	ID     string
	Time   time.Time // millisecond precision, UTC
	Kind   EventKind
	Person int
	App    int // -1 for SessionStart
}

// dayCache keeps the events of the days asked for most recently: the Okta
// simulator reads a day once per System Log page, every instance reading
// the tenant reads the same days, and a day of a large org takes tens of
// milliseconds to generate. (Simulators of one app read AppEvents, which
// generates only that app's sign-ins and needs no cache.)
type dayCache struct {
	mu    sync.Mutex
	byDay map[int32][]Event
	order []int32 // oldest first
	// hint is the number of events of the last day generated.
	hint int
}

// cachedDays bounds the cache: a day of a 100,000-person org is about
// 2.5 MB of events.
const cachedDays = 40

// DayEvents returns every event of the UTC day of t, ordered by (Time, ID).
// Each active day opens with a session start between 06:00 and 18:00 UTC,
// followed by that day's app sign-ins a few minutes apart. The slice is
// shared with other callers: read it, never modify it.
func (o *Org) DayEvents(t time.Time) []Event {
	d := dayNum(t)
	c := o.days
	if c == nil {
		hint := 0
		return o.dayEvents(d, &hint)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if evs, ok := c.byDay[d]; ok {
		return evs
	}
	evs := o.dayEvents(d, &c.hint)
	if len(c.order) == cachedDays {
		delete(c.byDay, c.order[0])
		c.order = c.order[1:]
	}
	c.byDay[d] = evs
	c.order = append(c.order, d)
	return evs
}

// dayEvents generates day d into a slice sized from hint, the size of the
// last day generated (days of one org are alike), so that the events are
// not re-grown from nothing each day; hint becomes this day's size.
func (o *Org) dayEvents(d int32, hint *int) []Event {
	out := make([]Event, 0, *hint+*hint/8)
	for i := range o.People {
		out = o.appendPersonDay(out, i, d)
	}
	slices.SortFunc(out, compareEvents)
	*hint = len(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// compareEvents orders events by (Time, ID).
func compareEvents(x, y Event) int {
	if c := x.Time.Compare(y.Time); c != 0 {
		return c
	}
	return compareStrings(x.ID, y.ID)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (o *Org) uuid(i, a int, d int32, k int) string {
	h1 := o.hash(tagID, int64(i), int64(a), int64(d)<<2|int64(k))
	h2 := mix(h1 ^ 0xa5a5a5a5)
	return formatUUID(h1, h2)
}

// formatUUID is fmt.Sprintf("%08x-%04x-11%02x-%04x-%012x", uint32(h1>>32),
// uint16(h1>>16), uint8(h1), uint16(h2>>48)&0x3fff|0x8000,
// h2&0xffffffffffff) without fmt: every event has one, and the simulators
// generate whole days of events per request.
func formatUUID(h1, h2 uint64) string {
	var b [36]byte
	putHex(b[0:8], h1>>32)
	b[8] = '-'
	putHex(b[9:13], h1>>16)
	b[13], b[14], b[15] = '-', '1', '1'
	putHex(b[16:18], h1)
	b[18] = '-'
	putHex(b[19:23], h2>>48&0x3fff|0x8000)
	b[23] = '-'
	putHex(b[24:36], h2)
	return string(b[:])
}

// putHex writes the low 4*len(dst) bits of v as lower-case hex digits.
func putHex(dst []byte, v uint64) {
	const digits = "0123456789abcdef"
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = digits[v&0xf]
		v >>= 4
	}
}

// Events yields every event with from <= Time < to, ordered by (Time, ID),
// computing one day at a time.
func (o *Org) Events(from, to time.Time) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for d := Day(from); d.Before(to); d = d.Add(day) {
			for _, e := range o.DayEvents(d) {
				if e.Time.Before(from) || !e.Time.Before(to) {
					continue
				}
				if !yield(e) {
					return
				}
			}
		}
	}
}

// AppEvents yields the sign-ins to app a with from <= Time < to, ordered by
// (Time, ID): the events of Events whose App is a, but generated only for the
// people who signed in to a that day, so a simulator of one app (Salesforce
// reads six months of logins) does not generate and sort the whole org's day
// for each of its days.
func (o *Org) AppEvents(from, to time.Time, a int) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		var evs, scratch []Event
		for d := Day(from); d.Before(to); d = d.Add(day) {
			evs, scratch = o.appDayEvents(evs[:0], scratch, dayNum(d), a)
			for _, e := range evs {
				if e.Time.Before(from) || !e.Time.Before(to) {
					continue
				}
				if !yield(e) {
					return
				}
			}
		}
	}
}

// appDayEvents appends to out the sign-ins to app a of day d, ordered by
// (Time, ID); scratch is reused for each person's whole day.
func (o *Org) appDayEvents(out, scratch []Event, d int32, a int) ([]Event, []Event) {
	for i := range o.People {
		if o.signIns(i, a, d) == 0 {
			continue
		}
		scratch = o.appendPersonDay(scratch[:0], i, d)
		for _, e := range scratch {
			if e.App == a {
				out = append(out, e)
			}
		}
	}
	slices.SortFunc(out, compareEvents)
	return out, scratch
}

// LastActive is the time of person i's last event at or before asOf: for app
// -1 any identity-provider session (last login), otherwise sign-ins to app a.
// ok is false when there is none.
func (o *Org) LastActive(i, a int, asOf time.Time) (last time.Time, ok bool) {
	p := &o.People[i]
	if p.Activity == Never {
		return time.Time{}, false
	}
	end := min(dayNum(asOf), p.lastActive)
	for d := end; d >= p.firstActive; d-- {
		if a >= 0 && o.signIns(i, a, d) == 0 || a < 0 && !o.activeDay(i, d) {
			continue
		}
		var found time.Time
		for _, e := range o.appendPersonDay(nil, i, d) {
			if e.App == a && !e.Time.After(asOf) {
				found = e.Time
			}
		}
		if !found.IsZero() {
			return found, true
		}
	}
	return time.Time{}, false
}

// appendPersonDay appends person i's events of day d, in time order.
func (o *Org) appendPersonDay(out []Event, i int, d int32) []Event {
	if !o.activeDay(i, d) {
		return out
	}
	h := o.hash(tagTime, int64(i), int64(d), 0)
	at := dayTime(d).Add(6*time.Hour + time.Duration(h%uint64(12*time.Hour/time.Millisecond))*time.Millisecond)
	out = append(out, Event{ID: o.uuid(i, -1, d, 0), Time: at, Kind: SessionStart, Person: i, App: -1})
	for a := range o.apps {
		for k := range o.signIns(i, a, d) {
			gap := o.hash(tagGap, int64(i), int64(a), int64(d)<<2|int64(k))
			at = at.Add(time.Minute + time.Duration(gap%uint64(20*time.Minute/time.Millisecond))*time.Millisecond)
			out = append(out, Event{ID: o.uuid(i, a, d, k), Time: at, Kind: AppSignIn, Person: i, App: a})
		}
	}
	return out
}
