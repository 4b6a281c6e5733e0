package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/internal/crashpoint"
	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/synth"
	"github.com/saaspipe/saaspipe/transform"
)

// asCLI makes the test binary act as the saaspipe command, so crash tests
// can run it as a child process and kill it.
const asCLI = "SAASPIPE_TEST_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// child starts the saaspipe command in a separate process.
func child(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), asCLI+"=1"), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("child output:\n%s", out.String())
		}
	})
	return cmd
}

func killedBy(err error) (syscall.Signal, bool) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return ws.Signal(), true
		}
	}
	return 0, false
}

type crashWorld struct {
	dir  string
	urls map[string]string
	sims map[string]*oktasim.Server
}

// Snapshot dates of the crash tests: yesterday and today, because the
// command runs on the real clock (incremental windows end at "now").
var crashDates = func() [2]string {
	now := time.Now().UTC()
	return [2]string{now.AddDate(0, 0, -1).Format(time.DateOnly), now.Format(time.DateOnly)}
}()

// newCrashWorld serves one organisation as of each crash date.
func newCrashWorld(t *testing.T) *crashWorld {
	epoch, _ := time.Parse(time.DateOnly, crashDates[1])
	w := &crashWorld{dir: t.TempDir(), urls: map[string]string{}, sims: map[string]*oktasim.Server{}}
	for _, d := range crashDates {
		date, _ := time.Parse(time.DateOnly, d)
		sim := oktasim.New(synth.Generate(synth.Params{Seed: 77, People: 60, Date: date, Epoch: epoch}), oktasim.Options{Token: "crash-test-token"})
		url, err := sim.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		w.sims[d], w.urls[d] = sim, url
	}
	return w
}

// config writes, into a copy of the world's data directory named dir, the
// config pointing at the organisation as of date.
func (w *crashWorld) config(t *testing.T, dir, date string) string {
	cfg := filepath.Join(dir, "saaspipe.yaml")
	err := os.WriteFile(cfg, fmt.Appendf(nil, `version: 1
data_dir: ./data
connectors:
  - name: okta
    type: okta
    settings:
      org_url: https://acme.okta.com
      base_url: %s
      allow_http: true
      api_token: {env: CRASH_OKTA_TOKEN}
      logs_lookback: 168h
      max_retries: 1
`, w.urls[date]), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var crashEnv = []string{"CRASH_OKTA_TOKEN=crash-test-token"}

// TestCrashRecovery kills the command with SIGKILL at points inside
// extract, transform and publish, after an earlier snapshot was published.
// Then: the earlier snapshot still verifies, nothing half-written is
// visible, and the next run completes with every record exactly once.
func TestCrashRecovery(t *testing.T) {
	w := newCrashWorld(t)
	base := filepath.Join(w.dir, "base")
	os.MkdirAll(base, 0o755)
	t.Setenv("CRASH_OKTA_TOKEN", "crash-test-token")
	if code, _, stderr := runCLI(t, nil, "run", "--config", w.config(t, base, crashDates[0]), "--snapshot-date", crashDates[0]); code != exitOK {
		t.Fatalf("first snapshot: exit %d\n%s", code, stderr)
	}
	points := []string{
		"extract:committed:users", "extract:committed:activity", "extract:before-cursors",
		"transform:built", "load:written:accounts", "load:moved:people", "load:manifest",
	}
	for _, point := range points {
		t.Run(point, func(t *testing.T) {
			dir := filepath.Join(w.dir, strings.NewReplacer(":", "_").Replace(point))
			if err := exec.Command("cp", "-a", base, dir).Run(); err != nil {
				t.Fatal(err)
			}
			cfg := w.config(t, dir, crashDates[1])
			data := filepath.Join(dir, "data")
			cmd := child(t, append(crashEnv, crashpoint.Env+"="+point), "run", "--config", cfg, "--snapshot-date", crashDates[1], "--log-format", "json")
			err := cmd.Wait()
			if sig, ok := killedBy(err); !ok || sig != syscall.SIGKILL {
				t.Fatalf("the run was not killed at %s: %v", point, err)
			}

			// What a reader sees after the crash.
			if _, findings, err := load.Verify(data, ""); err != nil || len(findings) > 0 {
				t.Fatalf("after the crash: %v %v", findings, err)
			}
			if ok, _ := load.Published(data, crashDates[1]); ok {
				t.Fatalf("the crashed snapshot is sealed")
			}
			tmps, _ := filepath.Glob(filepath.Join(data, "staging", "*", "*", "*.parquet"))
			for _, f := range tmps {
				if strings.Contains(filepath.Base(f), ".tmp") {
					t.Errorf("half-written staged file visible: %s", f)
				}
			}

			// The next run completes.
			code, stdout, stderr := runCLI(t, nil, "run", "--config", cfg, "--snapshot-date", crashDates[1], "--json")
			if code != exitOK {
				t.Fatalf("run after the crash: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if _, findings, err := load.Verify(data, ""); err != nil || len(findings) > 0 {
				t.Fatalf("after recovery: %v %v", findings, err)
			}
			leftovers, _ := filepath.Glob(filepath.Join(data, "staging", "*", "*", "*.tmp"))
			dot, _ := filepath.Glob(filepath.Join(data, ".publish-*"))
			if len(leftovers)+len(dot) > 0 {
				t.Errorf("leftovers after recovery: %v %v", leftovers, dot)
			}
			checkActivityExactlyOnce(t, data, w.sims[crashDates[1]])
		})
	}
}

// checkActivityExactlyOnce: across every staged System Log file, each event
// appears once, and no event of the simulator is missing between the first
// and the last one staged — the cursor never ran ahead of the data.
func checkActivityExactlyOnce(t *testing.T, data string, sim *oktasim.Server) {
	t.Helper()
	db, err := transform.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, distinct int
	var first, last time.Time
	err = db.SQL().QueryRow(`SELECT count(*), count(DISTINCT source_id),
		min(CAST(payload->>'$.published' AS TIMESTAMPTZ)), max(CAST(payload->>'$.published' AS TIMESTAMPTZ))
		FROM read_parquet(?)`, filepath.Join(data, "staging", "*", "okta", "activity.parquet")).Scan(&n, &distinct, &first, &last)
	if err != nil {
		t.Fatal(err)
	}
	want := len(sim.ExpectedEvents(first, last.Add(time.Millisecond)))
	if n != distinct || distinct != want || n == 0 {
		t.Errorf("staged %d events (%d distinct); the simulator holds %d between the first and the last", n, distinct, want)
	}
}

// TestSIGTERMStopsPromptly: a terminated run stops within 5 seconds, exits 1
// and leaves no staged temporary file and no cursor.
func TestSIGTERMStopsPromptly(t *testing.T) {
	epoch, _ := time.Parse(time.DateOnly, crashDates[1])
	sim := oktasim.New(synth.Generate(synth.Params{Seed: 78, People: 400, Date: epoch, Epoch: epoch}),
		oktasim.Options{Token: "crash-test-token", Faults: oktasim.Faults{Delay: 300 * time.Millisecond}})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	w := &crashWorld{urls: map[string]string{crashDates[1]: url}}
	dir := t.TempDir()
	cfg := w.config(t, dir, crashDates[1])
	cmd := child(t, crashEnv, "run", "--config", cfg, "--snapshot-date", crashDates[1])
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m, _ := filepath.Glob(filepath.Join(dir, "data", "staging", "*", "okta", "*.tmp")); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run never started staging")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("stopped after %v", d)
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
			t.Errorf("exit: %v, want code %d", err, exitFailure)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("SIGTERM did not stop the run within 5 seconds")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "data", "staging", "*", "*", "*.tmp")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "state", "okta.json")); err == nil {
		t.Error("a terminated run stored a cursor")
	}
}

