package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/synth"
)

// runTimeout bounds one connector run: far above what a run with tiny
// backoffs takes, so reaching it means a hang.
const runTimeout = 45 * time.Second

// attemptTimeout is the connectors' per-attempt timeout in the suite.
const attemptTimeout = 2 * time.Second

// day is the simulated organisation's snapshot date.
var day = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)

// result is one vendor × fault run.
type result struct {
	vendor, fault string
	injected      int
	completed     bool
	failedCleanly bool
	lost          int // truth ids missing from what was staged
	err           string
}

// tally is the suite's table, filled by parallel vendor subtests.
type tally struct {
	mu      sync.Mutex
	results []result
}

func (t *tally) add(r result) {
	t.mu.Lock()
	t.results = append(t.results, r)
	t.mu.Unlock()
}

func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos suite: not in -short")
	}
	org := synth.Generate(synth.Params{Seed: 8, People: 40, Date: day})
	reset, stop, err := resetListener(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	var tl tally
	t.Run("vendors", func(t *testing.T) {
		for _, v := range vendors {
			t.Run(v.typ, func(t *testing.T) {
				t.Parallel()
				typ, ok := registry.Lookup(v.typ)
				if !ok {
					t.Fatalf("connector type %s is not registered", v.typ)
				}
				vorg := org
				if v.people > 0 {
					vorg = synth.Generate(synth.Params{Seed: 8, People: v.people, Date: day})
				}
				tg := v.start(t, vorg)
				for _, f := range faults {
					t.Run(strings.ReplaceAll(f.name, " ", "_"), func(t *testing.T) {
						r := runFault(t, vorg, v, typ, tg, f, reset)
						tl.add(r)
					})
				}
				if u := tg.unexpected(); len(u) > 0 {
					t.Errorf("%s simulator saw unexpected requests: %q", v.typ, u)
				}
			})
		}
	})
	report(t, tl.results)
}

// runFault reads every compared entity of v through one fault and checks
// the outcome.
func runFault(t *testing.T, org *synth.Org, v vendor, typ extract.Type, tg target, f fault, reset string) (res result) {
	res = result{vendor: v.typ, fault: f.name}
	base := http.DefaultTransport.(*http.Transport).Clone()
	defer base.CloseIdleConnections()
	inj := newInjector(f.name, base, reset)
	defer func() {
		inj.mu.Lock()
		res.injected = inj.injected
		inj.mu.Unlock()
		if p := recover(); p != nil {
			t.Errorf("%s under %q panicked: %v", v.typ, f.name, p)
		}
		if res.injected == 0 {
			t.Errorf("%q found nothing to act on in %s's requests: the run proves nothing", f.name, v.typ)
		}
	}()
	env := extract.Env{
		Logger:     slog.New(slog.DiscardHandler),
		Now:        org.End,
		Capability: func(string, bool, string) {},
		HTTP: func(o httpx.Options) *http.Client {
			o.Transport = inj
			o.MaxRetries = 5
			o.BaseBackoff = 2 * time.Millisecond
			o.MaxBackoff = 20 * time.Millisecond
			// Far above a page's time even under -race on a loaded
			// machine, so that only the injected stalls time out.
			o.Timeout = attemptTimeout
			return httpx.New(o)
		},
	}
	settings := extract.Settings{}
	for _, s := range typ.Settings {
		if s.Default != nil {
			settings[s.Name] = s.Default
		}
	}
	for k, val := range tg.settings {
		settings[k] = val
	}
	conn, err := typ.New(extract.Instance{Name: "chaos-" + strings.ReplaceAll(v.typ, "_", "-"), Type: v.typ, Settings: settings}, env)
	if err != nil {
		t.Fatalf("configuring %s: %v", v.typ, err)
	}
	dir := t.TempDir()
	ents := conn.Entities()
	staged := map[string][]stage.Row{}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	for _, want := range v.entities {
		i := slices.IndexFunc(ents, func(e extract.Entity) bool { return e.Name == want })
		if i < 0 {
			t.Fatalf("%s has no entity %s", v.typ, want)
		}
		rows, err := stageEntity(ctx, dir, v.typ, ents[i])
		if err != nil {
			res.err = err.Error()
			checkFailure(t, dir, typ, v, tg, f, inj, ents[i].Name, err, &res)
			return res
		}
		staged[want] = rows
	}
	res.completed = true
	expect := f.expect
	if !tg.refreshes && f.statics != mustComplete {
		expect = f.statics
	}
	if expect == mustFail && inj.injected > 0 {
		t.Errorf("%s completed under %q although it must fail: the injected fault went unnoticed", v.typ, f.name)
	}
	for _, ent := range v.entities {
		res.lost += compare(t, v.typ, ent, tg.truth(ent), staged[ent])
	}
	return res
}

