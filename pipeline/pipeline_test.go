package pipeline

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/synth"
	"github.com/saaspipe/saaspipe/transform"
)

var testEpoch = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// tenant is one simulated Okta org serving the synthetic organisation as of
// a snapshot date.
type tenant struct {
	host string // org_url host, the tenant key
	sim  *oktasim.Server
	url  string
}

func startTenant(t *testing.T, host string, seed int64, people int, date time.Time) *tenant {
	t.Helper()
	// One fixed epoch: the organisation evolves from snapshot to snapshot
	// instead of being a fresh one of the same shape each date.
	org := synth.Generate(synth.Params{Seed: seed, People: people, Date: date, Epoch: testEpoch})
	sim := oktasim.New(org, oktasim.Options{})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sim.Close()
		if u := sim.Unexpected(); len(u) > 0 {
			t.Errorf("simulated Okta %s got unexpected requests: %v", host, u)
		}
	})
	return &tenant{host: host, sim: sim, url: url}
}

// instanceYAML is one okta connector entry pointing at a simulated tenant.
func instanceYAML(name string, tn *tenant, token string) string {
	return fmt.Sprintf(`  - name: %s
    type: okta
    settings:
      org_url: https://%s
      base_url: %s
      allow_http: true
      api_token: ${TOKEN_%s}
      max_retries: 2
`, name, tn.host, tn.url, strings.ReplaceAll(strings.ToUpper(name), "-", "_"))
}

type harness struct {
	t    *testing.T
	dir  string
	yaml string
	env  map[string]string
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, dir: t.TempDir(), env: map[string]string{},
		yaml: "version: 1\nconcurrency: 4\nconnectors:\n"}
}

func (h *harness) add(name string, tn *tenant, token string) {
	h.yaml += instanceYAML(name, tn, token)
	h.env["TOKEN_"+strings.ReplaceAll(strings.ToUpper(name), "-", "_")] = token
}

func (h *harness) options(date string) Options {
	h.t.Helper()
	cfg, err := Parse([]byte(h.yaml), h.dir, registry.Types(), func(k string) (string, bool) {
		v, ok := h.env[k]
		return v, ok
	})
	if err != nil {
		h.t.Fatalf("config: %v\n%s", err, h.yaml)
	}
	cfg.DataDir = h.dir
	d := mustDate(h.t, date)
	end := d.Add(24*time.Hour - time.Second)
	return Options{Config: cfg, Types: registry.Types(), SnapshotDate: d, Now: func() time.Time { return end }, ToolVersion: "test"}
}

func (h *harness) execute(stage string, o Options) *Summary {
	h.t.Helper()
	sum, err := Execute(context.Background(), stage, o)
	if err != nil {
		h.t.Fatalf("%s %s: %v (summary errors %v)", stage, o.snapshotID(), err, sum.Errors)
	}
	return sum
}

func (h *harness) query(q string, args ...any) [][]string {
	h.t.Helper()
	db, err := transform.Open(context.Background(), h.t.TempDir())
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.SQL().Query(strings.ReplaceAll(q, "$DATA", h.dir), args...)
	if err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			h.t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	return out
}

func (h *harness) scalar(q string, args ...any) string {
	h.t.Helper()
	rows := h.query(q, args...)
	if len(rows) != 1 || len(rows[0]) != 1 {
		h.t.Fatalf("%s: want one value, got %v", q, rows)
	}
	return rows[0][0]
}

// treeHashes maps every file under dir (except locks and run summaries, which
// record each invocation) to its SHA-256.
func treeHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(rel, "locks/") || strings.HasPrefix(rel, "runs/") {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		io.Copy(h, f)
		out[rel] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	return out
}

