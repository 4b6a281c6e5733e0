package synth

import "time"

// Date is the snapshot day.
func (o *Org) Date() time.Time { return dayTime(o.date) }

// End is the last instant of the snapshot day: the "now" simulators answer at.
func (o *Org) End() time.Time { return dayTime(o.date + 1).Add(-time.Millisecond) }

// Hired reports whether person i had started by the UTC day of t.
func (o *Org) Hired(i int, t time.Time) bool { return o.People[i].hire <= dayNum(t) }

// Left reports whether person i had left by the UTC day of t.
func (o *Org) Left(i int, t time.Time) bool { return o.People[i].leave <= dayNum(t) }

// Exists reports whether person i works here on the UTC day of t.
func (o *Org) Exists(i int, t time.Time) bool { return o.Hired(i, t) && !o.Left(i, t) }

// Existing lists the people who work here at Date, ascending.
func (o *Org) Existing() []int {
	var out []int
	for i := range o.People {
		if o.Exists(i, o.Params.Date) {
			out = append(out, i)
		}
	}
	return out
}

// Leavers lists the people who had left by Date, ascending.
func (o *Org) Leavers() []int {
	var out []int
	for i := range o.People {
		if o.Left(i, o.Params.Date) {
			out = append(out, i)
		}
	}
	return out
}

// FutureHires lists the people whose hire date lies after Date, ascending.
func (o *Org) FutureHires() []int {
	var out []int
	for i := range o.People {
		if !o.Hired(i, o.Params.Date) {
			out = append(out, i)
		}
	}
	return out
}

// Manager is person i's manager at Date: the nearest ancestor in the tree who
// works here then (-1 for the root). Leavers' and future hires' reports roll
// up to the next manager, as an HR system would show.
func (o *Org) Manager(i int) int {
	m := o.People[i].ManagerIndex
	for m > 0 && !o.Exists(m, o.Params.Date) {
		m = o.People[m].ManagerIndex
	}
	return m
}

// ActiveWithin reports whether person i signed in within the last days days
// up to the end of Date: to the identity provider for app -1, otherwise to
// app a.
func (o *Org) ActiveWithin(i, a, days int) bool {
	last, ok := o.LastActive(i, a, o.End())
	return ok && !last.Before(dayTime(o.date-int32(days)+1))
}

// AppByKey returns the index of the catalogue app with key, or -1.
func (o *Org) AppByKey(key string) int {
	for i, a := range o.apps {
		if a.Key == key {
			return i
		}
	}
	return -1
}
