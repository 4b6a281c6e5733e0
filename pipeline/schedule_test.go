package pipeline

import (
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		spec    string
		wantErr string // "" when valid
	}{
		{"0 3 * * *", ""},
		{"*/15 * * * *", ""},
		{"0 0-23/2 1,15 * mon-fri", ""},
		{"30 4 1 jan,JUL *", ""},
		{"0 9-17 * * 1-5", ""},
		{"10/5 * * * *", ""},
		{"  0   3 * *  *  ", ""},
		{"0 0 29 2 *", ""}, // leap days only, but it does match
		{"0 3 * * ?", ""},
		{"", ""}, // the default, weekly
		{"hourly", ""},
		{"Daily", ""},
		{" WEEKLY ", ""},
		{"@hourly", ""},
		{"@daily", ""},
		{"@Weekly", ""},
		{"@monthly", ""},
		{"0 3 * *", "has 4 fields, not 5"},
		{"0 0 3 * * *", "has 6 fields, not 5 (there is no seconds field)"},
		{"5", "has 1 field, not 5"},
		{"dialy", `"dialy" is not a schedule; did you mean daily?`},
		{"Weakly", `"Weakly" is not a schedule; did you mean weekly?`},
		{"monthly", `"monthly" is not a schedule word; write @monthly`},
		{"nightly", `"nightly" is not a schedule; write hourly, daily or weekly`},
		{"@dayly", `unknown descriptor "@dayly"; did you mean "@daily"?`},
		{"@fortnightly", `unknown descriptor "@fortnightly"; write hourly, daily, weekly, one of @hourly`},
		{"@every 1h", `"@every 1h" is not accepted: an interval would restart with serve`},
		{"TZ=Europe/Paris 0 3 * * *", "a time zone is not accepted"},
		{"CRON_TZ=UTC", "a time zone is not accepted"}, // robfig/cron v3.0.1 panics on this one
		{"60 * * * *", `minute field "60": 60 is outside 0-59`},
		{"0 24 * * *", `hour field "24": 24 is outside 0-23`},
		{"* * 0 * *", `day-of-month field "0": 0 is outside 1-31`},
		{"* * * 13 *", `month field "13": 13 is outside 1-12 or jan-dec`},
		{"* * * * 7", `day-of-week field "7": 7 is outside 0-6 or sun-sat (Sunday is 0); write 0 or sun for Sunday`},
		{"* * * * 8", `day-of-week field "8": 8 is outside 0-6 or sun-sat (Sunday is 0)`},
		{"* * * foo *", `month field "foo": "foo" is not one of 1-12 or jan-dec`},
		{"*/0 * * * *", `minute field "*/0": a step must be a positive number, e.g. */15`},
		{"*/x * * * *", `minute field "*/x": "x" is not one of 0-59`},
		{"5-1 * * * *", `minute field "5-1": range 5-1 runs backwards; write the smaller value first`},
		{"0 3 * * fri-mon", `day-of-week field "fri-mon": range fri-mon runs backwards`},
		{"-1 * * * *", `minute field "-1": "-1" is not one of 0-59`},
		{"1-2-3 * * * *", `minute field "1-2-3": write a value, a range such as 1-5`},
		{"1/2/3 * * * *", `minute field "1/2/3": write a value, a range such as 1-5`},
		{"1,,2 * * * *", `minute field "1,,2": an item of the list is empty; separate values with single commas, e.g. 1,15`},
		{", * * * *", `minute field ",": an item of the list is empty`},
		{"0 0 * jan, *", `month field "jan,": an item of the list is empty`},
		{"0 0 30 feb *", "never matches a date (such as 30 February)"},
		{"0 0 31 4,6,9,11 *", "never matches a date"},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.spec)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseSchedule(%q) = %v, want valid", tt.spec, err)
		case tt.wantErr == "" && s.Next(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)).IsZero():
			t.Errorf("ParseSchedule(%q) never fires", tt.spec)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseSchedule(%q) = %v, want an error containing %q", tt.spec, err, tt.wantErr)
		}
	}
}

