package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/transform"
)

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

// sharedFixture publishes the fixture once per test binary: publishing ten
// thousand accounts twice is the slow part of these tests.
func sharedFixture(t *testing.T) string {
	t.Helper()
	fixtureOnce.Do(func() {
		if fixtureDir, fixtureErr = os.MkdirTemp("", "saaspipe-report-fixture-"); fixtureErr == nil {
			fixtureErr = publishFixture(filepath.Join(fixtureDir, "data"), filepath.Join(fixtureDir, "scratch"))
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return filepath.Join(fixtureDir, "data")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func TestBuildHeadlineNumbers(t *testing.T) {
	dir := sharedFixture(t)
	d, err := Build(context.Background(), Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if d.Snapshot != "2026-11-28" || d.SnapshotDate != "2026-11-28" || d.Previous != "2026-11-21" {
		t.Errorf("snapshot %q date %q previous %q, want the latest with the one before", d.Snapshot, d.SnapshotDate, d.Previous)
	}
	c := d.Summary.Cur
	if c.Reclaimable != 800 || c.Purchased != 3200 || c.ActiveSeats != 2200 || c.UtilizationPct == nil || *c.UtilizationPct != 68.75 {
		t.Errorf("seats: reclaimable %d purchased %d active %d utilisation %v; want 800, 3200, 2200, 68.75",
			c.Reclaimable, c.Purchased, c.ActiveSeats, c.UtilizationPct)
	}
	if c.Accounts != fixtureAccounts+20 || c.People != fixturePeople+10 || c.Active+c.Inactive+c.NoActivity+c.NotMonitored != c.Accounts {
		t.Errorf("accounts %d (%d+%d+%d+%d), people %d", c.Accounts, c.Active, c.Inactive, c.NoActivity, c.NotMonitored, c.People)
	}
	if p := d.Summary.Prev; p == nil || p.Accounts != fixtureAccounts || p.People != fixturePeople {
		t.Errorf("previous snapshot stats: %+v", p)
	}
	if c.ConnectorsOK != 2 || c.Stale != 1 {
		t.Errorf("connectors ok %d stale %d, want 2 and 1", c.ConnectorsOK, c.Stale)
	}
	// Prices: only Zoom's is configured, and unpriced seats are never
	// counted as free.
	if d.Summary.Subs != 3 || d.Summary.PricedSubs != 1 || len(d.Summary.Spend) != 1 {
		t.Fatalf("priced %d of %d, spend %+v", d.Summary.PricedSubs, d.Summary.Subs, d.Summary.Spend)
	}
	if s := d.Summary.Spend[0]; s.Currency != "USD" || s.Monthly != 18000 || s.Reclaimable != 3750 || s.Unassigned != 3000 {
		t.Errorf("spend %+v, want USD 18000 monthly, 3750 reclaimable, 3000 unassigned", s)
	}
	for _, r := range d.Subscriptions.Rows {
		name, cost := r[d.Subscriptions.Col("name")], r[d.Subscriptions.Col("monthly_cost")]
		if (name == "Zoom Pro") != (cost != nil) {
			t.Errorf("%v: monthly cost %v; only the priced subscription has one", name, cost)
		}
	}
	// Miro found by two sources is one application of 400 people.
	if len(d.Apps.Rows) != 3 {
		t.Fatalf("applications: %v", d.Apps.Rows)
	}
	miro := d.Apps.Rows[0]
	if miro[d.Apps.Col("name")] != "Miro" || miro[d.Apps.Col("users")] != int64(400) || miro[d.Apps.Col("sources")] != int64(2) {
		t.Errorf("first application %v, want Miro with 400 users from 2 sources", miro)
	}
	if got := miro[d.Apps.Col("discovery_types")]; !sameJSON(got, []string{"entra_sso", "okta_sso"}) {
		t.Errorf("Miro discovered through %v", got)
	}
	miroUsers := 0
	for _, r := range d.AppUsers.Rows {
		if r[0] == 0 {
			miroUsers++
			if p := r[1].(int); p < 0 || d.People.Rows[p][d.People.Col("person_id")] == nil {
				t.Errorf("Miro user %v does not point into the people table", r)
			}
		}
	}
	if miroUsers != 400 {
		t.Errorf("Miro lists %d users, want 400", miroUsers)
	}
	if len(d.Accounts.Rows) != fixtureAccounts+20 || len(d.History.Rows) != 2 || len(d.Missing) != 0 {
		t.Errorf("%d accounts, %d history rows, missing %v", len(d.Accounts.Rows), len(d.History.Rows), d.Missing)
	}
	if h := d.History.Rows[1]; h[d.History.Col("previous_manifest_sha256")] == "" || h[d.History.Col("files")].(int) == 0 {
		t.Errorf("second snapshot's history row lacks its chain link or files: %v", h)
	}

	// The first snapshot on request, with nothing before it.
	first, err := Build(context.Background(), Options{DataDir: dir, Snapshot: "2026-11-21"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Previous != "" || first.Summary.Prev != nil || first.Summary.Cur.Accounts != fixtureAccounts || first.Summary.Cur.Stale != 0 {
		t.Errorf("first snapshot: previous %q, accounts %d, stale %d", first.Previous, first.Summary.Cur.Accounts, first.Summary.Cur.Stale)
	}
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestNoSnapshot(t *testing.T) {
	if _, err := Build(context.Background(), Options{DataDir: t.TempDir()}); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("empty data directory: err = %v, want ErrNoSnapshot", err)
	}
	dir := sharedFixture(t)
	_, err := Build(context.Background(), Options{DataDir: dir, Snapshot: "2026-01-01"})
	if !errors.Is(err, ErrNoSnapshot) || !strings.Contains(err.Error(), "2026-11-21, 2026-11-28") {
		t.Errorf("unknown snapshot: err = %v, want ErrNoSnapshot naming the sealed ones", err)
	}
}

// A catalog published without some datasets (an older version, or a
// partial configuration) still gives a report, saying what is missing.
func TestMissingDatasets(t *testing.T) {
	dir := t.TempDir()
	if err := publishFixture(dir, t.TempDir(), "people", "accounts", "connector_runs"); err != nil {
		t.Fatal(err)
	}
	d, err := Build(context.Background(), Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !contains(d.Missing, "license_utilization") || !contains(d.Missing, "applications") || contains(d.Missing, "accounts") {
		t.Errorf("missing %v", d.Missing)
	}
	if d.Summary.Cur.Accounts != fixtureAccounts+20 || d.Summary.Cur.Purchased != 0 || d.Summary.Cur.UtilizationPct != nil || len(d.Apps.Rows) != 0 {
		t.Errorf("summary %+v, %d apps", d.Summary.Cur, len(d.Apps.Rows))
	}
	var buf bytes.Buffer
	if err := Render(&buf, d); err != nil {
		t.Fatal(err)
	}
}

// A replaced snapshot is reported once, as its latest revision: the
// catalog serves nothing else.
func TestReplacedSnapshot(t *testing.T) {
	dir, scratch := t.TempDir(), t.TempDir()
	only := []string{"people", "accounts", "connector_runs"}
	if err := publishFixture(dir, scratch, only...); err != nil {
		t.Fatal(err)
	}
	var datasets []transform.Dataset
	for _, ds := range transform.Datasets {
		if contains(only, ds.Name) {
			datasets = append(datasets, ds)
		}
	}
	if err := publishDay(context.Background(), dir, scratch, fixtureDays[1], 1, datasets,
		load.Options{Replace: true, Reason: "re-extracted after a vendor outage"}); err != nil {
		t.Fatal(err)
	}
	for _, snap := range []string{"", fixtureDays[1]} {
		d, err := Build(context.Background(), Options{DataDir: dir, Snapshot: snap})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.History.Rows) != 2 || d.Previous != fixtureDays[0] || d.Snapshot == fixtureDays[1] || d.SnapshotDate != fixtureDays[1] {
			t.Errorf("--snapshot %q: %d history rows, previous %q, snapshot %q (%s); want 2 rows and the new revision of %s after %s",
				snap, len(d.History.Rows), d.Previous, d.Snapshot, d.SnapshotDate, fixtureDays[1], fixtureDays[0])
		}
	}
}

func TestRenderSelfContained(t *testing.T) {
	dir := sharedFixture(t)
	out := filepath.Join(t.TempDir(), "sub", "report.html")
	now := func() time.Time { return time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC) }
	if err := WriteFile(context.Background(), Options{DataDir: dir, Now: now}, out); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	// Nothing is loaded from anywhere: no script or stylesheet by
	// reference, no URL a browser would fetch.
	for _, re := range []string{`<script[^>]+src=`, `<link[^>]+href=`, `(?i)(src|href)\s*=\s*["']?(https?:)?//`, `@import`} {
		if m := regexp.MustCompile(re).FindString(html); m != "" {
			t.Errorf("page refers to something outside itself: %q", m)
		}
	}
	if !strings.Contains(html, "echarts") || strings.Count(html, "<script") != 3 {
		t.Errorf("page lacks the inlined chart library or has %d scripts", strings.Count(html, "<script"))
	}
	// The headline numbers are in the HTML itself, before any script.
	for _, want := range []string{"USD 18,000", "USD 3,750/month", "68.8%", "1 of 3 subscriptions priced", "10,020", "+20", "2 ok", "1 stale"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no embedded data")
	}
	var d Data
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("embedded data: %v", err)
	}
	if len(d.Accounts.Rows) != fixtureAccounts+20 || d.GeneratedAt != "2026-11-29 08:00 UTC" {
		t.Errorf("embedded data: %d accounts, generated %q", len(d.Accounts.Rows), d.GeneratedAt)
	}
	// The same data renders to the same bytes.
	again := filepath.Join(t.TempDir(), "again.html")
	if err := WriteFile(context.Background(), Options{DataDir: dir, Now: now}, again); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(again); !bytes.Equal(b, page) {
		t.Error("two renders of the same snapshot differ")
	}
}

// Text from vendors is data, never markup: a display name holding a script
// tag must not end the data's script element.
func TestRenderEscapesData(t *testing.T) {
	d := &Data{Snapshot: "s", SnapshotDate: "2026-11-28", Accounts: Table{Columns: []string{"display_name"},
		Rows: [][]any{{"</script><script>alert(1)</script>"}}}}
	var buf bytes.Buffer
	if err := Render(&buf, d); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "alert(1)</script>") {
		t.Error("a value closed the data's script element")
	}
}

func TestFormatInt(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := formatInt(n); got != want {
			t.Errorf("formatInt(%d) = %q, want %q", n, got, want)
		}
	}
	if got := delta(10, 12, true); got != "−2" {
		t.Errorf("delta = %q", got)
	}
	if got := delta(10, 12, false); got != "" {
		t.Errorf("delta without a previous snapshot = %q", got)
	}
}
