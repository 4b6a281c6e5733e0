package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/transform"
)

// dataReference renders docs/data-reference.md from the code that defines
// it: the registry's connector types, the canonical staging contract and the
// published datasets. TestDataReference keeps the committed file in step
// (go test -run TestDataReference -update rewrites it).
func dataReference(types []extract.Type) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cell := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

	p("# saaspipe data reference\n\n")
	p("Generated from the code (`go test -run TestDataReference -update .`); do not edit by hand.\n\n")
	p("- [Published datasets](#published-datasets)\n- [Connector types](#connector-types)\n- [Canonical staging contract](#canonical-staging-contract)\n\n")

	p("## Published datasets\n\n")
	p("Hive-partitioned Parquet under `published/<dataset>/snapshot_date=YYYY-MM-DD/`, and views `<dataset>` (all snapshots) and `current_<dataset>` (latest) in `saaspipe.duckdb`. Timestamps are UTC.\n\n")
	for _, ds := range transform.Datasets {
		p("### %s\n\n%s\n\nKey: `%s`.\n\n| column | type | meaning |\n|---|---|---|\n", ds.Name, ds.Doc, strings.Join(ds.Key, "`, `"))
		for _, c := range ds.Columns {
			p("| %s | %s | %s |\n", c.Name, cell(c.Type), cell(c.Doc))
		}
		p("\n")
	}

	p("## Connector types\n\n")
	for _, t := range types {
		p("### %s\n\n%s — %s. %s\n\n", t.Name, t.Vendor, t.Product, t.Doc)
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
		p("| setting | type | required | secret | default | help |\n|---|---|---|---|---|---|\n")
		for _, s := range t.Settings {
			def := ""
			if s.Default != nil {
				def = fmt.Sprint(s.Default)
			}
			p("| %s | %s | %s | %s | %s | %s |\n", s.Name, s.Kind, yes(s.Required), yes(s.Secret), cell(def), cell(s.Help))
		}
		p("\n| entity | vendor API calls | fields kept |\n|---|---|---|\n")
		for _, e := range t.Entities {
			name := e.Name
			if e.Incremental {
				name += " (incremental)"
			}
			calls := strings.Join(e.Calls, "<br>")
			if e.DerivedFrom != "" {
				calls = "derived from " + e.DerivedFrom + "; " + calls
			}
			p("| %s | %s | %s |\n", name, cell(calls), cell(strings.Join(e.Fields, ", ")))
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
