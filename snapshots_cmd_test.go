package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/synth"
)

// TestSnapshotsCommands drives 'saaspipe snapshots' over two published days
// of an evolving organisation: list, show, diff in every format (the same
// changes in each), a rebuild proof, a replacement and a prune that verify
// still accepts.
func TestSnapshotsCommands(t *testing.T) {
	// Two weeks apart, so that people join and leave in between.
	today, _ := time.Parse(time.DateOnly, crashDates[1])
	d0, d1 := today.AddDate(0, 0, -14).Format(time.DateOnly), crashDates[1]
	w := &crashWorld{dir: t.TempDir(), urls: map[string]string{}}
	for _, d := range []string{d0, d1} {
		date, _ := time.Parse(time.DateOnly, d)
		sim := oktasim.New(synth.Generate(synth.Params{Seed: 79, People: 80, Date: date, Epoch: today}), oktasim.Options{Token: "crash-test-token"})
		url, err := sim.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		w.urls[d] = url
	}
	t.Setenv("CRASH_OKTA_TOKEN", "crash-test-token")
	cfg := w.config(t, w.dir, d0)
	if code, _, stderr := runCLI(t, nil, "run", "--config", cfg, "--snapshot-date", d0); code != exitOK {
		t.Fatalf("run %s: exit %d\n%s", d0, code, stderr)
	}
	cfg = w.config(t, w.dir, d1)
	if code, _, stderr := runCLI(t, nil, "run", "--config", cfg, "--snapshot-date", d1); code != exitOK {
		t.Fatalf("run %s: exit %d\n%s", d1, code, stderr)
	}
	cli := func(want int, args ...string) string {
		t.Helper()
		code, stdout, stderr := runCLI(t, nil, append([]string{"snapshots"}, append(args, "--config", cfg)...)...)
		if code != want {
			t.Fatalf("snapshots %v: exit %d, want %d\n%s\n%s", args, code, want, stdout, stderr)
		}
		return stdout
	}
	if out := cli(exitOK, "list"); !strings.Contains(out, d0) || !strings.Contains(out, d1) {
		t.Errorf("list:\n%s", out)
	}
	if out := cli(exitOK, "show", d1); !strings.Contains(out, "STAGED EVIDENCE") || !strings.Contains(out, "staging/"+d1+"/okta/users.parquet") {
		t.Errorf("show:\n%s", out)
	}

	table := cli(exitOK, "diff", d0, d1)
	var js struct {
		Changes []struct{ Section, Change, ID string }
	}
	if err := json.Unmarshal([]byte(cli(exitOK, "diff", "--format", "json", d0, d1)), &js); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(strings.NewReader(cli(exitOK, "diff", "--format", "csv", d0, d1))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(t.TempDir(), "diff.parquet")
	cli(exitOK, "diff", "--format", "parquet", "--output", pq, d0, d1)
	head, _ := os.ReadFile(pq)
	if len(js.Changes) == 0 || len(records) != len(js.Changes)+1 || !strings.Contains(table, "Changes from "+d0+" to "+d1) ||
		len(head) < 4 || string(head[:4]) != "PAR1" {
		t.Fatalf("diff: %d json changes, %d csv records, parquet %d bytes, table:\n%s", len(js.Changes), len(records), len(head), table)
	}
	for i, c := range js.Changes {
		if r := records[i+1]; r[0] != c.Section || r[1] != c.Change || r[2] != c.ID {
			t.Errorf("change %d: csv %v, json %+v", i, r, c)
		}
		if c.Section != "cost" && !strings.Contains(table, c.Section+" ") {
			t.Errorf("table lacks section %s", c.Section)
		}
	}
	cli(exitUsage, "diff", "--format", "xml", d0, d1)

	if out := cli(exitOK, "verify", "--rebuild", d1); !strings.Contains(out, "identical") {
		t.Errorf("verify --rebuild:\n%s", out)
	}
	cli(exitUsage, "replace", d0)
	cli(exitOK, "replace", d0, "--reason", "re-published after a transform fix")
	if out := cli(exitOK, "list"); !strings.Contains(out, d0+".r2") || !strings.Contains(out, "replaced") {
		t.Errorf("list after replace:\n%s", out)
	}
	cli(exitUsage, "prune")
	if out := cli(exitOK, "prune", "--keep-days", "0"); !strings.Contains(out, "pruned "+d0) {
		t.Errorf("prune:\n%s", out)
	}
	if out := cli(exitOK, "verify"); !strings.Contains(out, "ok: 3 snapshots verified") {
		t.Errorf("verify after prune:\n%s", out)
	}
	if out := cli(exitOK, "list"); !strings.Contains(out, "pruned published+staged") {
		t.Errorf("list after prune:\n%s", out)
	}
}
