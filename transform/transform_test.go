package transform

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
	sqlfiles "github.com/saaspipe/saaspipe/sql"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func openDB(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// render prints a table ordered by key, every value as DuckDB's text, NULL
// as ∅, one tab-separated line per row under a header.
func render(t testing.TB, db *sql.DB, table string, key []string) string {
	t.Helper()
	rows, err := db.Query("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM " + table + " ORDER BY " + strings.Join(key, ", "))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(strings.Join(cols, "\t") + "\n")
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteByte('\t')
			}
			if v.Valid {
				b.WriteString(v.String)
			} else {
				b.WriteString("∅")
			}
		}
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestStagingRoundTrip(t *testing.T) {
	root := t.TempDir()
	// Nanoseconds must be truncated to microseconds; a non-UTC zone must
	// come back as the same instant in UTC.
	at := time.Date(2026, 3, 15, 13, 14, 15, 123456789, time.FixedZone("CET", 3600))
	payloads := []string{
		`{"id":"00u1","profile":{"login":"a@b.example","note":"tab\there, quote \" and é"}}`,
		`{"id":"00u2","lastLogin":null,"n":12345678901234567890}`,
		`[]`,
	}
	recs := make([]rec, len(payloads))
	for i, p := range payloads {
		recs[i] = rec{id: string(rune('a' + i)), payload: json.RawMessage(p)}
	}
	env := stage.Envelope{SnapshotID: "s1", Connector: "c1", ConnectorType: "okta", Tenant: "t.example", Entity: extract.Users}
	f := writeStaged(t, root, env, at, recs)

	db := openDB(t)
	rows, err := db.SQL().Query(`SELECT snapshot_id, connector, connector_type, tenant, entity, source_id,
		extracted_at, CAST(payload AS VARCHAR), typeof(extracted_at) FROM read_parquet(?) ORDER BY source_id`, f.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var snap, conn, typ, tenant, entity, id, payload, tsType string
		var ts time.Time
		if err := rows.Scan(&snap, &conn, &typ, &tenant, &entity, &id, &ts, &payload, &tsType); err != nil {
			t.Fatal(err)
		}
		if snap != "s1" || conn != "c1" || typ != "okta" || tenant != "t.example" || entity != "users" || id != recs[i].id {
			t.Errorf("row %d envelope = %s %s %s %s %s %s", i, snap, conn, typ, tenant, entity, id)
		}
		if want := at.UTC().Truncate(time.Microsecond); !ts.Equal(want) || ts.Location() != time.UTC {
			t.Errorf("row %d extracted_at = %v, want %v in UTC", i, ts, want)
		}
		if tsType != "TIMESTAMP WITH TIME ZONE" {
			t.Errorf("extracted_at reads as %s, want TIMESTAMP WITH TIME ZONE", tsType)
		}
		if payload != payloads[i] {
			t.Errorf("row %d payload = %s, want %s", i, payload, payloads[i])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(payloads) {
		t.Fatalf("read %d rows, want %d", i, len(payloads))
	}
}

// TestVendorSamples feeds Okta's published example responses through the
// staging SQL, each array element one staged record.
func TestVendorSamples(t *testing.T) {
	dir := "../../shared/vendor-samples/okta"
	if _, err := os.Stat(dir); err != nil {
		dir = "/work/shared/vendor-samples/okta"
	}
	root := t.TempDir()
	samples := []struct {
		file, entity string
		sourceID     func(m map[string]any) string
	}{
		{"users-list.json", extract.Users, func(m map[string]any) string { return m["id"].(string) }},
		{"groups-list.json", extract.Groups, func(m map[string]any) string { return m["id"].(string) }},
		{"apps-list-example1.json", extract.Applications, func(m map[string]any) string { return m["id"].(string) }},
		{"app-users-list.json", extract.AppAssignments, func(m map[string]any) string { return "0oajiqIRNXPPJBNZMGYL/" + m["id"].(string) }},
		{"logs-list.json", extract.Activity, func(m map[string]any) string { return m["uuid"].(string) }},
	}
	var staged []StagedFile
	for _, s := range samples {
		b, err := os.ReadFile(filepath.Join(dir, s.file))
		if err != nil {
			t.Fatal(err)
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(b, &elems); err != nil {
			t.Fatalf("%s: %v", s.file, err)
		}
		var recs []rec
		for _, e := range elems {
			var m map[string]any
			if err := json.Unmarshal(e, &m); err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec{s.sourceID(m), e})
		}
		env := stage.Envelope{SnapshotID: "samples", Connector: "okta-samples", ConnectorType: "okta", Tenant: "example.okta.com", Entity: s.entity}
		staged = append(staged, writeStaged(t, root, env, fixtureDate, recs))
	}
	db := openDB(t)
	if _, err := db.Run(context.Background(), Input{SnapshotID: "samples", SnapshotDate: fixtureDate, Staged: staged, Types: []TypeInfo{oktaType}}); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		query, want string
	}{
		{`SELECT login || ' ' || email || ' ' || status || ' ' || vendor_status || ' ' || CAST(last_login_at AS VARCHAR) FROM stg_okta__users`,
			"alice.smith@example.com alice.smith@example.com active ACTIVE 2022-05-04 19:50:52+00"},
		{`SELECT string_agg(name || '/' || group_type, ',' ORDER BY source_id) FROM stg_okta__groups`,
			"West Coast users/OKTA_GROUP,Engineering users/APP_GROUP"},
		{`SELECT name || ' ' || app_key || ' ' || status || ' ' || sign_on_mode FROM stg_okta__applications`,
			"Custom Saml 2.0 App testorgone_customsaml20app_1 active SAML_2_0"},
		{`SELECT application_source_id || ' ' || account_source_id || ' ' || user_name || ' ' || status || ' ' || scope FROM stg_okta__app_assignments`,
			"0oajiqIRNXPPJBNZMGYL 00u1dnq5S0CfjlkpABCD saml.test@example.com provisioned user"},
		{`SELECT event_type || ' ' || account_source_id || ' ' || actor_login || ' ' || application_source_id || ' ' || application_name || ' ' || succeeded || ' ' || CAST(occurred_at AS VARCHAR) FROM stg_okta__activity`,
			"sign_in 00uttidj01jqL21aM1d6 john.doe@example.com 0oatxlef9sQvvqInq5d6 Okta Admin Console true 2024-08-13 15:58:20.353+00"},
		{`SELECT activity_status || ' ' || days_since_last_activity FROM accounts`, "inactive 1411"},
	}
	for _, c := range checks {
		var got string
		if err := db.SQL().QueryRow(c.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got != c.want {
			t.Errorf("%s\n got %q\nwant %q", c.query, got, c.want)
		}
	}
}

// TestStagingFiles keeps the SQL tree, the contract and sql/README.md in
// step: staging files are named <type>__<entity>.sql after a contract
// entity (Run itself checks their columns), and the README lists every
// contract and dataset column.
func TestStagingFiles(t *testing.T) {
	files, err := fs.Glob(sqlfiles.FS, "staging/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no staging SQL embedded")
	}
	nameRE := regexp.MustCompile(`^staging/([a-z][a-z0-9_]*)__([a-z_]+)\.sql$`)
	var entities []string
	for _, c := range Staging {
		entities = append(entities, c.Entity)
	}
	types := map[string]bool{}
	for _, f := range files {
		m := nameRE.FindStringSubmatch(f)
		if m == nil {
			t.Errorf("%s is not named <type>__<entity>.sql", f)
			continue
		}
		if !slices.Contains(entities, m[2]) {
			t.Errorf("%s maps entity %q, which has no contract", f, m[2])
		}
		types[m[1]] = true
	}
	// With no data, Run still compiles every staging file of these types and
	// checks its columns against the contract.
	var infos []TypeInfo
	for typ := range types {
		infos = append(infos, TypeInfo{Name: typ, Vendor: typ, Product: typ})
	}
	db := openDB(t)
	counts, err := db.Run(context.Background(), Input{SnapshotID: "empty", SnapshotDate: fixtureDate, Types: infos})
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range Datasets {
		if n, ok := counts[ds.Name]; !ok || n != 0 {
			t.Errorf("empty input: %s has %d rows (reported %v)", ds.Name, n, ok)
		}
	}

	readme, err := os.ReadFile("../sql/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Staging {
		for _, col := range c.Columns {
			if row := "| " + col.Name + " | " + col.Type + " |"; !bytes.Contains(readme, []byte(row)) {
				t.Errorf("sql/README.md lacks %s column row %q", c.Entity, row)
			}
		}
	}
	if *update {
		readme = rewriteDatasetSections(readme)
		if err := os.WriteFile("../sql/README.md", readme, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, ds := range Datasets {
		if block := datasetMarkdown(ds); !bytes.Contains(readme, []byte(block)) {
			t.Errorf("sql/README.md lacks or differs from this section of dataset %s:\n%s", ds.Name, block)
		}
	}
}

// datasetMarkdown is the section of sql/README.md documenting ds, exactly as
// transform.Datasets states it.
func datasetMarkdown(ds Dataset) string {
	var b strings.Builder
	b.WriteString("### " + ds.Name + "\n\n")
	b.WriteString(strings.ToUpper(ds.Doc[:1]) + ds.Doc[1:] + ". Key: " + strings.Join(ds.Key, ", ") + ".\n\n")
	b.WriteString("| column | type | meaning |\n|---|---|---|\n")
	for _, c := range ds.Columns {
		b.WriteString("| " + c.Name + " | " + c.Type + " | " + strings.ReplaceAll(c.Doc, "|", "\\|") + " |\n")
	}
	return b.String()
}

// rewriteDatasetSections replaces each dataset's section of sql/README.md
// under "## Published datasets" (from its "### name" heading to the end of
// its table) with datasetMarkdown, for -update; the staging contract, whose
// headings share names with datasets, and the prose around are kept.
func rewriteDatasetSections(readme []byte) []byte {
	text := string(readme)
	from := strings.Index(text, "\n## Published datasets\n")
	if from < 0 {
		return readme
	}
	for _, ds := range Datasets {
		head := "\n### " + ds.Name + "\n\n"
		i := strings.Index(text[from:], head)
		if i < 0 {
			continue
		}
		start := from + i + 1
		tableStart := strings.Index(text[start:], "| column |")
		if tableStart < 0 {
			continue
		}
		end := start + tableStart
		for end < len(text) {
			nl := strings.IndexByte(text[end:], '\n')
			if nl < 0 {
				end = len(text)
				break
			}
			if !strings.HasPrefix(text[end:], "|") {
				break
			}
			end += nl + 1
		}
		text = text[:start] + datasetMarkdown(ds) + text[end:]
	}
	return []byte(text)
}

func TestCheckColumnsReportsDrift(t *testing.T) {
	db := openDB(t)
	if _, err := db.SQL().Exec(`CREATE VIEW v AS SELECT 'a' AS x, CAST(1 AS BIGINT) AS y`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want []Column
		err  string
	}{
		{"match", []Column{{"x", tVarchar, ""}, {"y", tBigint, ""}}, ""},
		{"type", []Column{{"x", tVarchar, ""}, {"y", tInt, ""}}, "column 2 is y BIGINT, want y INTEGER"},
		{"missing", []Column{{"x", tVarchar, ""}, {"y", tBigint, ""}, {"z", tBool, ""}}, "missing column 3 z BOOLEAN"},
		{"extra", []Column{{"x", tVarchar, ""}}, "extra column 2 y BIGINT"},
		{"order", []Column{{"y", tBigint, ""}, {"x", tVarchar, ""}}, "column 1 is x VARCHAR, want y BIGINT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkColumns(context.Background(), db.q, "v", tc.want)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error = %v, want it to contain %q", err, tc.err)
			}
		})
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	root := t.TempDir()
	env := stage.Envelope{SnapshotID: "s", Connector: "c", ConnectorType: "okta", Tenant: "t", Entity: extract.Users}
	f := writeStaged(t, root, env, fixtureDate, []rec{oktaUser{"00u1", "ACTIVE", "a@x", "a@x", "A", "B", nil, nil}.rec()})
	short := f
	short.Rows = 2
	unknown := f
	unknown.ConnectorType = "slack"
	tests := []struct {
		name string
		in   Input
		err  string
	}{
		{"row count mismatch", Input{SnapshotID: "s", SnapshotDate: fixtureDate, Types: []TypeInfo{oktaType}, Staged: []StagedFile{short}}, "1 rows in 1 files, the stage reported 2"},
		{"unknown type", Input{SnapshotID: "s", SnapshotDate: fixtureDate, Types: []TypeInfo{oktaType}, Staged: []StagedFile{unknown}}, `connector type "slack"`},
		{"bad type name", Input{SnapshotID: "s", SnapshotDate: fixtureDate, Types: []TypeInfo{{Name: "okta; DROP"}}}, "not a lowercase identifier"},
		{"no snapshot", Input{SnapshotDate: fixtureDate}, "snapshot id is empty"},
		{"same product twice", Input{SnapshotID: "s", SnapshotDate: fixtureDate, Types: []TypeInfo{oktaType, {Name: "okta2", Vendor: oktaType.Vendor, Product: oktaType.Product}}}, "both declare"},
	}
	db := openDB(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.Run(context.Background(), tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.err)
			}
		})
	}
}

