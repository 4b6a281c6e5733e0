package slacksim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/slack"
	"github.com/saaspipe/saaspipe/extract/slack/slacksim"
	"github.com/saaspipe/saaspipe/synth"
)

var testDate = time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)

func start(t *testing.T, people int, o slacksim.Options) (*slacksim.Server, string) {
	t.Helper()
	s := slacksim.New(synth.Generate(synth.Params{Seed: 3, People: people, Date: testDate}), o)
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, base
}

func get(t *testing.T, s *slacksim.Server, base, method, query string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/"+method+"?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDeterministic: two servers built from equal inputs answer alike.
func TestDeterministic(t *testing.T) {
	a, baseA := start(t, 120, slacksim.Options{})
	b, baseB := start(t, 120, slacksim.Options{})
	for _, m := range []string{"users.list", "team.billableInfo", "team.accessLogs", "team.info"} {
		_, x := get(t, a, baseA, m, "")
		_, y := get(t, b, baseB, m, "")
		if x != y {
			t.Fatalf("%s differs between equal servers", m)
		}
	}
}

func TestAnswersAndFlags(t *testing.T) {
	tests := []struct {
		name, method, query string
		opts                slacksim.Options
		wantStatus          int
		wantBody            string
		flagged             bool
	}{
		{name: "short page is not the last", method: "users.list", query: "limit=10&cursor=dXNlcjpVU0xBQ0tCT1Q=", wantStatus: 200, wantBody: `"ok":true`},
		{name: "invalid cursor", method: "users.list", query: "cursor=bm9wZQ==", wantStatus: 200, wantBody: `"error":"invalid_cursor"`},
		{name: "page 101", method: "team.accessLogs", query: "page=101", wantStatus: 200, wantBody: `"error":"over_pagination_limit"`},
		{name: "free plan", method: "team.accessLogs", opts: slacksim.Options{Free: true}, wantStatus: 200, wantBody: `"error":"paid_only"`},
		{name: "unknown method", method: "users.admin", wantStatus: 200, wantBody: `"error":"unknown_method"`, flagged: true},
		{name: "unknown parameter", method: "users.list", query: "presence=true", wantStatus: 200, wantBody: `"ok":true`, flagged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := start(t, 80, tt.opts)
			status, body := get(t, s, base, tt.method, tt.query)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("%d %.200s", status, body)
			}
			if got := len(s.Unexpected()) > 0; got != tt.flagged {
				t.Fatalf("flagged %v: %v", got, s.Unexpected())
			}
		})
	}
	s, base := start(t, 80, slacksim.Options{Tier2PerMinute: 1})
	get(t, s, base, "users.list", "")
	if status, body := get(t, s, base, "users.list", ""); status != http.StatusTooManyRequests || !strings.Contains(body, "ratelimited") {
		t.Fatalf("second Tier 2 call in the window: %d %s", status, body)
	}
}

// TestShortPages: users.list pages are sometimes shorter than the limit
// while more follow, and together list every member once.
func TestShortPages(t *testing.T) {
	s, base := start(t, 200, slacksim.Options{})
	seen := map[string]bool{}
	short := false
	cursor := ""
	for range 100 {
		q := "limit=20"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		_, body := get(t, s, base, "users.list", q)
		var p struct {
			Members []struct{ ID string } `json:"members"`
			Meta    struct {
				Next string `json:"next_cursor"`
			} `json:"response_metadata"`
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Members {
			if seen[m.ID] {
				t.Fatalf("member %s listed twice", m.ID)
			}
			seen[m.ID] = true
		}
		if p.Meta.Next == "" {
			break
		}
		short = short || len(p.Members) < 20
		cursor = strings.ReplaceAll(p.Meta.Next, "=", "%3D")
	}
	if len(seen) != len(s.Expected("users")) || !short {
		t.Fatalf("%d members listed of %d; a short non-final page seen: %v", len(seen), len(s.Expected("users")), short)
	}
}

// TestDemo: the demo starter's connector is accepted by the slack type
// and passes its check against the simulator.
func TestDemo(t *testing.T) {
	v, err := slacksim.Demo(synth.Generate(synth.Params{Seed: 3, People: 50, Date: testDate}))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	cs := v.Connectors()
	if len(cs) != 1 || cs[0].Name != "slack" || cs[0].Type != "slack" {
		t.Fatalf("connectors %+v", cs)
	}
	settings := extract.Settings{}
	for k, val := range cs[0].Settings {
		settings[k] = val
	}
	for k, val := range cs[0].Secrets {
		settings[k] = val
	}
	conn, err := slack.New(extract.Instance{Name: "slack", Type: "slack", Settings: settings}, extract.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}
