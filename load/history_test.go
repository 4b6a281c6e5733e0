package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/transform"
)

// historyWeek is the accounts table of one weekly snapshot: source_id ->
// status and email.
type historyWeek map[string][2]string

// TestHistorySCD2 folds weeks of accounts one snapshot at a time, each on
// the history file the previous fold wrote, and checks every version.
func TestHistorySCD2(t *testing.T) {
	ctx := context.Background()
	weeks := []historyWeek{
		{"a": {"active", "a@x"}, "b": {"active", "b@x"}},
		{"a": {"suspended", "a@x"}, "b": {"active", "b@x"}, "c": {"active", "c@x"}},
		{"a": {"suspended", "a@x"}, "c": {"active", "c@x"}},
		{"a": {"suspended", "a@x"}, "b": {"active", "b@x"}, "c": {"active", "c2@x"}},
	}
	want := []string{ // source_id valid_from valid_to is_current change_type changed_fields
		"a 2026-01-05 2026-01-12 false created []",
		"a 2026-01-12 - true changed [status]",
		"b 2026-01-05 2026-01-19 false created []",
		"b 2026-01-26 - true restored []",
		"c 2026-01-12 2026-01-26 false created []",
		"c 2026-01-26 - true changed [email]",
	}
	db, err := transform.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Empty tables of every followed dataset, with the columns history
	// reads, typed as documented.
	for i, h := range historySpecs {
		var cols []string
		for _, c := range HistoryDatasets[i].Columns[1 : 1+len(h.key)+len(h.tracked)] {
			cols = append(cols, c.Name+" "+c.Type)
		}
		if _, err := db.SQL().Exec(fmt.Sprintf("CREATE TABLE %s (%s)", h.source, strings.Join(cols, ", "))); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	var base *Manifest
	for w, week := range weeks {
		day := time.Date(2026, 1, 5+7*w, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		if _, err := db.SQL().Exec("DELETE FROM accounts"); err != nil {
			t.Fatal(err)
		}
		for id, v := range week {
			if _, err := db.SQL().Exec(`INSERT INTO accounts (vendor, product, tenant, source_id, account_id, status, email)
				VALUES ('Okta', 'WIC', 't', ?, 'acc-' || ?, ?, ?)`, id, id, v[0], v[1]); err != nil {
				t.Fatal(err)
			}
		}
		if err := buildHistory(ctx, db.SQL(), dir, base, day); err != nil {
			t.Fatalf("week %d: %v", w, err)
		}
		m := &Manifest{SnapshotID: day, SnapshotDate: day}
		for _, ds := range HistoryDatasets {
			f, err := writeDataset(ctx, db.SQL(), filepath.Join(dir, day), ds, "")
			if err != nil {
				t.Fatal(err)
			}
			f.Path = day + "/" + ds.Name + "/" + partFile
			m.Files = append(m.Files, f)
		}
		base = m
	}
	rows, err := db.SQL().Query(`SELECT source_id, valid_from::VARCHAR, coalesce(valid_to::VARCHAR, '-'), is_current, change_type, changed_fields::VARCHAR
		FROM accounts_history ORDER BY source_id, valid_from`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, from, to, typ, changed string
		var current bool
		if err := rows.Scan(&id, &from, &to, &current, &typ, &changed); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %s %v %s %s", id, from, to, current, typ, changed))
	}
	if !slices.Equal(got, want) {
		t.Errorf("accounts_history:\n got %q\nwant %q", got, want)
	}
	// A tampered base is refused, not folded into the next snapshot.
	f := filepath.Join(dir, filepath.FromSlash(base.Files[0].Path))
	b, _ := os.ReadFile(f)
	b[len(b)/2] ^= 1
	os.WriteFile(f, b, 0o644)
	if err := buildHistory(ctx, db.SQL(), dir, base, "2026-02-02"); err == nil || !strings.Contains(err.Error(), "does not match the manifest") {
		t.Errorf("history on a tampered base: %v", err)
	}
}

// TestHistoryColumnsMatchDocs: the published history files have exactly the
// documented columns, in order, with the documented types.
func TestHistoryColumnsMatchDocs(t *testing.T) {
	dataDir := t.TempDir()
	db, o := build(t, dataDir, day1, 40)
	if _, err := Publish(context.Background(), db.SQL(), o); err != nil {
		t.Fatal(err)
	}
	for _, ds := range HistoryDatasets {
		rows, err := db.SQL().Query("SELECT column_name, column_type FROM (DESCRIBE " + ds.Name + ")")
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for rows.Next() {
			var n, ty string
			rows.Scan(&n, &ty)
			got = append(got, n+" "+ty)
		}
		rows.Close()
		for _, c := range ds.Columns {
			want = append(want, c.Name+" "+c.Type)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s columns:\n got %v\nwant %v", ds.Name, got, want)
		}
	}
}

// TestReplacePruneVerifyRebuild walks one data directory through the
// lifecycle: two dates, a replacement of the first, a rebuild proof,
// tampering of each kind, a prune, and a publish after the prune.
func TestReplacePruneVerifyRebuild(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	day2 := day1.AddDate(0, 0, 7)
	db1, o1 := build(t, dataDir, day1, 60)
	if _, err := Publish(ctx, db1.SQL(), o1); err != nil {
		t.Fatal(err)
	}
	db2, o2 := build(t, dataDir, day2, 70)
	m2, err := Publish(ctx, db2.SQL(), o2)
	if err != nil {
		t.Fatal(err)
	}
	if m2.HistoryBase != o1.SnapshotID || m2.Sequence != 2 {
		t.Errorf("second snapshot: history base %q sequence %d", m2.HistoryBase, m2.Sequence)
	}

	// Rebuild proof of the second snapshot: same bytes from the evidence.
	if _, findings, err := Rebuild(ctx, dataDir, o2.SnapshotID, t.TempDir()); err != nil || len(findings) != 0 {
		t.Fatalf("rebuild of %s: %v %v", o2.SnapshotID, findings, err)
	}

	// Replacing needs the flag and a reason, then appends revision 2.
	if _, err := Publish(ctx, db1.SQL(), o1); !errors.Is(err, ErrSealed) {
		t.Fatalf("publishing a sealed date again: %v", err)
	}
	r := o1
	r.Replace, r.Actor = true, Actor{User: "auditor", Host: "box"}
	if _, err := Publish(ctx, db1.SQL(), r); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("replacing without a reason: %v", err)
	}
	r.Reason = "okta-b read the wrong tenant"
	before := treeOf(t, dataDir)
	m1r2, err := Publish(ctx, db1.SQL(), r)
	if err != nil {
		t.Fatal(err)
	}
	if m1r2.SnapshotID != "2026-04-01.r2" || m1r2.Revision != 2 || m1r2.Sequence != 3 || m1r2.PreviousSnapshotID != o2.SnapshotID ||
		m1r2.Replacement == nil || m1r2.Replacement.Replaces != o1.SnapshotID || m1r2.Replacement.User != "auditor" || m1r2.Replacement.Reason != r.Reason {
		t.Errorf("replacement manifest: %+v %+v", m1r2, m1r2.Replacement)
	}
	for p, sum := range before {
		if after := treeOf(t, dataDir)[p]; after != sum && !strings.HasSuffix(p, catalogName) {
			t.Errorf("replacing rewrote %s", p)
		}
	}
	cat := openCatalog(t, dataDir)
	acc1, _ := m1r2.File("accounts")
	acc2, _ := m2.File("accounts")
	if got := count(t, cat, "SELECT count(*) FROM accounts"); got != acc1.Rows+acc2.Rows {
		t.Errorf("accounts view: %d rows, want %d (the current revision of each date, once)", got, acc1.Rows+acc2.Rows)
	}
	if got := count(t, cat, "SELECT count(*) FROM current_accounts WHERE snapshot_date = DATE '2026-04-08'"); got != acc2.Rows {
		t.Errorf("current_accounts: %d rows, want the latest date's %d", got, acc2.Rows)
	}
	if got := count(t, cat, "SELECT count(*) FROM accounts_history WHERE is_current"); got != acc2.Rows {
		t.Errorf("accounts_history: %d current versions, want %d", got, acc2.Rows)
	}
	cat.Close()
	if _, findings, err := Verify(dataDir, ""); err != nil || len(findings) != 0 {
		t.Fatalf("after the replacement: %v %v", findings, err)
	}

	// Rebuild detects a snapshot its inputs do not produce: published with a
	// threshold the transform never used.
	other := t.TempDir()
	dbx, ox := build(t, other, day1, 60)
	ox.Input.ActivityThresholdDays = 7
	if _, err := Publish(ctx, dbx.SQL(), ox); err != nil {
		t.Fatal(err)
	}
	if _, findings, err := Rebuild(ctx, other, ox.SnapshotID, t.TempDir()); err != nil || !slices.ContainsFunc(findings, func(f Finding) bool {
		return strings.Contains(f.String(), "published/accounts/snapshot_date=2026-04-01/part-0.parquet: rebuilt differently")
	}) {
		t.Errorf("rebuild of a snapshot its inputs do not give: %v %v", findings, err)
	}

	// Tampering of each kind is found and named.
	hist, _ := m2.File("accounts_history")
	staged := m2.Staged[0].Path
	manifest1r2 := filepath.Join(dataDir, "snapshots", m1r2.SnapshotID, "manifest.json")
	tamper := []struct {
		name   string
		do     func(path string) error
		path   string
		expect string
	}{
		{"one byte flipped", flipByte, hist.Path, hist.Path + ": altered"},
		{"staged file deleted", os.Remove, staged, staged + ": missing"},
		{"inputs deleted", os.Remove, m2.Inputs.Path, m2.Inputs.Path + ": missing"},
		{"second manifest edited", editVersion, "snapshots/" + o2.SnapshotID + "/manifest.json", "2026-04-01.r2: out of chain"},
		{"second manifest deleted", os.Remove, "snapshots/" + o2.SnapshotID + "/manifest.json", "2026-04-01.r2: out of chain"},
	}
	for _, tc := range tamper {
		full := filepath.Join(dataDir, filepath.FromSlash(tc.path))
		orig, err := os.ReadFile(full)
		if err != nil {
			t.Fatal(err)
		}
		if err := tc.do(full); err != nil {
			t.Fatal(err)
		}
		_, findings, err := Verify(dataDir, "")
		os.WriteFile(full, orig, 0o644)
		if err != nil || len(findings) == 0 || slices.ContainsFunc(findings, func(f Finding) bool { return !strings.Contains(f.String(), tc.expect) }) {
			t.Errorf("%s: findings %v (err %v), want each naming %q", tc.name, findings, err, tc.expect)
		}
	}
	if _, findings, _ := Verify(dataDir, ""); len(findings) != 0 {
		t.Fatalf("after restoring: %v", findings)
	}

	// Prune the staged evidence before day2 (day1's, shared by both of its
	// revisions, once): published files stay readable, rebuilds are gone.
	rec, err := Prune(ctx, dataDir, PruneOptions{KeepDays: 0, StagedOnly: true, Now: day2, Actor: Actor{User: "ops"}})
	if err != nil || rec == nil || len(rec.Snapshots) != 1 || len(rec.Snapshots[0].Removed) != len(o1.Staged) || rec.Sequence != 4 {
		t.Fatalf("staged-only prune: %+v %v", rec, err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, filepath.FromSlash(o1.Staged[0].Path))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a pruned staged file is still there: %v", err)
	}
	if _, findings, err := Verify(dataDir, ""); err != nil || len(findings) != 0 {
		t.Fatalf("after the staged-only prune: %v %v", findings, err)
	}
	if _, _, err := Rebuild(ctx, dataDir, o1.SnapshotID, t.TempDir()); err == nil || !strings.Contains(err.Error(), "pruned") {
		t.Errorf("rebuild of a pruned snapshot: %v", err)
	}
	cat = openCatalog(t, dataDir)
	if got := count(t, cat, "SELECT count(DISTINCT snapshot_date) FROM accounts"); got != 2 {
		t.Errorf("the catalog reads %d dates after a staged-only prune, want 2", got)
	}
	cat.Close()

	// Prune everything before day2: both revisions of day1 go, day2 stays.
	rec, err = Prune(ctx, dataDir, PruneOptions{KeepDays: 0, Now: day2, Actor: Actor{User: "ops"}})
	if err != nil || rec == nil || len(rec.Snapshots) != 2 || rec.Sequence != 5 {
		t.Fatalf("prune: %+v %v", rec, err)
	}
	if _, findings, err := Verify(dataDir, ""); err != nil || len(findings) != 0 {
		t.Fatalf("after the prune: %v %v", findings, err)
	}
	all, _ := Snapshots(dataDir)
	if len(all) != 3 || !slices.Contains(all[0].Pruned, "published") || len(all[2].Pruned) != 0 {
		t.Errorf("snapshots after the prune: %+v", all)
	}
	cat = openCatalog(t, dataDir)
	if got := count(t, cat, "SELECT count(DISTINCT snapshot_date) FROM accounts"); got != 1 {
		t.Errorf("the catalog still reads %d dates after pruning one", got)
	}
	cat.Close()
	if again, err := Prune(ctx, dataDir, PruneOptions{KeepDays: 0, Now: day2}); err != nil || again != nil {
		t.Errorf("pruning again: %+v %v, want nothing to do", again, err)
	}
	// Editing a record before the prune record breaks the chain there.
	orig, _ := os.ReadFile(manifest1r2)
	editVersion(manifest1r2)
	_, findings, _ := Verify(dataDir, "")
	os.WriteFile(manifest1r2, orig, 0o644)
	if len(findings) != 1 || !strings.Contains(findings[0].String(), "snapshots/_prune/000004.json: out of chain") {
		t.Errorf("edited manifest before a prune record: %v", findings)
	}

	// The next date extends day2's history.
	db3, o3 := build(t, dataDir, day2.AddDate(0, 0, 7), 50)
	m3, err := Publish(ctx, db3.SQL(), o3)
	if err != nil || m3.HistoryBase != o2.SnapshotID || m3.PreviousRecord != "snapshots/_prune/000005.json" {
		t.Fatalf("publish after the prune: %+v %v", m3, err)
	}
	if _, findings, err := Verify(dataDir, ""); err != nil || len(findings) != 0 {
		t.Fatalf("after publishing past the prune: %v %v", findings, err)
	}

	// Diff: ten people left between day2 (70) and the third week (50).
	res, err := Diff(ctx, dataDir, o2.SnapshotID, o3.SnapshotID, filepath.Join(t.TempDir(), "diff.parquet"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string]int{}
	for _, r := range res.Rows {
		changes[r.Section+" "+r.Change]++
	}
	if changes["people left"] == 0 || changes["accounts removed"] != 20 || changes["people joined"] != 0 || changes["cost monthly_cost"] > 1 {
		t.Errorf("diff %s → %s: %v", o2.SnapshotID, o3.SnapshotID, changes)
	}
}

func flipByte(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b[len(b)/2] ^= 0x20
	return os.WriteFile(path, b, 0o644)
}

// editVersion rewrites a manifest's tool version, keeping it valid JSON.
func editVersion(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	edited := strings.Replace(string(b), `"tool_version": "test"`, `"tool_version": "v9"`, 1)
	if edited == string(b) {
		return fmt.Errorf("%s has no tool version to edit", path)
	}
	return os.WriteFile(path, []byte(edited), 0o644)
}

func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			sum, _, _ := hashFile(p)
			out[rel(dir, p)] = sum
		}
		return nil
	})
	return out
}