// stageEntity fetches ent into a stage writer under dir, committing on
// success and aborting on failure, as the pipeline does.
func stageEntity(ctx context.Context, dir, typ string, ent extract.Entity) ([]stage.Row, error) {
	w, err := stage.Create(dir, stage.Envelope{SnapshotID: "chaos", Connector: typ, ConnectorType: typ, Tenant: "t", Entity: ent.Name}, nil)
	if err != nil {
		return nil, err
	}
	if _, err := ent.Fetch(ctx, "", w); err != nil {
		w.Abort()
		return nil, err
	}
	if ctx.Err() != nil {
		w.Abort()
		return nil, fmt.Errorf("%s %s: run did not finish within %s: %w", typ, ent.Name, runTimeout, ctx.Err())
	}
	path, err := w.Commit()
	if err != nil {
		return nil, err
	}
	return parquet.ReadFile[stage.Row](path)
}

// checkFailure decides whether a failed run failed cleanly: allowed for
// this fault, within the time bound, its message naming vendor, endpoint
// and the injected cause, and no staged or temporary file of the entity.
func checkFailure(t *testing.T, dir string, typ extract.Type, v vendor, tg target, f fault, inj *injector, entity string, err error, res *result) {
	t.Helper()
	expect := f.expect
	if !tg.refreshes && f.statics != mustComplete {
		expect = f.statics
	}
	msg := strings.ToLower(err.Error())
	var problems []string
	if expect == mustComplete {
		problems = append(problems, "the fault is one the connector must ride out")
	}
	if errors.Is(err, context.DeadlineExceeded) && strings.Contains(msg, "did not finish") {
		problems = append(problems, "it hung")
	}
	if !strings.Contains(msg, strings.ToLower(v.typ)) && !strings.Contains(msg, strings.ToLower(typ.Vendor)) {
		problems = append(problems, "the message names no vendor")
	}
	inj.mu.Lock()
	namesEndpoint := false
	for p := range inj.paths {
		if p != "" && p != "/" && strings.Contains(err.Error(), p) {
			namesEndpoint = true
		}
	}
	inj.mu.Unlock()
	if !namesEndpoint {
		problems = append(problems, "the message names no endpoint path")
	}
	if len(f.cause) > 0 && !slices.ContainsFunc(f.cause, func(c string) bool { return strings.Contains(msg, c) }) {
		problems = append(problems, fmt.Sprintf("the message names none of the causes %q", f.cause))
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*", "*", entity+".parquet*"))
	if len(left) > 0 {
		problems = append(problems, fmt.Sprintf("files left behind: %q", left))
	}
	if len(problems) > 0 {
		t.Errorf("%s under %q failed uncleanly (%s): %v", v.typ, f.name, strings.Join(problems, "; "), err)
		return
	}
	res.failedCleanly = true
}

// compare checks that the staged ids equal the truth as a set (duplicates
// are allowed: deduplication is the SQL's job) and that every row is a
// whole record; it returns how many truth ids are missing.
func compare(t *testing.T, typ, entity string, truth []string, rows []stage.Row) int {
	t.Helper()
	if len(truth) == 0 {
		t.Errorf("%s %s: the simulator's truth is empty, the comparison would prove nothing", typ, entity)
	}
	got := map[string]bool{}
	for _, r := range rows {
		if r.SourceID == "" {
			t.Errorf("%s %s: a staged record has an empty source id", typ, entity)
		}
		if !json.Valid(r.Payload) {
			t.Errorf("%s %s %s: staged payload is not JSON", typ, entity, r.SourceID)
		}
		got[r.SourceID] = true
	}
	lost := 0
	for _, id := range truth {
		if !got[id] {
			lost++
		}
	}
	want := map[string]bool{}
	for _, id := range truth {
		want[id] = true
	}
	var extra []string
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	if lost > 0 || len(extra) > 0 {
		t.Errorf("%s %s: %d of %d ids lost, %d not in the simulator (%.5q)", typ, entity, lost, len(truth), len(extra), extra)
	}
	return lost
}

// report prints the table: per fault, the vendors it was injected into,
// runs completed, records lost and connectors failed cleanly.
func report(t *testing.T, results []result) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-28s %9s %9s %9s %13s\n", "fault", "injected", "completed", "lost", "failed_clean")
	var inj, done, lost, clean, runs int
	for _, f := range faults {
		var fi, fd, fl, fc int
		for _, r := range results {
			if r.fault != f.name {
				continue
			}
			runs++
			if r.injected > 0 {
				fi++
			}
			if r.completed {
				fd++
			}
			if r.failedCleanly {
				fc++
			}
			fl += r.lost
		}
		fmt.Fprintf(&b, "%-28s %9d %9d %9d %13d\n", f.name, fi, fd, fl, fc)
		inj, done, lost, clean = inj+fi, done+fd, lost+fl, clean+fc
	}
	t.Log(b.String())
	var notInjected []string
	for _, r := range results {
		if r.injected == 0 {
			notInjected = append(notInjected, r.vendor+"/"+r.fault)
		}
	}
	if len(notInjected) > 0 {
		t.Logf("faults that found nothing to act on: %s", strings.Join(notInjected, ", "))
	}
	fmt.Fprintf(os.Stdout, "chaos: %d faults × %d vendors = %d runs, faults injected in %d, completed %d, records lost %d, failed cleanly %d\n",
		len(faults), len(vendors), runs, inj, done, lost, clean)
}
