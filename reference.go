package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/transform"
)

// docFiles renders the generated documentation from the code that defines
// it: docs/datasets.md from the published datasets, docs/data-reference.md
// from the registry's connector types and the canonical staging contract.
// `saaspipe connectors --docs DIR` writes them; TestDocs keeps the committed
// files in step.
func docFiles(types []extract.Type) map[string][]byte {
	return map[string][]byte{"datasets.md": datasetsDoc(), "data-reference.md": connectorsDoc(types)}
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func datasetsDoc() []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# saaspipe published datasets\n\n")
	p("Generated from the code by `saaspipe connectors --docs docs`; do not edit by hand.\n\n")
	p("Hive-partitioned Parquet under `published/<dataset>/snapshot_date=YYYY-MM-DD/`, and views `<dataset>` (all snapshots) and `current_<dataset>` (latest) in `saaspipe.duckdb`. Timestamps are UTC. Connector types and the staging contract: [data-reference.md](data-reference.md).\n\n")
	for _, ds := range slices.Concat(transform.Datasets, load.HistoryDatasets) {
		p("## %s\n\n%s\n\nKey: `%s`.\n\n| column | type | meaning |\n|---|---|---|\n", ds.Name, ds.Doc, strings.Join(ds.Key, "`, `"))
		for _, c := range ds.Columns {
			p("| %s | %s | %s |\n", c.Name, cell(c.Type), cell(c.Doc))
		}
		p("\n")
	}
	return b.Bytes()
}

func connectorsDoc(types []extract.Type) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# saaspipe data reference: connector types\n\n")
	p("Generated from the code by `saaspipe connectors --docs docs`; do not edit by hand. Published datasets: [datasets.md](datasets.md).\n\n")
	for _, t := range types {
		p("- [%s](#%s) — %s %s\n", t.Name, t.Name, t.Vendor, t.Product)
	}
	p("- [Canonical staging contract](#canonical-staging-contract)\n\n")
	for _, t := range types {
		p("## %s\n\n%s — %s. %s\n\n", t.Name, t.Vendor, t.Product, t.Doc)
		var caps []string
		for _, c := range []struct {
			on   bool
			name string
		}{{t.Capabilities.Licenses, "licenses"}, {t.Capabilities.LastLogin, "last login"}, {t.Capabilities.Activity, "activity"},
			{t.Capabilities.SSO, "SSO source"}, {t.Capabilities.Directory, "directory source"}} {
			if c.on {
				caps = append(caps, c.name)
			}
		}
		p("Capabilities: %s.\n\n", strings.Join(caps, ", "))
		p("Permissions the vendor account needs:\n\n")
		for _, perm := range t.Permissions {
			p("- %s\n", perm)
		}
		p("\n")
		p("| setting | type | required | secret | default | help |\n|---|---|---|---|---|---|\n")
		for _, s := range t.Settings {
			def := ""
			if s.Default != nil {
				def = fmt.Sprint(s.Default)
			}
			p("| %s | %s | %s | %s | %s | %s |\n", s.Name, s.Kind, yes(s.Required), yes(s.Secret), cell(def), cell(s.Help))
		}
		p("\n| entity | vendor API calls | fields kept | dropped before staging |\n|---|---|---|---|\n")
		for _, e := range t.Entities {
			name := e.Name
			if e.Incremental {
				name += " (incremental)"
			}
			calls := strings.Join(e.Calls, "<br>")
			if e.DerivedFrom != "" {
				calls = "derived from " + e.DerivedFrom + "; " + calls
			}
			p("| %s | %s | %s | %s |\n", name, cell(calls), cell(strings.Join(e.Fields, ", ")), cell(strings.Join(e.Redact, ", ")))
		}
		p("\n")
	}
	p("## Canonical staging contract\n\n")
	p("Every `sql/staging/<type>__<entity>.sql` produces exactly these columns; the transform checks it on every run.\n\n")
	for _, c := range transform.Staging {
		p("### %s\n\n%s\n\n| column | type | meaning |\n|---|---|---|\n", c.Entity, c.Doc)
		for _, col := range c.Columns {
			p("| %s | %s | %s |\n", col.Name, cell(col.Type), cell(col.Doc))
		}
		p("\n")
	}
	return b.Bytes()
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}
