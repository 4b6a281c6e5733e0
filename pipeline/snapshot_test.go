package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/load"
)

// TestWeeklyHistoryReplaceAndRebuild publishes four weekly snapshots of an
// evolving organisation (hires, leavers, status and assignment changes),
// with a second connector that never succeeds, then checks the type-2
// history against every snapshot, replaces one week, and rebuilds the last
// from its evidence.
func TestWeeklyHistoryReplaceAndRebuild(t *testing.T) {
	dates := []string{"2026-11-07", "2026-11-14", "2026-11-21", "2026-11-28"}
	dir := t.TempDir()
	for _, d := range dates {
		tn := startTenant(t, "acme.okta.com", 81, 60, mustDate(t, d))
		h := &harness{t: t, dir: dir, env: map[string]string{}, yaml: "version: 1\nconnectors:\n"}
		h.add("okta", tn, tn.sim.Token())
		h.add("okta-never", tn, "revoked-token")
		sum := h.execute(StageRun, h.options(d))
		// A connector that never succeeded contributes nothing, is reported,
		// and makes every snapshot partial.
		if sum.Status != StatusPartial || sum.ExitCode() != 3 {
			t.Fatalf("%s: status %s, want partial", d, sum.Status)
		}
		for _, c := range sum.Connectors {
			if c.Name == "okta-never" && (c.Status != StatusFailed || c.DataAsOf != nil || c.Error == "") {
				t.Errorf("%s: never-succeeded connector reported as %+v", d, c)
			}
		}
	}
	h := &harness{t: t, dir: dir}
	if got := h.scalar(`select count(*) from read_parquet('$DATA/published/connector_runs/snapshot_date=2026-11-28/*.parquet')
		where connector = 'okta-never' and status = 'failed' and not stale and data_as_of is null and error is not null`); got != "1" {
		t.Errorf("connector_runs has %s failed rows for the never-succeeded connector, want 1", got)
	}
	if got := h.scalar(`select count(*) from read_parquet('$DATA/published/accounts/*/*.parquet') where list_contains(connectors, 'okta-never')`); got != "0" {
		t.Errorf("%s accounts credited to a connector that never succeeded", got)
	}

	// The last snapshot's history covers every snapshot exactly: each row of
	// each date is in one version valid on that date, with its fields.
	last := "$DATA/published/%s_history/snapshot_date=2026-11-28/part-0.parquet"
	for _, tc := range []struct{ dataset, key, field string }{
		{"accounts", "vendor, product, tenant, source_id", "status"},
		{"app_assignments", "application_id, account_id", "status"},
	} {
		hist := fmt.Sprintf(last, tc.dataset)
		q := fmt.Sprintf(`with rows as (select * from read_parquet('$DATA/published/%s/*/part-0.parquet')),
			matched as (select r.snapshot_date, count(v.valid_from) as versions, bool_and(r.%s is not distinct from v.%s) as same
				from rows r left join read_parquet('%s') v using (%s)
				where v.valid_from is null or (v.valid_from <= r.snapshot_date and r.snapshot_date < coalesce(v.valid_to, date '9999-12-31'))
				group by all)
			select count(*) filter (where versions != 1 or not same) from matched`, tc.dataset, tc.field, tc.field, hist, tc.key)
		if got := h.scalar(strings.ReplaceAll(q, "group by all", "group by r.snapshot_date, "+prefixed("r.", tc.key))); got != "0" {
			t.Errorf("%s: %s rows of a snapshot lack exactly one matching history version", tc.dataset, got)
		}
		covered := h.scalar(fmt.Sprintf(`select count(*) from read_parquet('%s') v, (select distinct snapshot_date d from read_parquet('$DATA/published/%s/*/part-0.parquet'))
			where v.valid_from <= d and d < coalesce(v.valid_to, date '9999-12-31')`, hist, tc.dataset))
		rows := h.scalar(fmt.Sprintf(`select count(*) from read_parquet('$DATA/published/%s/*/part-0.parquet')`, tc.dataset))
		if covered != rows {
			t.Errorf("%s: history versions cover %s rows over the snapshots, the snapshots hold %s", tc.dataset, covered, rows)
		}
	}
	evolved := h.query(fmt.Sprintf(`select count(*) filter (where valid_from > date '2026-11-07'), count(*) filter (where valid_to is not null),
		count(*) filter (where change_type = 'changed') from read_parquet('%s')`, fmt.Sprintf(last, "accounts")))
	if evolved[0][0] == "0" || evolved[0][1] == "0" || evolved[0][2] == "0" {
		t.Errorf("accounts history of four weeks: %v versions begun later, closed, changed; the organisation did not evolve", evolved[0])
	}

	// Replace week two from its evidence: a new revision, the old one kept.
	o := (&harness{t: t, dir: dir, env: map[string]string{}, yaml: "version: 1\nconnectors:\n" +
		instanceYAML("okta", &tenant{host: "acme.okta.com", url: "http://127.0.0.1:1"}, "x") +
		instanceYAML("okta-never", &tenant{host: "acme.okta.com", url: "http://127.0.0.1:1"}, "x")}).withEnv("x").options("2026-11-14")
	if _, err := Execute(context.Background(), StagePublish, withReplace(o, " ")); !IsUsage(err) {
		t.Errorf("replace without a reason: %v, want a usage error", err)
	}
	sum, err := Execute(context.Background(), StagePublish, withReplace(o, "okta was misconfigured"))
	if err != nil || !strings.HasSuffix(sum.Manifest, filepath.Join("2026-11-14.r2", "manifest.json")) {
		t.Fatalf("replace: %v %+v", err, sum)
	}
	m, err := load.Resolve(dir, "2026-11-14")
	if err != nil || m.SnapshotID != "2026-11-14.r2" || m.Replacement == nil || m.Replacement.Reason != "okta was misconfigured" || m.Replacement.Replaces != "2026-11-14" {
		t.Fatalf("current revision of 2026-11-14: %+v %v", m, err)
	}
	if _, findings, err := load.Verify(dir, ""); err != nil || len(findings) != 0 {
		t.Fatalf("verify after the replacement: %v %v", findings, err)
	}

	// Rebuild proof of the last week from its staged evidence.
	if m, findings, err := load.Rebuild(context.Background(), dir, "2026-11-28", t.TempDir()); err != nil || len(findings) != 0 {
		t.Fatalf("rebuild of %v: %v %v", m, findings, err)
	}
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

func (h *harness) withEnv(token string) *harness {
	for _, n := range []string{"TOKEN_OKTA", "TOKEN_OKTA_NEVER"} {
		h.env[n] = token
	}
	return h
}

func withReplace(o Options, reason string) Options {
	o.Replace, o.Reason = true, reason
	return o
}

// TestLockStaleAndHeld: a lock file left by a killed holder does not block
// the next run; a lock held by a live process does, naming the holder.
func TestLockStaleAndHeld(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	os.MkdirAll(l.Locks(), 0o755)
	path := filepath.Join(l.Locks(), "publish.lock")
	// What a SIGKILLed holder leaves: the file, but no flock.
	if err := os.WriteFile(path, []byte("pid 999999 on a-dead-host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	first, err := AcquireLock(l, "publish")
	if err != nil {
		t.Fatalf("a stale lock file blocked the lock: %v", err)
	}
	_, err = AcquireLock(l, "publish")
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second holder: %v, want ErrLocked naming pid %d", err, os.Getpid())
	}
	first.Release()
	again, err := AcquireLock(l, "publish")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}

// TestSharedLockReadersAndWriters: readers share the publish lock, a writer
// cannot take it under them and says readers hold it, a reader waits for a
// writer to finish and gives up after its wait.
func TestSharedLockReadersAndWriters(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	ctx := context.Background()
	r1, err := AcquireSharedLock(ctx, l, "publish", 0)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := AcquireSharedLock(ctx, l, "publish", 0)
	if err != nil {
		t.Fatalf("a second reader: %v", err)
	}
	if _, err := AcquireLock(l, "publish"); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "readers") {
		t.Fatalf("writer under readers: %v, want ErrLocked naming readers", err)
	}
	r1.Release()
	r2.Release()

	w, err := AcquireLock(l, "publish")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AcquireSharedLock(ctx, l, "publish", 150*time.Millisecond); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("reader under a writer: %v, want ErrLocked after the wait naming the writer", err)
	}
	releasing := make(chan struct{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		close(releasing)
		w.Release()
	}()
	r, err := AcquireSharedLock(ctx, l, "publish", 10*time.Second)
	if err != nil {
		t.Fatalf("reader waiting for a writer: %v", err)
	}
	select {
	case <-releasing:
	default:
		t.Fatal("the reader got the lock while the writer still held it")
	}
	r.Release()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	w, _ = AcquireLock(l, "publish")
	defer w.Release()
	if _, err := AcquireSharedLock(cancelled, l, "publish", time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled reader: %v", err)
	}
}
