package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/pipeline"
	"github.com/saaspipe/saaspipe/synth"
	"github.com/saaspipe/saaspipe/transform"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageAndConfigErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nconnectors:\n  - name: okta-prod\n    type: okta\n    settings:\n      org_url: http://acme.okta.com\n      api_token: ${NOPE_UNSET_VAR}\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no command", nil, "usage: saaspipe"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"bad flag", []string{"run", "--no-such-flag"}, "flag provided but not defined"},
		{"missing config", []string{"validate", "--config", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{"config problems", []string{"validate", "--config", bad}, "connectors[0].settings.org_url"},
		{"unset env", []string{"run", "--config", bad}, "NOPE_UNSET_VAR"},
		{"bad date", []string{"run", "--config", "configs/example.yaml", "--snapshot-date", "28/11/2026"}, "--snapshot-date"},
		{"bad log format", []string{"extract", "--log-format", "xml"}, "--log-format"},
		{"reason without replace", []string{"run", "--config", "configs/example.yaml", "--reason", "why"}, "--reason goes with --replace"},
		{"replace without reason", []string{"run", "--config", "configs/example.yaml", "--replace", "--data-dir", dir}, "needs a reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"OKTA_PROD_API_TOKEN": "x", "OKTA_EMEA_API_TOKEN": "y"}
			code, _, stderr := runCLI(t, env, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not mention %q:\n%s", tt.want, stderr)
			}
		})
	}
}

// TestValidateAllConnectorsExample: the example with every connector type
// validates against the real registry (file secrets point at temp files).
func TestValidateAllConnectorsExample(t *testing.T) {
	b, err := os.ReadFile("configs/all-connectors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"ad_bind_password", "google_service_account.json"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600)
	}
	cfg := filepath.Join(dir, "all.yaml")
	os.WriteFile(cfg, bytes.ReplaceAll(b, []byte("/run/secrets/"), []byte(dir+"/")), 0o644)
	env := map[string]string{}
	for _, v := range []string{"OKTA_API_TOKEN", "GRAPH_CLIENT_SECRET", "SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET",
		"SLACK_ADMIN_TOKEN", "ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"} {
		env[v] = "x"
	}
	code, stdout, stderr := runCLI(t, env, "validate", "--config", cfg)
	if code != exitOK || !strings.Contains(stdout, "8 connector instances") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	types := map[string]bool{}
	for _, typ := range registry.Types() {
		types[typ.Name] = false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "type: "); ok {
			types[name] = true
		}
	}
	for name, used := range types {
		if !used {
			t.Errorf("configs/all-connectors.yaml has no instance of %s", name)
		}
	}
}

