package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/synth"
)

// TestReportCommand runs the report command the way a user does: after a
// run, from the config alone, and with the mistakes a user makes.
func TestReportCommand(t *testing.T) {
	date := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	org := synth.Generate(synth.Params{Seed: 7, People: 30, Date: date, Epoch: date})
	sim := oktasim.New(org, oktasim.Options{})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cfg, dataDir := simConfig(t, sim, url)
	env := map[string]string{"SIM_OKTA_TOKEN": sim.Token()}

	// Before anything is published there is nothing to report on.
	out := filepath.Join(t.TempDir(), "out", "report.html")
	if code, _, stderr := runCLI(t, env, "report", "--config", cfg, "--out", out); code != exitUsage || !strings.Contains(stderr, "no published snapshot") {
		t.Fatalf("report before a run: exit %d %s", code, stderr)
	}
	if code, stdout, stderr := runCLI(t, env, "run", "--config", cfg, "--snapshot-date", "2026-11-28"); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr := runCLI(t, env, "report", "--config", cfg, "--out", out)
	if code != exitOK || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("report: exit %d\n%s\n%s", code, stdout, stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<title>SaaS licenses and usage — snapshot 2026-11-28</title>", `id="report-data"`, "okta-prod"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report lacks %q", want)
		}
	}

	// --data-dir alone is enough: no config, so no secrets needed.
	other := filepath.Join(t.TempDir(), "r.html")
	if code, _, stderr := runCLI(t, nil, "report", "--data-dir", dataDir, "--snapshot", "2026-11-28", "--out", other); code != exitOK {
		t.Fatalf("report --data-dir: exit %d %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "--data-dir", dataDir, "--snapshot", "2026-01-01"}, "sealed snapshots: 2026-11-28"},
		{[]string{"report", "--data-dir", dataDir, "extra"}, "unexpected argument"},
		{[]string{"report", "--no-such-flag"}, "flag provided but not defined"},
	} {
		if code, _, stderr := runCLI(t, nil, c.args...); code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 saying %q", c.args, code, stderr, c.want)
		}
	}
}
