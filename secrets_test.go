package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/simulate/vendors"
	"github.com/saaspipe/saaspipe/synth"
)

// TestNoSecretLeaksAnywhere runs check and run over every simulated vendor
// through the CLI, with debug JSON logs and the JSON summary, and looks for
// every secret the connectors were given — tokens, client secrets, the
// private keys of certificates and service accounts — in the logs, the
// summary and every file the run wrote: run records, manifests, the
// catalog, and the decoded values of every staged and published Parquet
// file (compressed pages would hide a plain byte search).
func TestNoSecretLeaksAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every simulated vendor")
	}
	date := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	org := synth.Generate(synth.Params{Seed: 13, People: 40, Date: date, Epoch: date})
	sims, err := simulate.Start(org, vendors.All...)
	if err != nil {
		t.Fatal(err)
	}
	defer sims.Close()
	for _, s := range sims.Skipped {
		t.Logf("skipped: %v", s)
	}
	dir := t.TempDir()
	text, env, err := simulate.Config(sims.Connectors(), map[string]any{"data_dir": filepath.Join(dir, "data"), "concurrency": 4})
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "saaspipe.yaml")
	if err := os.WriteFile(cfg, text, 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := secretNeedles(t, env)
	if len(secrets) < len(sims.Connectors()) {
		t.Fatalf("%d secret values for %d connector instances: the search would miss some", len(secrets), len(sims.Connectors()))
	}

	var logs strings.Builder
	code, stdout, stderr := runCLI(t, env, "check", "--config", cfg, "--log-level", "debug", "--log-format", "json")
	logs.WriteString(stdout + stderr)
	if code != exitOK {
		t.Fatalf("check: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, env, "run", "--config", cfg, "--snapshot-date", "2026-11-28", "--json", "--log-level", "debug", "--log-format", "json")
	logs.WriteString(stdout + stderr)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, `"msg":"entity finished"`) {
		t.Fatal("the run logged no entity: the log search would prove nothing")
	}
	for name, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("%s appears in the logs or the summary", name)
		}
	}

	// A value known to be staged proves the Parquet decoding finds text.
	const control = "acme.okta.com"
	files, parquets, controls := 0, 0, 0
	err = filepath.WalkDir(filepath.Join(dir, "data"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		hay := [][]byte{raw}
		if strings.HasSuffix(p, ".parquet") {
			parquets++
			vals := parquetValues(t, p)
			if bytes.Contains(vals, []byte(control)) {
				controls++
			}
			hay = append(hay, vals)
		}
		for name, s := range secrets {
			for _, h := range hay {
				if bytes.Contains(h, []byte(s)) {
					t.Errorf("%s is in %s", name, p)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if parquets == 0 || files <= parquets || controls == 0 {
		t.Fatalf("%d files, %d Parquet, %d with %q: the search would prove nothing", files, parquets, controls, control)
	}
	t.Logf("searched %d files (%d Parquet) and %d bytes of logs for %d secret values", files, parquets, logs.Len(), len(secrets))
}

// secretNeedles turns the env values of the config's secret references
// into strings to search for. A PEM bundle or a service-account key also
// holds public parts (certificates, client emails) that may rightly appear,
// so only its private key lines are searched for.
func secretNeedles(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, v := range env {
		var key struct {
			PrivateKey string `json:"private_key"`
		}
		if json.Unmarshal([]byte(v), &key) == nil && key.PrivateKey != "" {
			v = key.PrivateKey
		}
		if strings.Contains(v, "-----BEGIN") {
			rest := []byte(v)
			for {
				var b *pem.Block
				b, rest = pem.Decode(rest)
				if b == nil {
					break
				}
				if !strings.Contains(b.Type, "PRIVATE KEY") {
					continue
				}
				body := string(pem.EncodeToMemory(b))
				for i, line := range strings.Split(body, "\n") {
					if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
						out[fmt.Sprintf("%s (private key line %d)", name, i)] = line
					}
				}
			}
			continue
		}
		if len(v) < 12 {
			t.Fatalf("secret %s is too short (%d) to search for without false hits", name, len(v))
		}
		out[name] = v
	}
	return out
}

// parquetValues concatenates every byte-array value of a Parquet file.
func parquetValues(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	var out bytes.Buffer
	rows := make([]parquet.Row, 64)
	for _, rg := range pf.RowGroups() {
		r := rg.Rows()
		for {
			n, err := r.ReadRows(rows)
			for _, row := range rows[:n] {
				for _, v := range row {
					if v.Kind() == parquet.ByteArray || v.Kind() == parquet.FixedLenByteArray {
						out.Write(v.ByteArray())
						out.WriteByte(0)
					}
				}
			}
			if err != nil {
				break
			}
		}
		r.Close()
	}
	return out.Bytes()
}