func TestScheduleNext(t *testing.T) {
	// 2026-11-28 is a Saturday.
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	paris := time.FixedZone("UTC+1", 3600)
	tests := []struct {
		spec  string
		after time.Time
		want  []string // the next firings, in order
	}{
		{"weekly", at("2026-11-28T17:00:00Z"), []string{"2026-11-29T00:00:00Z", "2026-12-06T00:00:00Z"}},
		{"", at("2026-11-28T17:00:00Z"), []string{"2026-11-29T00:00:00Z"}}, // the default is weekly
		{"@weekly", at("2026-11-29T00:00:00Z"), []string{"2026-12-06T00:00:00Z"}},
		{"daily", at("2026-11-28T17:00:00Z"), []string{"2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z"}},
		{"daily", at("2026-11-28T23:59:59.999Z"), []string{"2026-11-29T00:00:00Z"}},
		{"hourly", at("2026-11-28T17:00:00Z"), []string{"2026-11-28T18:00:00Z", "2026-11-28T19:00:00Z"}},
		{"hourly", at("2026-11-28T23:30:00Z"), []string{"2026-11-29T00:00:00Z"}},
		// Weekdays at 03:00: from Saturday, the next is Monday.
		{"0 3 * * 1-5", at("2026-11-28T17:00:00Z"), []string{"2026-11-30T03:00:00Z", "2026-12-01T03:00:00Z"}},
		{"0 3 * * mon-fri", at("2026-12-04T03:00:00Z"), []string{"2026-12-07T03:00:00Z"}},
		{"*/15 * * * *", at("2026-11-28T17:07:12Z"), []string{"2026-11-28T17:15:00Z", "2026-11-28T17:30:00Z", "2026-11-28T17:45:00Z", "2026-11-28T18:00:00Z"}},
		// Evaluated in UTC whatever the zone of the time given: 03:00 UTC
		// is 04:00 in UTC+1.
		{"0 3 * * *", time.Date(2026, 11, 28, 3, 30, 0, 0, paris), []string{"2026-11-28T03:00:00Z"}},
		{"0 3 * * *", time.Date(2026, 11, 28, 4, 30, 0, 0, paris), []string{"2026-11-29T03:00:00Z"}},
		{"0 3 * * *", time.Date(2026, 11, 28, 3, 59, 0, 0, paris), []string{"2026-11-28T03:00:00Z"}},
		// Both day fields restricted: either matches, as in Vixie cron.
		{"0 0 1 * mon", at("2026-11-28T00:00:00Z"), []string{"2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z", "2026-12-07T00:00:00Z"}},
		{"0 0 29 2 *", at("2026-11-28T00:00:00Z"), []string{"2028-02-29T00:00:00Z"}},
		{"@monthly", at("2026-12-31T23:00:00Z"), []string{"2027-01-01T00:00:00Z"}},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.spec)
		if err != nil {
			t.Fatalf("ParseSchedule(%q): %v", tt.spec, err)
		}
		from := tt.after
		for i, w := range tt.want {
			got := s.Next(from)
			if got.Location() != time.UTC || !got.Equal(at(w)) {
				t.Errorf("%q: firing %d after %s = %s, want %s (UTC)", tt.spec, i+1, tt.after.Format(time.RFC3339Nano), got, w)
				break
			}
			from = got
		}
	}
	if got := (Schedule{}).Next(at("2026-11-28T00:00:00Z")); !got.IsZero() {
		t.Errorf("zero Schedule fires at %s", got)
	}
	if s, _ := ParseSchedule(" Daily "); s.String() != "Daily" {
		t.Errorf("String() = %q, want the spec as written", s.String())
	}
	if s, _ := ParseSchedule(""); s.String() != DefaultSchedule {
		t.Errorf("String() of the default = %q, want %q", s.String(), DefaultSchedule)
	}
}

// FuzzParseSchedule checks that no spec makes the parser (or the library
// under it) panic, and that an accepted schedule always fires, later than
// the time it is asked about, in UTC.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"0 3 * * *", "*/15 * * * *", "weekly", "@daily", "0 0 30 feb *", "TZ=", "CRON_TZ=x 0 * * * *",
		"1-2-3/4 * * * *", "* * * * 7", "0 0 1 jan,JUL mon-fri", "@every 1s", "9223372036854775807 * * * *", "*/9223372036854775807 * * * *"} {
		f.Add(s)
	}
	from := time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		n := s.Next(from)
		if n.IsZero() || !n.After(from) || n.Location() != time.UTC {
			t.Fatalf("ParseSchedule(%q) accepted, but Next(%s) = %v", spec, from, n)
		}
	})
}