// TestGolden builds every dataset from the fixture and compares it with
// testdata/<dataset>.golden; a second build in a fresh database must give
// the same rows.
func TestGolden(t *testing.T) {
	in := fixture(t, t.TempDir())
	outputs := make([]map[string]string, 2)
	for run := range outputs {
		db := openDB(t)
		counts, err := db.Run(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		outputs[run] = map[string]string{}
		for _, ds := range Datasets {
			out := render(t, db.SQL(), ds.Name, ds.Key)
			if got := int64(strings.Count(out, "\n") - 1); got != counts[ds.Name] {
				t.Errorf("%s: Run reported %d rows, table has %d", ds.Name, counts[ds.Name], got)
			}
			outputs[run][ds.Name] = out
		}
	}
	for _, ds := range Datasets {
		if outputs[0][ds.Name] != outputs[1][ds.Name] {
			t.Errorf("%s differs between two runs on the same input", ds.Name)
		}
		golden := filepath.Join("testdata", ds.Name+".golden")
		if *update {
			if err := os.WriteFile(golden, []byte(outputs[0][ds.Name]), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if got := outputs[0][ds.Name]; got != string(want) {
			t.Errorf("%s differs from %s (run with -update and review the diff)\n got:\n%s\nwant:\n%s", ds.Name, golden, got, want)
		}
	}
}

// TestActivityStatus pins the activity vocabulary at its boundaries: the
// threshold is inclusive, "never" is no_activity only where the source
// can measure activity, and a source that cannot is not_monitored whatever
// its timestamps say.
func TestActivityStatus(t *testing.T) {
	day := func(d string) string { return d + "T12:00:00.000Z" }
	tests := []struct {
		name      string
		caps      extract.Capabilities
		threshold int
		lastLogin any
		want      string
	}{
		{"within threshold", extract.Capabilities{LastLogin: true}, 30, day("2026-02-13"), "active 30"},
		{"one day past", extract.Capabilities{LastLogin: true}, 30, day("2026-02-12"), "inactive 31"},
		{"custom threshold", extract.Capabilities{LastLogin: true}, 7, day("2026-03-01"), "inactive 14"},
		{"never", extract.Capabilities{LastLogin: true}, 30, nil, "no_activity ∅"},
		{"sentinel year 1", extract.Capabilities{Activity: true}, 30, "0001-01-01T00:00:00Z", "no_activity ∅"},
		{"not measurable", extract.Capabilities{SSO: true}, 30, day("2026-03-14"), "not_monitored ∅"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			env := stage.Envelope{SnapshotID: "s", Connector: "c", ConnectorType: "okta", Tenant: "t", Entity: extract.Users}
			f := writeStaged(t, root, env, fixtureDate, []rec{oktaUser{"00u1", "ACTIVE", "a@x", "a@x", "A", "B", tc.lastLogin, nil}.rec()})
			typ := oktaType
			typ.Capabilities = tc.caps
			db := openDB(t)
			if _, err := db.Run(context.Background(), Input{SnapshotID: "s", SnapshotDate: fixtureDate, Types: []TypeInfo{typ},
				Staged: []StagedFile{f}, ActivityThresholdDays: tc.threshold}); err != nil {
				t.Fatal(err)
			}
			var got string
			if err := db.SQL().QueryRow(`SELECT activity_status || ' ' || coalesce(CAST(days_since_last_activity AS VARCHAR), '∅') FROM accounts`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDiscardIntermediates runs the fixture the pipeline's way (intermediate
// tables dropped as soon as nothing later reads them, each dataset written
// by Run as soon as it is built, WriteDatasetsTo) and the inspecting way
// (WriteDatasets after Run), and requires the same bytes in every dataset
// file, the same row counts, the golden rows in them, and nothing but the
// datasets left in the lean database.
func TestDiscardIntermediates(t *testing.T) {
	ctx := context.Background()
	in := fixture(t, t.TempDir())
	full, lean := openDB(t), openDB(t)
	dirs := []string{t.TempDir(), filepath.Join(t.TempDir(), "datasets")}
	lean.DiscardIntermediates()
	lean.WriteDatasetsTo(dirs[1])
	var counts []map[string]int64
	for _, db := range []*DB{full, lean} {
		n, err := db.Run(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, n)
	}
	if err := full.WriteDatasets(ctx, dirs[0]); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(counts[0], counts[1]) || len(counts[0]) != len(Datasets) {
		t.Errorf("row counts differ: full %v, lean %v", counts[0], counts[1])
	}
	left := func(db *DB) []string {
		rows, err := db.SQL().Query(`SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'
			UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return names
	}
	var want []string
	for _, ds := range Datasets {
		want = append(want, ds.Name)
	}
	slices.Sort(want)
	if got := left(lean); !slices.Equal(got, want) {
		t.Errorf("lean run left %v, want only the datasets %v", got, want)
	}
	if got := left(full); !slices.Contains(got, "stg_okta__users") || !slices.Contains(got, "int_accounts") {
		t.Errorf("full run dropped intermediate tables: %v", got)
	}
	for _, ds := range Datasets {
		a, err := os.ReadFile(DatasetFile(dirs[0], ds.Name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(DatasetFile(dirs[1], ds.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: lean and full runs wrote different files", ds.Name)
		}
		if st, err := os.Stat(DatasetFile(dirs[1], ds.Name)); err != nil || st.Mode().Perm() != stage.FileMode {
			t.Errorf("%s: mode %v (%v), want %v", ds.Name, st.Mode().Perm(), err, stage.FileMode)
		}
		golden, err := os.ReadFile(filepath.Join("testdata", ds.Name+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		if got := render(t, lean.SQL(), "read_parquet('"+DatasetFile(dirs[1], ds.Name)+"')", ds.Key); got != string(golden) {
			t.Errorf("%s: the written file differs from %s\n got:\n%s", ds.Name, ds.Name+".golden", got)
		}
	}
}

// TestActivityLineage: an event staged by several instances counts once in
// activity_daily and names every instance that staged it, whichever copy
// was chosen; an event staged once names its own instance.
func TestActivityLineage(t *testing.T) {
	root := t.TempDir()
	const tenant = "acme.okta.com"
	env := func(conn, entity string) stage.Envelope {
		return stage.Envelope{SnapshotID: "s", Connector: conn, ConnectorType: "okta", Tenant: tenant, Entity: entity}
	}
	early := time.Date(2026, 3, 15, 1, 0, 0, 0, time.UTC)
	user := oktaUser{"00u1", "ACTIVE", "a@acme.example", "a@acme.example", "A", "B", nil, nil}.rec()
	shared := oktaEvent("ev-shared", "2026-03-13T10:00:00.000Z", "user.authentication.sso", "00u1", "a@acme.example", "0oa1", "Salesforce", "SUCCESS")
	own := oktaEvent("ev-own", "2026-03-14T10:00:00.000Z", "user.authentication.sso", "00u1", "a@acme.example", "0oa1", "Salesforce", "SUCCESS")
	staged := []StagedFile{
		writeStaged(t, root, env("okta-b", extract.Users), early, []rec{user}),
		writeStaged(t, root, env("okta-b", extract.Activity), early, []rec{shared, own}),
		writeStaged(t, root, env("okta-a", extract.Activity), early.Add(time.Hour), []rec{shared}),
		writeStaged(t, root, env("okta-c", extract.Activity), early.Add(2*time.Hour), []rec{shared}),
	}
	db := openDB(t)
	if _, err := db.Run(context.Background(), Input{SnapshotID: "s", SnapshotDate: fixtureDate, Types: []TypeInfo{oktaType}, Staged: staged}); err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().Query(`SELECT CAST(date AS VARCHAR), event_count, CAST(connectors AS VARCHAR) FROM activity_daily ORDER BY date`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var day, connectors string
		var n int
		if err := rows.Scan(&day, &n, &connectors); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %d %s", day, n, connectors))
	}
	want := []string{"2026-03-13 1 [okta-a, okta-b, okta-c]", "2026-03-14 1 [okta-b]"}
	if !slices.Equal(got, want) {
		t.Errorf("activity_daily:\n got %q\nwant %q", got, want)
	}
}

// TestActivityCopyChoice: of the copies of one event staged by several
// instances, the freshest describes it and, among the freshest, the
// instance first by name, as TestAppAssignmentCopyChoice checks for
// assignments (the copies differ here in their publication time).
func TestActivityCopyChoice(t *testing.T) {
	early := time.Date(2026, 3, 15, 1, 0, 0, 0, time.UTC)
	for _, hours := range [][2]string{{"11", "12"}, {"12", "11"}} {
		root := t.TempDir()
		copyAt := func(hour string) rec {
			return oktaEvent("ev1", "2026-03-13T"+hour+":00:00.000Z", "user.authentication.sso", "00u1", "a@acme.example", "0oa1", "Salesforce", "SUCCESS")
		}
		in := Input{SnapshotID: "s", SnapshotDate: fixtureDate, Types: []TypeInfo{oktaType},
			Staged: threeCopies(t, root, extract.Activity, early, copyAt("10"), copyAt(hours[0]), copyAt(hours[1]))}
		db := openDB(t)
		if _, err := db.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		got := render(t, db.SQL(), `(SELECT occurred_at, connectors FROM int_activity)`, []string{"occurred_at"})
		want := "occurred_at\tconnectors\n2026-03-13 " + hours[0] + ":00:00+00\t[okta-a, okta-b, okta-c]\n"
		if got != want {
			t.Errorf("okta-b staged %s:00: int_activity\n%s\nwant\n%s", hours[0], got, want)
		}
	}
}
