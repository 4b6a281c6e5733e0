package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that whatever it
// accepts satisfies the invariants the pipeline relies on.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob("testdata/config/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, "../configs/example.yaml")
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Add([]byte("a: &a [*a, *a]\nversion: *a\n"))
	f.Add([]byte("version: 1\nconnectors: [{name: x, type: slack, settings: {token: {file: /dev/zero}}}]\n"))

	base, err := filepath.Abs("testdata/config")
	if err != nil {
		f.Fatal(err)
	}
	env := envMap(map[string]string{"OKTA_API_TOKEN": "tok", "OKTA_EMEA_TOKEN": "tok2", "SLACK_TOKEN": "s", "REGION": "r"})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, base, testTypes, env)
		if err != nil {
			var verr *ValidationError
			if !errors.As(err, &verr) || len(verr.Problems) == 0 {
				t.Fatalf("Parse error %v is not a *ValidationError with problems", err)
			}
			for _, p := range verr.Problems {
				if p.Msg == "" || p.Line < 0 {
					t.Fatalf("malformed problem %#v", p)
				}
			}
			return
		}
		if cfg.Version != 1 || !filepath.IsAbs(cfg.DataDir) || len(cfg.Connectors) == 0 {
			t.Fatalf("accepted config breaks invariants: %+v", cfg)
		}
		if cfg.Concurrency < 1 || cfg.Concurrency > 32 || cfg.ActivityThresholdDays < 1 {
			t.Fatalf("accepted config with concurrency %d threshold %d", cfg.Concurrency, cfg.ActivityThresholdDays)
		}
		seen := map[string]bool{}
		for _, cc := range cfg.Connectors {
			if !connectorNamePattern.MatchString(cc.Name) || seen[cc.Name] {
				t.Fatalf("accepted invalid or duplicate name %q", cc.Name)
			}
			seen[cc.Name] = true
			if cc.Settings == nil {
				t.Fatalf("connector %s has nil settings", cc.Name)
			}
		}
		if cfg.Fingerprint(testTypes) != cfg.Fingerprint(testTypes) {
			t.Fatal("Fingerprint is not deterministic")
		}
	})
}