func TestValidateExample(t *testing.T) {
	code, stdout, stderr := runCLI(t, map[string]string{"OKTA_PROD_API_TOKEN": "x", "OKTA_EMEA_API_TOKEN": "y"},
		"validate", "--config", "configs/example.yaml")
	if code != exitOK || !strings.Contains(stdout, "valid") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

func TestConnectorsListing(t *testing.T) {
	code, stdout, _ := runCLI(t, nil, "connectors", "--json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var types []extract.Type
	if err := json.Unmarshal([]byte(stdout), &types); err != nil {
		t.Fatalf("connectors --json is not a JSON list of types: %v\n%s", err, stdout)
	}
	var okta *extract.Type
	for i := range types {
		if types[i].Name == "okta" {
			okta = &types[i]
		}
	}
	if okta == nil || len(okta.Settings) == 0 || len(okta.Entities) == 0 || !okta.Capabilities.SSO {
		t.Fatalf("okta missing or incomplete in %s", stdout)
	}
	code, text, _ := runCLI(t, nil, "connectors")
	for _, want := range []string{"okta", "org_url", "api_token", "secret", "/api/v1/logs", "incremental"} {
		if code != exitOK || !strings.Contains(text, want) {
			t.Errorf("connectors text lacks %q", want)
		}
	}
}

// simConfig writes a config with one instance pointing at a simulated Okta
// org and returns its path, the token and the data directory.
func simConfig(t *testing.T, sim *oktasim.Server, url string) (cfg, dataDir string) {
	t.Helper()
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	cfg = filepath.Join(dir, "saaspipe.yaml")
	os.WriteFile(cfg, fmt.Appendf(nil, `version: 1
data_dir: ./data
connectors:
  - name: okta-prod
    type: okta
    settings:
      org_url: https://acme.okta.com
      base_url: %s
      allow_http: true
      api_token: {env: SIM_OKTA_TOKEN}
      max_retries: 1
`, url), 0o644)
	return cfg, dataDir
}

// TestRunCheckAndSecrets drives the binary's commands against a simulated
// org at debug log level and checks that the token appears nowhere: not in
// logs, the summary, or any file of the data directory.
func TestRunCheckAndSecrets(t *testing.T) {
	date := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	org := synth.Generate(synth.Params{Seed: 5, People: 60, Date: date, Epoch: date})
	sim := oktasim.New(org, oktasim.Options{Token: "00SECRET-token-that-must-not-leak-7f3a"})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cfg, dataDir := simConfig(t, sim, url)
	env := map[string]string{"SIM_OKTA_TOKEN": sim.Token()}

	code, stdout, stderr := runCLI(t, env, "check", "--config", cfg, "--log-level", "debug")
	if code != exitOK || !strings.Contains(stdout, "ok    okta-prod") {
		t.Fatalf("check: exit %d\n%s\n%s", code, stdout, stderr)
	}
	logs := stderr
	code, stdout, stderr = runCLI(t, env, "run", "--config", cfg, "--snapshot-date", "2026-11-28", "--json", "--log-level", "debug", "--log-format", "json")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	logs += stderr + stdout
	var sum pipeline.Summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json summary: %v\n%s", err, stdout)
	}
	if sum.Status != pipeline.StatusOK || sum.Datasets["accounts"] == 0 || sum.Manifest == "" {
		t.Fatalf("summary %+v", sum)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !json.Valid([]byte(line)) {
			t.Fatalf("--log-format json wrote a non-JSON line: %s", line)
		}
	}
	if n := strings.Count(stderr, `"msg":"entity finished"`); n != 5 {
		t.Errorf("%d 'entity finished' log lines, want one per entity (5)", n)
	}

	// Idempotent: the same date again is a no-op with exit 0.
	code, stdout, _ = runCLI(t, env, "run", "--config", cfg, "--snapshot-date", "2026-11-28", "--json")
	if code != exitOK || !strings.Contains(stdout, `"already_published"`) {
		t.Fatalf("re-run: exit %d %s", code, stdout)
	}
	code, stdout, _ = runCLI(t, env, "snapshots", "--config", cfg)
	if code != exitOK || !strings.Contains(stdout, "2026-11-28") {
		t.Fatalf("snapshots: exit %d %s", code, stdout)
	}

	code, stdout, _ = runCLI(t, env, "snapshots", "verify", "--config", cfg)
	if code != exitOK || !strings.Contains(stdout, "ok: 1 snapshots verified") {
		t.Fatalf("snapshots verify: exit %d %s", code, stdout)
	}
	part, _ := filepath.Glob(filepath.Join(dataDir, "published", "people", "*", "*.parquet"))
	os.WriteFile(part[0], []byte("tampered"), 0o644)
	code, stdout, _ = runCLI(t, env, "snapshots", "verify", "--config", cfg, "2026-11-28")
	if code != exitFailure || !strings.Contains(stdout, "published/people/snapshot_date=2026-11-28/part-0.parquet: altered") {
		t.Fatalf("verify of a tampered file: exit %d %s", code, stdout)
	}

	secret := sim.Token()
	if strings.Contains(logs, secret) {
		t.Fatal("the API token appears in logs or the summary")
	}
	filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the API token is in %s", p)
		}
		return nil
	})
}

