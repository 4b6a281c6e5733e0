package synth

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var testDate = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

func TestGenerateDeterministic(t *testing.T) {
	tests := []struct {
		name   string
		a, b   Params
		wantEq bool
	}{
		{"same params", Params{Seed: 7, People: 500, Date: testDate}, Params{Seed: 7, People: 500, Date: testDate}, true},
		{"time of day ignored", Params{Seed: 7, People: 500, Date: testDate}, Params{Seed: 7, People: 500, Date: testDate.Add(13 * time.Hour)}, true},
		{"other seed", Params{Seed: 7, People: 500, Date: testDate}, Params{Seed: 8, People: 500, Date: testDate}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Generate(tt.a), Generate(tt.b)
			if got := reflect.DeepEqual(a, b); got != tt.wantEq {
				t.Fatalf("DeepEqual = %v, want %v", got, tt.wantEq)
			}
			ea := collect(a, testDate.Add(-3*day), testDate.Add(day))
			eb := collect(b, testDate.Add(-3*day), testDate.Add(day))
			if got := reflect.DeepEqual(ea, eb); got != tt.wantEq {
				t.Fatalf("events equal = %v, want %v", got, tt.wantEq)
			}
		})
	}
}

func collect(o *Org, from, to time.Time) []Event {
	var out []Event
	for e := range o.Events(from, to) {
		out = append(out, e)
	}
	return out
}

func TestEmailsUniqueAndShaped(t *testing.T) {
	o := Generate(Params{Seed: 1, People: 3000, Date: testDate})
	seen := map[string]string{}
	claim := func(addr, owner string) {
		t.Helper()
		if prev, ok := seen[addr]; ok {
			t.Fatalf("address %s held by %s and %s", addr, prev, owner)
		}
		seen[addr] = owner
	}
	for _, m := range o.Mailboxes {
		claim(m.Address, "mailbox")
	}
	var collided, acquired, plus int
	for _, p := range o.People {
		claim(p.Email, p.ID)
		local, domain, _ := strings.Cut(p.Email, "@")
		if domain != "acme.example" || !strings.Contains(local, ".") {
			t.Fatalf("%s: primary %q is not first.last@acme.example", p.ID, p.Email)
		}
		if local[len(local)-1] >= '0' && local[len(local)-1] <= '9' {
			collided++
		}
		for _, a := range p.Aliases {
			claim(a, p.ID)
			if strings.HasSuffix(a, "@acme-uk.example") {
				acquired++
			}
			if strings.Contains(a, "+") {
				plus++
			}
		}
	}
	for name, n := range map[string]int{"collision-resolved primaries": collided, "acquired-domain aliases": acquired, "plus-addresses": plus} {
		if n == 0 {
			t.Errorf("no %s in 3000 people", name)
		}
	}
}

func TestManagerTree(t *testing.T) {
	o := Generate(Params{Seed: 3, People: 2000, Date: testDate})
	roots := 0
	for i, p := range o.People {
		if p.ManagerIndex < 0 {
			roots++
			continue
		}
		// Walking up must reach the root within len(People) steps.
		m, steps := i, 0
		for o.People[m].ManagerIndex >= 0 {
			m = o.People[m].ManagerIndex
			if steps++; steps > len(o.People) {
				t.Fatalf("%s: manager chain loops", p.ID)
			}
		}
		if m != 0 {
			t.Fatalf("%s: chain ends at %d, not the root", p.ID, m)
		}
		if mm := o.Manager(i); mm < 0 || !o.Exists(mm, o.Params.Date) {
			t.Fatalf("%s: manager at date %d does not exist", p.ID, mm)
		}
	}
	if roots != 1 {
		t.Fatalf("roots = %d, want 1", roots)
	}
}

