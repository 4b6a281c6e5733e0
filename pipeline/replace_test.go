package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/saaspipe/saaspipe/load"
)

// TestRunReplaceReextracts replaces a sealed date by re-extracting: the
// selected connector is staged into staging/DATE.r2/, the others keep the
// sealed evidence, the sealed revision's files are untouched, a failed
// re-extract keeps the replaced evidence marked stale (exit 3), the
// per-stage flow an orchestrator uses works the same, and later snapshots
// read each date's current revision once.
func TestRunReplaceReextracts(t *testing.T) {
	const d1, d2, d3 = "2026-11-07", "2026-11-14", "2026-11-21"
	dir := t.TempDir()
	ta := startTenant(t, "a.okta.com", 81, 60, mustDate(t, d1))
	tb := startTenant(t, "b.okta.com", 82, 40, mustDate(t, d1))
	h := &harness{t: t, dir: dir, env: map[string]string{}, yaml: "version: 1\nconnectors:\n"}
	h.add("okta-a", ta, ta.sim.Token())
	h.add("okta-b", tb, tb.sim.Token())
	for _, d := range []string{d1, d2} {
		if sum := h.execute(StageRun, h.options(d)); sum.Status != StatusOK {
			t.Fatalf("%s: %s %v", d, sum.Status, sum.Errors)
		}
	}
	sealed := treeHashes(t, filepath.Join(dir, "staging", d1))
	published := treeHashes(t, filepath.Join(dir, "published"))
	accounts := func(part string) string {
		return h.scalar(`select count(*) from read_parquet('$DATA/published/accounts/snapshot_date=` + d1 + `/` + part + `') where list_contains(connectors, 'okta-a')`)
	}
	before := accounts("part-0.parquet")

	// okta-a's tenant has grown since; re-extract it alone.
	grown := startTenant(t, "a.okta.com", 81, 75, mustDate(t, d1))
	h2 := &harness{t: t, dir: dir, env: map[string]string{}, yaml: "version: 1\nconnectors:\n"}
	h2.add("okta-a", grown, grown.sim.Token())
	h2.add("okta-b", tb, "revoked-token")
	o := h2.options(d1)
	o.Connectors = []string{"okta-a"}
	if _, err := Execute(context.Background(), StageRun, withReplace(o, " ")); !IsUsage(err) {
		t.Fatalf("run --replace without a reason: %v, want a usage error", err)
	}
	sum := h2.execute(StageRun, withReplace(o, "okta-a was read with a broken filter"))
	if sum.Status != StatusOK || !strings.HasSuffix(sum.Manifest, filepath.Join(d1+".r2", "manifest.json")) {
		t.Fatalf("run --replace: %s %s %v", sum.Status, sum.Manifest, sum.Errors)
	}
	if got := treeHashes(t, filepath.Join(dir, "staging", d1)); !mapsEqual(got, sealed) {
		t.Errorf("the sealed revision's staged evidence changed during the replacement")
	}
	for path, sum := range published {
		if now := treeHashes(t, filepath.Join(dir, "published"))[path]; now != sum {
			t.Errorf("published file %s changed during the replacement", path)
		}
	}
	m, err := load.Resolve(dir, d1)
	if err != nil || m.SnapshotID != d1+".r2" || m.Replacement == nil || m.Replacement.Replaces != d1 {
		t.Fatalf("current revision of %s: %+v %v", d1, m, err)
	}
	assertEvidence(t, m, map[string]string{"okta-a": "staging/" + d1 + ".r2/okta-a/", "okta-b": "staging/" + d1 + "/okta-b/"})
	if after := accounts("part-0.r2.parquet"); after == before || accounts("part-0.parquet") != before {
		t.Errorf("okta-a accounts: r1 %s, r2 %s (r1 now %s); want r2 to hold the re-extracted tenant and r1 unchanged", before, after, accounts("part-0.parquet"))
	}

	// The per-stage flow with a re-extract that fails: okta-b keeps the
	// evidence of the revision it replaces, marked stale, exit 3.
	o = h2.options(d1)
	o.Connectors = []string{"okta-b"}
	o = withReplace(o, "okta-b token rotated")
	if sum := h2.execute(StageExtract, o); sum.Status != StatusFailed {
		t.Fatalf("extract --replace with a revoked token: %s", sum.Status)
	}
	h2.execute(StageTransform, o)
	sum = h2.execute(StageLoad, o)
	if sum.ExitCode() != 3 || !strings.HasSuffix(sum.Manifest, filepath.Join(d1+".r3", "manifest.json")) {
		t.Fatalf("load --replace after a failed re-extract: exit %d, manifest %s", sum.ExitCode(), sum.Manifest)
	}
	m, _ = load.Resolve(dir, d1)
	assertEvidence(t, m, map[string]string{"okta-a": "staging/" + d1 + ".r2/okta-a/", "okta-b": "staging/" + d1 + "/okta-b/"})
	for _, c := range m.Connectors {
		if c.Connector == "okta-b" && (!c.Stale || c.DataAsOf == nil || c.DataAsOf.Format("2006-01-02") != d1) {
			t.Errorf("okta-b after a failed re-extract: %+v, want stale with data_as_of %s", c, d1)
		}
	}
	if _, findings, err := load.Verify(dir, ""); err != nil || len(findings) != 0 {
		t.Fatalf("verify after the replacements: %v %v", findings, err)
	}
	if m, findings, err := load.Rebuild(context.Background(), dir, d1, t.TempDir()); err != nil || len(findings) != 0 {
		t.Fatalf("rebuild of %v: %v %v", m, findings, err)
	}

	// Without --replace a sealed date is still a no-op.
	if sum := h2.execute(StageRun, h2.options(d1)); sum.Status != StatusAlreadyPublished {
		t.Errorf("run of a sealed date: %s, want %s", sum.Status, StatusAlreadyPublished)
	}

	// A later date reads d1 through its current revision, once.
	o = h.options(d3)
	ins, _, err := gatherInputs(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range ins {
		var fromD1 []string
		for _, f := range ci.files {
			if rel, _ := filepath.Rel(dir, f.Path); strings.HasPrefix(rel, filepath.Join("staging", d1)) {
				fromD1 = append(fromD1, rel)
			}
		}
		want := filepath.Join("staging", d1)
		if ci.latest.Connector == "okta-a" {
			want += ".r2"
		}
		for _, p := range fromD1 {
			if filepath.Dir(filepath.Dir(p)) != want {
				t.Errorf("%s at %s reads %s; want only %s", ci.latest.Connector, d3, p, want)
			}
		}
		if len(fromD1) != len(o.incremental("okta")) {
			t.Errorf("%s at %s reads %d files of %s, want one per incremental entity: %v", ci.latest.Connector, d3, len(fromD1), d1, fromD1)
		}
	}
}

// assertEvidence checks that each connector's staged evidence in m lies
// under the given folder.
func assertEvidence(t *testing.T, m *load.Manifest, want map[string]string) {
	t.Helper()
	seen := map[string]int{}
	for _, s := range m.Staged {
		prefix, ok := want[s.Connector]
		if !ok {
			continue
		}
		seen[s.Connector]++
		if !strings.HasPrefix(s.Path, prefix) {
			t.Errorf("%s: evidence %s, want it under %s", m.SnapshotID, s.Path, prefix)
		}
	}
	for c := range want {
		if seen[c] == 0 {
			t.Errorf("%s lists no evidence of %s", m.SnapshotID, c)
		}
	}
}

// TestExtractLockHeldLeavesRecord: a run that finds an instance's extract
// lock held (another run is extracting it) fails that connector without
// touching the running one's run record.
func TestExtractLockHeldLeavesRecord(t *testing.T) {
	dir := t.TempDir()
	ta := startTenant(t, "a.okta.com", 81, 20, mustDate(t, "2026-11-07"))
	h := &harness{t: t, dir: dir, env: map[string]string{}, yaml: "version: 1\nconnectors:\n"}
	h.add("okta-a", ta, ta.sim.Token())
	o := h.options("2026-11-07")
	if sum := h.execute(StageExtract, o); sum.Status != StatusOK {
		t.Fatalf("extract: %s %v", sum.Status, sum.Errors)
	}
	l := Layout{Root: dir}
	before, err := os.ReadFile(l.RunRecord("2026-11-07", "okta-a"))
	if err != nil {
		t.Fatal(err)
	}
	held, err := AcquireLock(l, "extract-okta-a")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	recs, err := Extract(context.Background(), o)
	if err != nil || len(recs) != 1 || recs[0].Status != StatusFailed || !strings.Contains(recs[0].Error, "locked") {
		t.Fatalf("extract under a held lock: %+v %v", recs, err)
	}
	if after, _ := os.ReadFile(l.RunRecord("2026-11-07", "okta-a")); string(after) != string(before) {
		t.Errorf("the held instance's run record was rewritten by the run that did not get its lock")
	}
}