// TestCrashDuringReplacement kills `run --replace` of a sealed date while it
// re-extracts and while it publishes: afterwards the sealed revision is
// still current, its evidence unchanged and the chain verifies; running the
// replacement again publishes revision 2.
func TestCrashDuringReplacement(t *testing.T) {
	w := newCrashWorld(t)
	base := filepath.Join(w.dir, "base")
	os.MkdirAll(base, 0o755)
	t.Setenv("CRASH_OKTA_TOKEN", "crash-test-token")
	day := crashDates[0]
	if code, _, stderr := runCLI(t, nil, "run", "--config", w.config(t, base, day), "--snapshot-date", day); code != exitOK {
		t.Fatalf("first snapshot: exit %d\n%s", code, stderr)
	}
	for _, point := range []string{"extract:committed:users", "load:manifest"} {
		t.Run(point, func(t *testing.T) {
			dir := filepath.Join(w.dir, "replace-"+strings.NewReplacer(":", "_").Replace(point))
			if err := exec.Command("cp", "-a", base, dir).Run(); err != nil {
				t.Fatal(err)
			}
			cfg := w.config(t, dir, day)
			data := filepath.Join(dir, "data")
			evidence := stagedHashes(t, filepath.Join(data, "staging", day))
			args := []string{"run", "--config", cfg, "--snapshot-date", day, "--replace", "--reason", "crash test"}
			cmd := child(t, append(crashEnv, crashpoint.Env+"="+point), append(args, "--log-format", "json")...)
			if sig, ok := killedBy(cmd.Wait()); !ok || sig != syscall.SIGKILL {
				t.Fatalf("the replacement was not killed at %s", point)
			}
			if m, err := load.Resolve(data, day); err != nil || m.SnapshotID != day {
				t.Fatalf("after the crash the current revision is %v (%v), want %s", m, err, day)
			}
			if _, findings, err := load.Verify(data, ""); err != nil || len(findings) > 0 {
				t.Fatalf("after the crash: %v %v", findings, err)
			}
			if got := stagedHashes(t, filepath.Join(data, "staging", day)); !maps.Equal(got, evidence) {
				t.Fatalf("the sealed revision's evidence changed")
			}
			if code, stdout, stderr := runCLI(t, nil, append(args, "--json")...); code != exitOK {
				t.Fatalf("replacement after the crash: exit %d\n%s\n%s", code, stdout, stderr)
			}
			if m, err := load.Resolve(data, day); err != nil || m.SnapshotID != day+".r2" || m.Replacement == nil || m.Replacement.Reason != "crash test" {
				t.Fatalf("after recovery the current revision is %+v (%v), want %s.r2", m, err, day)
			}
			if _, findings, err := load.Verify(data, ""); err != nil || len(findings) > 0 {
				t.Fatalf("after recovery: %v %v", findings, err)
			}
		})
	}
}

// stagedHashes maps each file under dir to its SHA-256.
func stagedHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = fmt.Sprintf("%x", sha256.Sum256(b))
		return nil
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("hashing %s: %d files, %v", dir, len(out), err)
	}
	return out
}
