package pipeline

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultSchedule is the schedule of a connector instance that names none.
const DefaultSchedule = "weekly"

// scheduleWords are the plain-word schedules and the cron descriptors they
// stand for.
var scheduleWords = map[string]string{
	"hourly": "@hourly", // minute 0 of every hour
	"daily":  "@daily",  // 00:00 UTC
	"weekly": "@weekly", // Sunday 00:00 UTC
}

// scheduleDescriptors are the cron descriptors accepted besides five fields.
// @every is left out: an interval counts from whenever serve started, so a
// restart would move every later run, and snapshots are calendar dates.
var scheduleDescriptors = []string{"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}

// cronFieldNames name the five fields of a cron expression, in order, with
// the values each takes.
var cronFieldNames = []struct{ name, values string }{
	{"minute", "0-59"},
	{"hour", "0-23"},
	{"day-of-month", "1-31"},
	{"month", "1-12 or jan-dec"},
	{"day-of-week", "0-6 or sun-sat (Sunday is 0)"},
}

// Schedule is when serve runs a connector instance. Schedules are evaluated
// in UTC, because snapshots are UTC dates.
type Schedule struct {
	spec  string
	sched cron.Schedule
}

// ParseSchedule reads a schedule: the words hourly, daily or weekly (any
// case), a cron descriptor such as @daily, or five cron fields (minute hour
// day-of-month month day-of-week) with the semantics of robfig/cron's
// ParseStandard: lists, ranges, steps, month and weekday names, and a
// day-of-month and a day-of-week that both restrict matching either. An
// empty spec is the DefaultSchedule. The error says what is wrong in terms
// a config author can act on; it does not repeat the spec's key.
func ParseSchedule(spec string) (Schedule, error) {
	s := strings.TrimSpace(spec)
	if s == "" {
		s = DefaultSchedule
	}
	expr := s
	lower := strings.ToLower(s)
	if d, ok := scheduleWords[lower]; ok {
		expr = d
	}
	switch {
	case strings.HasPrefix(lower, "tz=") || strings.HasPrefix(lower, "cron_tz="):
		return Schedule{}, errors.New("a time zone is not accepted: schedules run in UTC because snapshots are UTC dates; remove it and write the time in UTC")
	case strings.HasPrefix(expr, "@"):
		d := strings.ToLower(expr)
		if strings.HasPrefix(d, "@every") {
			return Schedule{}, fmt.Errorf("%q is not accepted: an interval would restart with serve; write five fields such as \"*/30 * * * *\" (every 30 minutes)", s)
		}
		found := false
		for _, known := range scheduleDescriptors {
			found = found || d == known
		}
		if !found {
			msg := fmt.Sprintf("unknown descriptor %q; write hourly, daily, weekly, one of %s, or five fields", s, strings.Join(scheduleDescriptors, ", "))
			if n := nearest(d, scheduleDescriptors); n != "" {
				msg = fmt.Sprintf("unknown descriptor %q; did you mean %q?", s, n)
			}
			return Schedule{}, errors.New(msg)
		}
		expr = d
	default:
		fields := strings.Fields(expr)
		if len(fields) == 1 && !strings.ContainsAny(fields[0], "0123456789*?") {
			words := []string{"hourly", "daily", "weekly"}
			if n := nearest(lower, words); n != "" {
				return Schedule{}, fmt.Errorf("%q is not a schedule; did you mean %s?", s, n)
			}
			if d := "@" + lower; nearest(d, scheduleDescriptors) == d {
				return Schedule{}, fmt.Errorf("%q is not a schedule word; write @%s, or one of hourly, daily, weekly", s, lower)
			}
			return Schedule{}, fmt.Errorf("%q is not a schedule; write hourly, daily or weekly", s)
		}
		if len(fields) != len(cronFieldNames) {
			plural := "s"
			if len(fields) == 1 {
				plural = ""
			}
			if len(fields) == 6 {
				return Schedule{}, errors.New("has 6 fields, not 5 (there is no seconds field)")
			}
			return Schedule{}, fmt.Errorf("has %d field%s, not 5", len(fields), plural)
		}
		// The library names no field in its errors: parse each field alone
		// (the others *) to say which one is wrong.
		for i, f := range fields {
			if slices.Contains(strings.Split(f, ","), "") {
				// The library skips empty items, so "," would match nothing.
				return Schedule{}, fmt.Errorf("%s field %q: an item of the list is empty; separate values with single commas, e.g. 1,15", cronFieldNames[i].name, f)
			}
			probe := []string{"*", "*", "*", "*", "*"}
			probe[i] = f
			if _, err := cron.ParseStandard(strings.Join(probe, " ")); err != nil {
				return Schedule{}, fmt.Errorf("%s field %q: %s", cronFieldNames[i].name, f, cronFieldProblem(err, i, f))
			}
		}
		expr = strings.Join(fields, " ")
	}
	sched, err := cron.ParseStandard(expr)
	if err != nil {
		return Schedule{}, err
	}
	// ParseStandard evaluates in time.Local; snapshots are UTC dates.
	if ss, ok := sched.(*cron.SpecSchedule); ok {
		ss.Location = time.UTC
	}
	out := Schedule{spec: s, sched: sched}
	// A spec can be valid and never match, such as 30 February: say so
	// now rather than have serve wait forever.
	if out.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Schedule{}, errors.New("never matches a date (such as 30 February); check the day-of-month and month fields")
	}
	return out, nil
}