// TestReplaceCrashLeavesNoRevisionFile: a replacement that stops after its
// files were moved into the sealed date's partitions leaves nothing a reader
// or verify sees, and the next replacement takes its place.
func TestReplaceCrashLeavesNoRevisionFile(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	db, o := build(t, dataDir, day1, 30)
	if _, err := Publish(ctx, db.SQL(), o); err != nil {
		t.Fatal(err)
	}
	crash := errors.New("injected crash")
	failpoint = func(s string) error {
		if s == "manifest" {
			return crash
		}
		return nil
	}
	t.Cleanup(func() { failpoint = nil })
	r := o
	r.Replace, r.Reason = true, "test"
	if _, err := Publish(ctx, db.SQL(), r); !errors.Is(err, crash) {
		t.Fatalf("replace = %v, want the injected crash", err)
	}
	failpoint = nil
	if m, err := Resolve(dataDir, "2026-04-01"); err != nil || m.SnapshotID != "2026-04-01" {
		t.Fatalf("after the crash the current revision is %v (%v)", m, err)
	}
	// The moved revision files are there but unlisted until the next
	// publish cleans them; the catalog never names them.
	cat := openCatalog(t, dataDir)
	acc, _ := mustManifest(t, dataDir, "2026-04-01").File("accounts")
	if got := count(t, cat, "SELECT count(*) FROM accounts"); got != acc.Rows {
		t.Errorf("accounts view after a crashed replacement: %d rows, want %d", got, acc.Rows)
	}
	cat.Close()
	// The next publish of any date removes the crashed revision's files.
	db2, o2 := build(t, dataDir, day1.AddDate(0, 0, 7), 30)
	if _, err := Publish(ctx, db2.SQL(), o2); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dataDir, "published", "*", "*", "part-0.r2.parquet")); len(left) > 0 {
		t.Errorf("files of the crashed replacement are left: %v", left)
	}
	if _, findings, err := Verify(dataDir, ""); err != nil || len(findings) != 0 {
		t.Fatalf("after the next publish: %v %v", findings, err)
	}
	m, err := Publish(ctx, db.SQL(), r)
	if err != nil || m.SnapshotID != "2026-04-01.r2" || m.Sequence != 3 {
		t.Fatalf("replace after the crash: %+v %v", m, err)
	}
	if _, findings, err := Verify(dataDir, ""); err != nil || len(findings) != 0 {
		t.Fatalf("after the replacement: %v %v", findings, err)
	}
}

func mustManifest(t *testing.T, dataDir, id string) *Manifest {
	t.Helper()
	m, err := ReadManifest(dataDir, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