// TestRunPartialExit3: a connector that cannot authenticate makes the run
// partial (exit 3) while the others publish.
func TestRunPartialExit3(t *testing.T) {
	date := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	org := synth.Generate(synth.Params{Seed: 6, People: 40, Date: date, Epoch: date})
	sim := oktasim.New(org, oktasim.Options{})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	cfg, _ := simConfig(t, sim, url)
	b, _ := os.ReadFile(cfg)
	b = append(b, fmt.Appendf(nil, `  - name: okta-revoked
    type: okta
    settings:
      org_url: https://acme-emea.okta.com
      base_url: %s
      allow_http: true
      api_token: {env: SIM_REVOKED_TOKEN}
`, url)...)
	os.WriteFile(cfg, b, 0o644)
	code, stdout, stderr := runCLI(t, map[string]string{"SIM_OKTA_TOKEN": sim.Token(), "SIM_REVOKED_TOKEN": "revoked"},
		"run", "--config", cfg, "--snapshot-date", "2026-11-28", "--json")
	if code != exitPartial {
		t.Fatalf("exit %d, want %d (partial)\n%s\n%s", code, exitPartial, stdout, stderr)
	}
	if !strings.Contains(stdout, `"status": "partial"`) || !strings.Contains(stdout, "E0000011") {
		t.Errorf("summary does not say partial with the vendor's error code:\n%s", stdout)
	}
}

// TestDemo is `go run . demo` at a small size: two snapshots published,
// people, accounts and applications non-empty in the catalog's views.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, stdout, stderr := runCLI(t, nil, "demo", "--data-dir", dir, "--people", "80", "--snapshots", "2", "--snapshot-date", "2026-11-28")
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "report.html")); err != nil || !bytes.Contains(b, []byte("<html")) {
		t.Errorf("the demo wrote no report: %v", err)
	}
	for _, want := range []string{"snapshot 2026-11-21: ok", "snapshot 2026-11-28: ok", "saaspipe.duckdb", "current_accounts", "report.html"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
	db, err := transform.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL().Exec(fmt.Sprintf("ATTACH '%s' AS cat (READ_ONLY)", filepath.Join(dir, "saaspipe.duckdb"))); err != nil {
		t.Fatal(err)
	}
	for _, view := range []string{"current_people", "current_accounts", "current_applications", "people"} {
		var n int
		if err := db.SQL().QueryRow("SELECT count(*) FROM cat." + view).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: %d rows, %v", view, n, err)
		}
	}
	// A second demo run replaces its own earlier output...
	if code, _, stderr := runCLI(t, nil, "demo", "--data-dir", dir, "--people", "20", "--snapshots", "1"); code != exitOK {
		t.Fatalf("second demo: exit %d\n%s", code, stderr)
	}
	// ...but never a directory it did not make.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "precious.txt"), []byte("x"), 0o644)
	if code, _, stderr := runCLI(t, nil, "demo", "--data-dir", other); code == exitOK || !strings.Contains(stderr, "not made by the demo") {
		t.Fatalf("demo over a foreign directory: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(other, "precious.txt")); err != nil {
		t.Fatal("demo deleted a file it did not make")
	}
}

var update = flag.Bool("update", false, "rewrite generated files")

// TestDocs keeps docs/ equal to what the code declares; after changing a
// connector type, the staging contract or a dataset run
// `go run . connectors --docs docs` (or this test with -update).
func TestDocs(t *testing.T) {
	if *update {
		if code, _, stderr := runCLI(t, nil, "connectors", "--docs", "docs"); code != exitOK {
			t.Fatalf("connectors --docs: %d %s", code, stderr)
		}
	}
	for name, got := range docFiles(registry.Types()) {
		want, err := os.ReadFile(filepath.Join("docs", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("docs/%s is out of date: run go run . connectors --docs docs", name)
		}
	}
	ref := docFiles(registry.Types())["data-reference.md"]
	for _, typ := range registry.Types() {
		if !bytes.Contains(ref, []byte("## "+typ.Name+"\n")) {
			t.Errorf("connector type %s missing from the data reference", typ.Name)
		}
	}
}