var (
	reAbove     = regexp.MustCompile(`^end of range \((\d+)\) above maximum \((\d+)\)`)
	reBelow     = regexp.MustCompile(`^beginning of range \((\d+)\) below minimum \((\d+)\)`)
	reBackwards = regexp.MustCompile(`^beginning of range \(\d+\) beyond end of range \(\d+\): (.*)$`)
	reNotInt    = regexp.MustCompile(`^(?:failed to parse int from (.*?): |negative number \(-?\d+\) not allowed: (.*)$)`)
)

// cronFieldProblem turns the library's message about field i, written f,
// into one that says what to write; a message it does not know is passed on
// as it is.
func cronFieldProblem(err error, i int, f string) string {
	msg := err.Error()
	values := cronFieldNames[i].values
	if m := reAbove.FindStringSubmatch(msg); m != nil {
		out := m[1] + " is outside " + values
		if i == 4 && m[1] == "7" {
			out += "; write 0 or sun for Sunday"
		}
		return out
	}
	if m := reBelow.FindStringSubmatch(msg); m != nil {
		return m[1] + " is outside " + values
	}
	if m := reBackwards.FindStringSubmatch(msg); m != nil {
		return "range " + m[1] + " runs backwards; write the smaller value first"
	}
	if m := reNotInt.FindStringSubmatch(msg); m != nil {
		v := m[1] + m[2]
		if v == "" || strings.HasPrefix(v, "-") {
			v = f // "-1" splits as a range with an empty start
		}
		return strconv.Quote(v) + " is not one of " + values
	}
	switch {
	case strings.HasPrefix(msg, "step of range should be a positive number"):
		return "a step must be a positive number, e.g. */15"
	case strings.HasPrefix(msg, "too many hyphens"), strings.HasPrefix(msg, "too many slashes"):
		return "write a value, a range such as 1-5, a step such as */15, or a list of them such as 1,15"
	}
	return msg
}

// Next is the first time the schedule fires strictly after t, in UTC (the
// zero time for a zero Schedule).
func (s Schedule) Next(t time.Time) time.Time {
	if s.sched == nil {
		return time.Time{}
	}
	n := s.sched.Next(t.UTC())
	if n.IsZero() {
		return n
	}
	return n.UTC()
}

// String is the spec as written (DefaultSchedule for an empty one).
func (s Schedule) String() string { return s.spec }