func TestPopulationEvolvesWithDate(t *testing.T) {
	epoch := testDate
	early := Generate(Params{Seed: 5, People: 2000, Date: epoch, Epoch: epoch})
	late := Generate(Params{Seed: 5, People: 2000, Date: epoch.AddDate(0, 0, 45), Epoch: epoch})
	if !reflect.DeepEqual(early.People, late.People) {
		t.Fatal("with a fixed epoch the population must not depend on Date")
	}
	if len(early.FutureHires()) == 0 || len(early.Leavers()) == 0 {
		t.Fatalf("want future hires and leavers at the epoch, got %d and %d", len(early.FutureHires()), len(early.Leavers()))
	}
	if len(late.FutureHires()) >= len(early.FutureHires()) {
		t.Errorf("future hires did not shrink: %d then %d", len(early.FutureHires()), len(late.FutureHires()))
	}
	if len(late.Leavers()) <= len(early.Leavers()) {
		t.Errorf("leavers did not grow: %d then %d", len(early.Leavers()), len(late.Leavers()))
	}
	for _, i := range early.FutureHires() {
		for e := range early.Events(epoch.AddDate(0, 0, -30), early.End()) {
			if e.Person == i {
				t.Fatalf("%s is not hired yet but has event %s", early.People[i].ID, e.ID)
			}
		}
		break
	}
	for _, i := range early.Leavers() {
		if _, ok := early.LastActive(i, -1, early.End()); ok {
			last, _ := early.LastActive(i, -1, early.End())
			if !last.Before(early.People[i].LeaveDate) {
				t.Fatalf("%s left %v but was active %v", early.People[i].ID, early.People[i].LeaveDate, last)
			}
		}
	}
}

func TestEventsMatchSignIns(t *testing.T) {
	o := Generate(Params{Seed: 9, People: 400, Date: testDate})
	from, to := testDate.Add(-6*day), testDate.Add(day)
	type key struct {
		p, a int
		d    time.Time
	}
	counts := map[key]int{}
	ids := map[string]bool{}
	var prev Event
	for e := range o.Events(from, to) {
		if e.Time.Before(from) || !e.Time.Before(to) {
			t.Fatalf("event %s at %v outside [%v, %v)", e.ID, e.Time, from, to)
		}
		if prev.ID != "" && (e.Time.Before(prev.Time) || e.Time.Equal(prev.Time) && e.ID < prev.ID) {
			t.Fatalf("event %s out of order after %s", e.ID, prev.ID)
		}
		if ids[e.ID] {
			t.Fatalf("duplicate event id %s", e.ID)
		}
		ids[e.ID] = true
		counts[key{e.Person, e.App, Day(e.Time)}]++
		prev = e
	}
	if len(ids) == 0 {
		t.Fatal("no events in a week")
	}
	for d := from; d.Before(to); d = d.Add(day) {
		for i := range o.People {
			want := 0
			if o.ActiveDay(i, d) {
				want = 1
			}
			if got := counts[key{i, -1, d}]; got != want {
				t.Fatalf("%s %v: %d session starts, ActiveDay says %d", o.People[i].ID, d, got, want)
			}
			for a := range o.Apps() {
				if got, want := counts[key{i, a, d}], o.SignIns(i, a, d); got != want {
					t.Fatalf("%s app %d %v: %d events, SignIns says %d", o.People[i].ID, a, d, got, want)
				}
			}
		}
	}
}

func TestAppEventsAreEventsOfTheApp(t *testing.T) {
	o := Generate(Params{Seed: 5, People: 300, Date: testDate})
	// A window that starts and ends inside a day.
	from, to := testDate.Add(-5*day+7*time.Hour), testDate.Add(13*time.Hour)
	for a := range o.Apps() {
		var want, got []Event
		for e := range o.Events(from, to) {
			if e.App == a {
				want = append(want, e)
			}
		}
		for e := range o.AppEvents(from, to, a) {
			got = append(got, e)
		}
		if len(want) == 0 && a < 5 {
			t.Fatalf("app %d: no sign-ins in the window", a)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("app %d: AppEvents gave %d events, Events %d of the app (or another order)", a, len(got), len(want))
		}
	}
}