// TestRunTwoInstancesOneTenant: two instances reading one tenant publish each
// account once, with both instances in its lineage; re-running the sealed
// date changes nothing at all.
func TestRunTwoInstancesOneTenant(t *testing.T) {
	date := mustDate(t, "2026-11-28")
	tn := startTenant(t, "acme.okta.com", 7, 150, date)
	h := newHarness(t)
	h.add("okta-a", tn, tn.sim.Token())
	h.add("okta-b", tn, tn.sim.Token())
	o := h.options("2026-11-28")

	sum := h.execute(StageRun, o)
	if sum.Status != StatusOK || sum.ExitCode() != 0 {
		t.Fatalf("status %s, errors %v", sum.Status, sum.Errors)
	}
	users := tn.sim.Expected("users")
	for _, c := range sum.Connectors {
		if c.Status != StatusOK || c.Rows["users"] != int64(len(users)) {
			t.Errorf("connector %s: status %s, %d users, want ok and %d", c.Name, c.Status, c.Rows["users"], len(users))
		}
	}
	if got := sum.Datasets["accounts"]; got != int64(len(users)) {
		t.Errorf("accounts = %d, want %d: two instances of one tenant must not double-count", got, len(users))
	}
	if got := h.scalar(`select count(*) from read_parquet('$DATA/published/accounts/*/*.parquet') where len(connectors) = 2`); got != fmt.Sprint(len(users)) {
		t.Errorf("%s accounts list both instances in their lineage, want %d", got, len(users))
	}
	if got := h.scalar(`select count(distinct source_id) from read_parquet('$DATA/published/accounts/*/*.parquet') where status = 'deprovisioned' or vendor_status = 'DEPROVISIONED'`); got == "0" {
		t.Error("no deprovisioned account published: DEPROVISIONED users must be extracted")
	}

	before := treeHashes(t, h.dir)
	again := h.execute(StageRun, o)
	if again.Status != StatusAlreadyPublished || again.ExitCode() != 0 {
		t.Fatalf("re-run of a sealed date: status %s", again.Status)
	}
	after := treeHashes(t, h.dir)
	if !mapsEqual(before, after) {
		t.Fatalf("re-running a sealed snapshot changed files:\nbefore %v\nafter  %v", before, after)
	}
	ids, err := ListSnapshots(h.dir)
	if err != nil || !slices.Equal(ids, []string{"2026-11-28"}) {
		t.Fatalf("snapshots = %v, %v", ids, err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// failHost makes every request to one host:port whose path has prefix fail
// with a 401, as a revoked token would.
type failHost struct {
	host, prefix string
}

func (f failHost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == f.host && strings.HasPrefix(r.URL.Path, f.prefix) {
		return &http.Response{StatusCode: http.StatusUnauthorized, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`)), Request: r}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestFailureContainedAndCarriedForward: one tenant's failure does not stop
// the other; the snapshot is published as partial (exit 3) with the failed
// connector's data carried forward from its last good snapshot, marked
// stale; its cursor does not move and no partial staged file is left.
func TestFailureContainedAndCarriedForward(t *testing.T) {
	d1, d2 := mustDate(t, "2026-11-21"), mustDate(t, "2026-11-28")
	good1 := startTenant(t, "acme.okta.com", 11, 120, d1)
	emea1 := startTenant(t, "acme-emea.okta.com", 12, 80, d1)
	h := newHarness(t)
	h.add("okta-us", good1, good1.sim.Token())
	h.add("okta-emea", emea1, emea1.sim.Token())
	if sum := h.execute(StageRun, h.options("2026-11-21")); sum.Status != StatusOK {
		t.Fatalf("first snapshot: %s %v", sum.Status, sum.Errors)
	}
	cursorBefore, err := os.ReadFile(Layout{Root: h.dir}.State("okta-emea"))
	if err != nil {
		t.Fatal(err)
	}

	// A week later the EMEA org's System Log refuses the token half-way
	// through the run (after users, groups, apps were staged).
	good2 := startTenant(t, "acme.okta.com", 11, 120, d2)
	emea2 := startTenant(t, "acme-emea.okta.com", 12, 80, d2)
	h2 := &harness{t: t, dir: h.dir, env: map[string]string{}, yaml: "version: 1\nconnectors:\n"}
	h2.add("okta-us", good2, good2.sim.Token())
	h2.add("okta-emea", emea2, emea2.sim.Token())
	o := h2.options("2026-11-28")
	o.Transport = failHost{host: strings.TrimPrefix(emea2.url, "http://"), prefix: "/api/v1/logs"}
	sum := h2.execute(StageRun, o)
	if sum.Status != StatusPartial || sum.ExitCode() != 3 {
		t.Fatalf("status %s (exit %d), want partial (3); errors %v", sum.Status, sum.ExitCode(), sum.Errors)
	}
	byName := map[string]ConnectorSummary{}
	for _, c := range sum.Connectors {
		byName[c.Name] = c
	}
	if c := byName["okta-us"]; c.Status != StatusOK {
		t.Errorf("okta-us: %s %s — one connector's failure must not stop another", c.Status, c.Error)
	}
	emea := byName["okta-emea"]
	if emea.Status != "stale" || emea.DataAsOf == nil || !emea.DataAsOf.Before(d2) {
		t.Errorf("okta-emea: status %s data_as_of %v, want stale from the first snapshot", emea.Status, emea.DataAsOf)
	}
	if !strings.Contains(emea.Error, "okta") || !strings.Contains(emea.Error, "/api/v1/logs") || !strings.Contains(emea.Error, "401") {
		t.Errorf("error %q should name the vendor, the endpoint and the status", emea.Error)
	}
	if strings.Contains(emea.Error, emea2.sim.Token()) {
		t.Error("the error message holds the API token")
	}
	cursorAfter, _ := os.ReadFile(Layout{Root: h.dir}.State("okta-emea"))
	if string(cursorAfter) != string(cursorBefore) {
		t.Errorf("the failed connector's cursor moved:\nbefore %s\nafter  %s", cursorBefore, cursorAfter)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "staging", "2026-11-28", "okta-emea", "activity.parquet")); err == nil {
		t.Error("a staged activity file exists for the failed fetch")
	}
	matches, _ := filepath.Glob(filepath.Join(h.dir, "staging", "*", "*", "*.tmp"))
	if len(matches) > 0 {
		t.Errorf("temporary staged files left: %v", matches)
	}
	// The EMEA tenant's accounts are published from the carried-forward data.
	emeaUsers := len(emea1.sim.Expected("users"))
	got := h.scalar(`select count(*) from read_parquet('$DATA/published/accounts/snapshot_date=2026-11-28/*.parquet') where tenant = 'acme-emea.okta.com'`)
	if got != fmt.Sprint(emeaUsers) {
		t.Errorf("published %s EMEA accounts in the partial snapshot, want %d carried forward", got, emeaUsers)
	}
	runs := h.query(`select connector, status, stale from read_parquet('$DATA/published/connector_runs/snapshot_date=2026-11-28/*.parquet') order by connector`)
	if len(runs) != 2 || runs[0][0] != "okta-emea" || runs[0][1] != "stale" || runs[0][2] != "true" || runs[1][1] != "ok" {
		t.Errorf("connector_runs = %v", runs)
	}
}

// TestExtractPerConnectorThenLoad is the orchestrator's flow: one extract
// task per instance (they may run at once), then one publish.
func TestExtractPerConnectorThenLoad(t *testing.T) {
	date := mustDate(t, "2026-11-28")
	a := startTenant(t, "acme.okta.com", 21, 60, date)
	b := startTenant(t, "acme-apac.okta.com", 22, 40, date)
	h := newHarness(t)
	h.add("okta-a", a, a.sim.Token())
	h.add("okta-b", b, b.sim.Token())

	done := make(chan *Summary, 2)
	for _, name := range []string{"okta-a", "okta-b"} {
		o := h.options("2026-11-28")
		o.Connectors = []string{name}
		go func() {
			sum, _ := Execute(context.Background(), StageExtract, o)
			done <- sum
		}()
	}
	for range 2 {
		if sum := <-done; sum.Status != StatusOK || len(sum.Connectors) != 1 {
			t.Fatalf("extract: %s %v", sum.Status, sum.Errors)
		}
	}
	if ids, _ := ListSnapshots(h.dir); len(ids) != 0 {
		t.Fatalf("extract published something: %v", ids)
	}
	if _, err := Execute(context.Background(), StageLoad, h.options("2026-11-28")); !IsUsage(err) {
		t.Fatalf("load before transform: %v, want a usage error naming transform", err)
	}
	if sum := h.execute(StageTransform, h.options("2026-11-28")); sum.Status != StatusOK || sum.Datasets["accounts"] == 0 {
		t.Fatalf("transform: %s %v", sum.Status, sum.Datasets)
	}
	if ids, _ := ListSnapshots(h.dir); len(ids) != 0 {
		t.Fatalf("transform published something: %v", ids)
	}
	// A re-extract after the transform makes its output out of date.
	o := h.options("2026-11-28")
	o.Connectors = []string{"okta-b"}
	h.execute(StageExtract, o)
	if _, err := Execute(context.Background(), StageLoad, h.options("2026-11-28")); err == nil || !strings.Contains(err.Error(), "transform") {
		t.Fatalf("load after a re-extract: %v, want an error asking for transform again", err)
	}
	h.execute(StageTransform, h.options("2026-11-28"))
	sum := h.execute(StageLoad, h.options("2026-11-28"))
	if sum.Status != StatusOK || sum.Manifest == "" {
		t.Fatalf("load: %s %v", sum.Status, sum.Errors)
	}
	if _, err := os.Stat(Layout{Root: h.dir}.Work("2026-11-28")); err == nil {
		t.Error("the work directory outlived the load")
	}
	want := len(a.sim.Expected("users")) + len(b.sim.Expected("users"))
	if got := sum.Datasets["accounts"]; got != int64(want) {
		t.Errorf("accounts = %d, want %d", got, want)
	}

	o = h.options("2026-11-28")
	o.Connectors = []string{"okta-nope"}
	if _, err := Execute(context.Background(), StageExtract, o); !IsUsage(err) {
		t.Errorf("unknown --connector: %v, want a usage error", err)
	}
}

// TestCancelledExtractLeavesNoPartialFiles: a cancelled run stops promptly,
// records the failure, and leaves no staged file and no cursor behind.
func TestCancelledExtractLeavesNoPartialFiles(t *testing.T) {
	date := mustDate(t, "2026-11-28")
	tn := startTenant(t, "acme.okta.com", 31, 300, date)
	h := newHarness(t)
	h.add("okta-a", tn, tn.sim.Token())
	o := h.options("2026-11-28")
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel as soon as the first page of users has been asked for.
	o.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		cancel()
		return http.DefaultTransport.RoundTrip(r)
	})
	start := time.Now()
	sum, err := Execute(ctx, StageRun, o)
	if err == nil || sum.Status != StatusFailed {
		t.Fatalf("cancelled run: status %s, err %v", sum.Status, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled run took %v", d)
	}
	matches, _ := filepath.Glob(filepath.Join(h.dir, "staging", "*", "*", "*.parquet*"))
	if len(matches) > 0 {
		t.Errorf("files staged by a cancelled run: %v", matches)
	}
	if _, err := os.Stat(Layout{Root: h.dir}.State("okta-a")); err == nil {
		t.Error("a cancelled run stored a cursor")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestActivityWindowAcrossSnapshots: with weekly runs, activity is staged
// incrementally, yet the second snapshot's "active" counts see the whole
// threshold window, and activity_daily counts every event in exactly one
// snapshot.
func TestActivityWindowAcrossSnapshots(t *testing.T) {
	h := newHarness(t)
	var tenants []*tenant
	for _, d := range []string{"2026-11-21", "2026-11-28"} {
		tn := startTenant(t, "acme.okta.com", 41, 120, mustDate(t, d))
		tenants = append(tenants, tn)
		h2 := &harness{t: t, dir: h.dir, env: map[string]string{}, yaml: "version: 1\nconnectors:\n"}
		h2.add("okta", tn, tn.sim.Token())
		if sum := h2.execute(StageRun, h2.options(d)); sum.Status != StatusOK {
			t.Fatalf("%s: %s %v", d, sum.Status, sum.Errors)
		}
	}
	staged := h.scalar(`select count(distinct source_id) from read_parquet('$DATA/staging/*/okta/activity.parquet')`)
	counted := h.scalar(`select cast(sum(event_count) as bigint) from read_parquet('$DATA/published/activity_daily/*/*.parquet')`)
	succeeded := h.scalar(`select count(distinct source_id) from read_parquet('$DATA/staging/*/okta/activity.parquet')
		where payload->>'$.outcome.result' in ('SUCCESS', 'ALLOW')`)
	if counted != succeeded || staged == "0" {
		t.Errorf("activity_daily sums to %s events over both snapshots; %s distinct successful events were staged (%s in all)", counted, succeeded, staged)
	}
	// The second run staged a week of events only; its active users must
	// still include people whose last SSO fell in the week before.
	second := tenants[1]
	window := second.sim.ExpectedEvents(mustDate(t, "2026-10-29"), mustDate(t, "2026-11-29"))
	if len(window) == 0 {
		t.Fatal("the simulator has no events in the window")
	}
	weekOnly := h.scalar(`select count(distinct payload->>'$.actor.id') from read_parquet('$DATA/staging/2026-11-28/okta/activity.parquet')
		where payload->>'$.eventType' = 'user.authentication.sso'`)
	whole := h.scalar(`select count(distinct payload->>'$.actor.id') from read_parquet('$DATA/staging/*/okta/activity.parquet')
		where payload->>'$.eventType' = 'user.authentication.sso'
		  and cast(payload->>'$.published' as timestamptz) >= timestamptz '2026-10-29 00:00:00+00'`)
	got := h.scalar(`select count(distinct person_id) from read_parquet('$DATA/published/app_assignments/snapshot_date=2026-11-28/*.parquet')
		where last_used_at >= timestamptz '2026-10-29 00:00:00+00'`)
	if got != whole || whole == weekOnly {
		t.Errorf("people with an app used in the 30-day window: %s published; %s in the staged window; %s in the last week alone", got, whole, weekOnly)
	}
}

// TestVerifyFindsTampering: verification passes on intact snapshots and names
// exactly what was altered, added, removed or taken out of the chain.
func TestVerifyFindsTampering(t *testing.T) {
	h := newHarness(t)
	for _, d := range []string{"2026-11-21", "2026-11-28"} {
		tn := startTenant(t, "acme.okta.com", 51, 40, mustDate(t, d))
		h2 := &harness{t: t, dir: h.dir, env: map[string]string{}, yaml: "version: 1\nconnectors:\n"}
		h2.add("okta", tn, tn.sim.Token())
		if sum := h2.execute(StageRun, h2.options(d)); sum.Status != StatusOK {
			t.Fatalf("%s: %s %v", d, sum.Status, sum.Errors)
		}
	}
	checked, findings, err := load.Verify(h.dir, "")
	if err != nil || len(findings) != 0 || len(checked) != 2 {
		t.Fatalf("intact data: checked %v, findings %v, err %v", checked, findings, err)
	}
	m, err := load.ReadManifest(h.dir, "2026-11-21")
	if err != nil {
		t.Fatal(err)
	}
	published := filepath.Join(h.dir, m.Files[0].Path)
	staged := filepath.Join(h.dir, m.Staged[0].Path)
	tamper := []struct {
		name   string
		do     func()
		undo   func()
		expect string
	}{
		{"published file edited", appendByte(t, published), restore(t, published), m.Files[0].Path + ": altered"},
		{"staged evidence edited", appendByte(t, staged), restore(t, staged), m.Staged[0].Path + ": altered"},
		{"file slipped into a partition", func() {
			os.WriteFile(filepath.Join(filepath.Dir(published), "part-9.parquet"), []byte("x"), 0o644)
		}, func() { os.Remove(filepath.Join(filepath.Dir(published), "part-9.parquet")) }, "part-9.parquet: not listed in the manifest"},
		{"staged file removed", func() { os.Rename(staged, staged+".gone") }, func() { os.Rename(staged+".gone", staged) }, m.Staged[0].Path + ": missing"},
		{"earlier manifest rewritten", appendByte(t, filepath.Join(h.dir, "snapshots", "2026-11-21", "manifest.json")),
			restore(t, filepath.Join(h.dir, "snapshots", "2026-11-21", "manifest.json")), "2026-11-28: out of chain"},
	}
	for _, tc := range tamper {
		tc.do()
		_, findings, err := load.Verify(h.dir, "")
		tc.undo()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var texts []string
		for _, f := range findings {
			texts = append(texts, f.String())
		}
		// The staged activity file of the first snapshot is evidence of
		// the second too (its activity window), so it may be named twice.
		if len(findings) == 0 || len(findings) > 2 {
			t.Errorf("%s: findings %q, want one or two containing %q", tc.name, texts, tc.expect)
		}
		for _, f := range texts {
			if !strings.Contains(f, tc.expect) {
				t.Errorf("%s: finding %q does not contain %q", tc.name, f, tc.expect)
			}
		}
	}
	if _, findings, _ := load.Verify(h.dir, ""); len(findings) != 0 {
		t.Fatalf("after restoring: %v", findings)
	}
}

var originals = map[string][]byte{}

// appendByte alters a file in place; restore puts its original bytes back.
func appendByte(t *testing.T, path string) func() {
	return func() {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		originals[path] = b
		os.WriteFile(path, append(append([]byte(nil), b...), ' '), 0o644)
	}
}

func restore(t *testing.T, path string) func() {
	return func() {
		if err := os.WriteFile(path, originals[path], 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type recordingProgress struct {
	mu    sync.Mutex
	last  map[string]ProgressState
	done  map[string]error
	calls int
}

func (r *recordingProgress) Connector(name, typ string) ConnectorProgress {
	return progressFunc{r: r, name: name}
}

type progressFunc struct {
	r    *recordingProgress
	name string
}

func (p progressFunc) Update(s ProgressState) {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	p.r.last[p.name] = s
	p.r.calls++
}

func (p progressFunc) Done(err error) {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	p.r.done[p.name] = err
}

// TestProgressFollowsExtract: a progress display sees every connector finish
// with the totals the run record holds, and failures as failures.
func TestProgressFollowsExtract(t *testing.T) {
	date := mustDate(t, "2026-11-28")
	tn := startTenant(t, "acme.okta.com", 61, 300, date)
	h := newHarness(t)
	h.add("okta-ok", tn, tn.sim.Token())
	h.add("okta-bad", tn, "wrong-token")
	o := h.options("2026-11-28")
	rp := &recordingProgress{last: map[string]ProgressState{}, done: map[string]error{}}
	o.Progress = rp
	sum := h.execute(StageExtract, o)
	var rows int64
	for _, c := range sum.Connectors {
		if c.Name == "okta-ok" {
			for _, n := range c.Rows {
				rows += n
			}
		}
	}
	if err, ok := rp.done["okta-ok"]; !ok || err != nil {
		t.Errorf("okta-ok done = %v, %v", err, ok)
	}
	if err := rp.done["okta-bad"]; err == nil {
		t.Error("okta-bad reported success to the progress display")
	}
	if got := rp.last["okta-ok"]; got.Total != rows || got.Requests == 0 || got.Entity != "activity" {
		t.Errorf("last update %+v, want total %d after the last entity", got, rows)
	}
	if rp.calls < 5 {
		t.Errorf("%d updates for %d records", rp.calls, rows)
	}
}

// TestBeforeExtractFailsOnlyItsInstance: the hook runs once per instance
// before its extraction, and its error fails that instance alone, named in
// the instance's error, with nothing staged for it.
func TestBeforeExtractFailsOnlyItsInstance(t *testing.T) {
	h := newHarness(t)
	for i, name := range []string{"okta-us", "okta-emea"} {
		tn := startTenant(t, strings.TrimPrefix(name, "okta-")+".okta.com", int64(11+i), 40, mustDate(t, "2026-11-28"))
		h.add(name, tn, tn.sim.Token())
	}
	o := h.options("2026-11-28")
	var mu sync.Mutex
	var called []string
	o.BeforeExtract = func(ctx context.Context, connector string) error {
		mu.Lock()
		called = append(called, connector)
		mu.Unlock()
		if connector == "okta-emea" {
			return errors.New("vendor still starting")
		}
		return nil
	}
	sum := h.execute(StageExtract, o)
	slices.Sort(called)
	if !slices.Equal(called, []string{"okta-emea", "okta-us"}) {
		t.Errorf("hook called for %v, want each instance once", called)
	}
	byName := map[string]ConnectorSummary{}
	for _, c := range sum.Connectors {
		byName[c.Name] = c
	}
	if c := byName["okta-us"]; c.Status != StatusOK {
		t.Errorf("okta-us: %s %s", c.Status, c.Error)
	}
	if c := byName["okta-emea"]; c.Status == StatusOK || !strings.Contains(c.Error, "okta-emea: vendor still starting") {
		t.Errorf("okta-emea: %s %q, want failed with the hook's error", c.Status, c.Error)
	}
	if files, _ := filepath.Glob(filepath.Join(h.dir, "staging", "2026-11-28", "okta-emea", "*.parquet")); len(files) > 0 {
		t.Errorf("staged for the instance that did not start: %v", files)
	}
}