func TestActivityMix(t *testing.T) {
	o := Generate(Params{Seed: 11, People: 2000, Date: testDate})
	var active, stale, never, unusedSeats int
	for _, i := range o.Existing() {
		switch _, ok := o.LastActive(i, -1, o.End()); {
		case !ok:
			never++
		case o.ActiveWithin(i, -1, 30):
			active++
		default:
			stale++
		}
		for _, a := range o.AppsOf(i) {
			if o.Unused(i, a) {
				unusedSeats++
				if _, ok := o.LastActive(i, a, o.End()); ok {
					t.Fatalf("%s: unused app %d has a sign-in", o.People[i].ID, a)
				}
			}
		}
	}
	n := len(o.Existing())
	if active < n*7/10 || stale == 0 || never == 0 || unusedSeats == 0 {
		t.Fatalf("of %d existing: %d active, %d inactive >30d, %d never; %d unused seats", n, active, stale, never, unusedSeats)
	}
}

func TestLastActiveMatchesEvents(t *testing.T) {
	o := Generate(Params{Seed: 2, People: 150, Date: testDate})
	from := testDate.Add(-(2*365 + 30) * day) // leavers left up to two years before the epoch
	last := map[[2]int]time.Time{}
	for e := range o.Events(from, o.End()) {
		last[[2]int{e.Person, e.App}] = e.Time
	}
	for i := range o.People {
		for _, a := range append([]int{-1}, o.AppsOf(i)...) {
			got, ok := o.LastActive(i, a, o.End())
			want, wantOK := last[[2]int{i, a}]
			if ok != wantOK || !got.Equal(want) {
				t.Fatalf("%s app %d: LastActive = %v,%v; events say %v,%v", o.People[i].ID, a, got, ok, want, wantOK)
			}
		}
	}
}

func TestCatalogue(t *testing.T) {
	o := Generate(Params{Seed: 1, People: 10, Date: testDate})
	if n := len(o.Apps()); n < 25 {
		t.Fatalf("catalogue has %d apps, want ~25", n)
	}
	names := map[string]bool{}
	for i, a := range o.Apps() {
		if a.Index != i || a.Key == "" || a.Name == "" || a.Vendor == "" {
			t.Fatalf("app %d incomplete: %+v", i, a)
		}
		if a.OktaName != "" && names[a.OktaName] {
			t.Fatalf("okta name %s twice", a.OktaName)
		}
		names[a.OktaName] = true
	}
	for _, want := range []string{"salesforce", "slack", "zoomus", "google", "office365", "github", "atlassian", "box", "dropbox_for_business"} {
		if !names[want] {
			t.Errorf("catalogue lacks okta app %s", want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Generate(Params{Seed: 42, People: 100_000, Date: testDate})
	}
}

// BenchmarkDayEvents generates a day of events (DayEvents would answer
// every iteration after the first from its cache).
func BenchmarkDayEvents(b *testing.B) {
	o := Generate(Params{Seed: 42, People: 100_000, Date: testDate})
	hint := 0
	b.ReportAllocs()
	for b.Loop() {
		o.dayEvents(dayNum(testDate.Add(-day)), &hint)
	}
}

func TestFormatUUIDMatchesSprintf(t *testing.T) {
	h1, h2 := uint64(0), uint64(0xffffffffffffffff)
	for n := range 10000 {
		want := fmt.Sprintf("%08x-%04x-11%02x-%04x-%012x",
			uint32(h1>>32), uint16(h1>>16), uint8(h1), uint16(h2>>48)&0x3fff|0x8000, h2&0xffffffffffff)
		if got := formatUUID(h1, h2); got != want {
			t.Fatalf("formatUUID(%x, %x) = %s, want %s", h1, h2, got, want)
		}
		h1, h2 = mix(h1+uint64(n)), mix(h2^uint64(n))
	}
}

// TestDayEventsCache: cached days, evicted days and concurrent callers see
// exactly what generating the day afresh gives.
func TestDayEventsCache(t *testing.T) {
	o := Generate(Params{Seed: 3, People: 300, Date: testDate})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for k := range cachedDays + 5 {
				d := testDate.AddDate(0, 0, -k)
				hint := 0
				if got, want := o.DayEvents(d), o.dayEvents(dayNum(d), &hint); !reflect.DeepEqual(got, want) {
					t.Errorf("day %v: cached events differ", d)
				}
			}
		})
	}
	wg.Wait()
	if n := len(o.days.byDay); n != cachedDays {
		t.Fatalf("%d days cached, want %d", n, cachedDays)
	}
}
