package load

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/transform"
)

var oktaType = transform.TypeInfo{Name: "okta", Vendor: "Okta", Product: "Workforce Identity Cloud",
	Capabilities: extract.Capabilities{LastLogin: true, Activity: true, SSO: true, Directory: true}}

// genInput stages a synthetic Okta tenant of n users read by two instances
// (the second sees every other user again), with apps, assignments and SSO
// events, all derived from n and the date so the data is reproducible.
func genInput(t testing.TB, root string, day time.Time, n int) transform.Input {
	t.Helper()
	id := day.Format(time.DateOnly)
	at := day.Add(2 * time.Hour)
	statuses := []string{"ACTIVE", "ACTIVE", "ACTIVE", "STAGED", "PROVISIONED", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED"}
	const apps = 20
	type rec struct {
		id string
		v  any
	}
	var users, appRecs, assigns, events []rec
	for i := range n {
		uid := fmt.Sprintf("00u%06d", i)
		var last any
		if i%7 != 0 {
			last = day.Add(-time.Duration(i%90) * 24 * time.Hour).Format(time.RFC3339)
		}
		users = append(users, rec{uid, map[string]any{"id": uid, "status": statuses[i%len(statuses)], "created": "2024-01-01T00:00:00Z", "lastLogin": last,
			"profile": map[string]any{"login": fmt.Sprintf("user%d@corp.example", i), "email": fmt.Sprintf("user%d@corp.example", i),
				"firstName": "User", "lastName": fmt.Sprint(i), "department": fmt.Sprintf("Dept %d", i%12), "managerId": fmt.Sprintf("00u%06d", i/10)}}})
		for k := range 3 {
			app := fmt.Sprintf("0oa%03d", (i+k*7)%apps)
			assigns = append(assigns, rec{app + "/" + uid, map[string]any{"id": uid, "status": "ACTIVE", "scope": "USER", "created": "2025-01-01T00:00:00Z",
				"credentials": map[string]any{"userName": fmt.Sprintf("user%d@corp.example", i)}, "profile": map[string]any{"email": fmt.Sprintf("user%d@corp.example", i)}}})
			ev := fmt.Sprintf("ev-%06d-%d", i, k)
			events = append(events, rec{ev, map[string]any{"uuid": ev, "eventType": "user.authentication.sso",
				"published": day.Add(-time.Duration((i*3+k)%40) * 24 * time.Hour).Add(time.Duration(k) * time.Hour).Format(time.RFC3339),
				"actor":     map[string]any{"id": uid, "type": "User", "alternateId": fmt.Sprintf("user%d@corp.example", i)},
				"target":    []any{map[string]any{"id": app, "type": "AppInstance", "displayName": "App " + app}},
				"outcome":   map[string]any{"result": "SUCCESS"}}})
		}
	}
	for a := range apps {
		aid := fmt.Sprintf("0oa%03d", a)
		appRecs = append(appRecs, rec{aid, map[string]any{"id": aid, "name": "app_" + aid, "label": "App " + aid, "status": "ACTIVE", "signOnMode": "SAML_2_0", "created": "2023-01-01T00:00:00Z"}})
	}
	write := func(conn, entity string, recs []rec, every int) transform.StagedFile {
		env := stage.Envelope{SnapshotID: id, Connector: conn, ConnectorType: "okta", Tenant: "corp.okta.com", Entity: entity}
		w, err := stage.Create(root, env, func() time.Time { return at })
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range recs {
			if i%every != 0 {
				continue
			}
			b, err := json.Marshal(r.v)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Emit(context.Background(), extract.Record{SourceID: r.id, Payload: b}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := w.Commit()
		if err != nil {
			t.Fatal(err)
		}
		return transform.StagedFile{Path: p, Connector: conn, ConnectorType: "okta", Tenant: "corp.okta.com", Entity: entity, Rows: w.Rows()}
	}
	var staged []transform.StagedFile
	for _, conn := range []struct {
		name  string
		every int
	}{{"okta-a", 1}, {"okta-b", 2}} {
		staged = append(staged,
			write(conn.name, extract.Users, users, conn.every),
			write(conn.name, extract.Applications, appRecs, conn.every),
			write(conn.name, extract.AppAssignments, assigns, conn.every),
			write(conn.name, extract.Activity, events, conn.every))
	}
	runs := []transform.ConnectorRun{
		{Connector: "okta-a", ConnectorType: "okta", Tenant: "corp.okta.com", Status: "ok", DataAsOf: at, Rows: map[string]int64{"users": int64(n)}, Requests: 10},
		{Connector: "okta-b", ConnectorType: "okta", Tenant: "corp.okta.com", Status: "ok", DataAsOf: at, Rows: map[string]int64{"users": int64((n + 1) / 2)}, Requests: 5},
	}
	return transform.Input{SnapshotID: id, SnapshotDate: day, Staged: staged, Runs: runs, Types: []transform.TypeInfo{oktaType}}
}

// build transforms a generated snapshot and returns options to publish it.
func build(t testing.TB, dataDir string, day time.Time, n int) (*transform.DB, Options) {
	t.Helper()
	in := genInput(t, filepath.Join(dataDir, "staging"), day, n)
	return transformed(t, in), Options{DataDir: dataDir, SnapshotID: in.SnapshotID, SnapshotDate: day, Datasets: transform.Datasets,
		Staged: in.Staged, Runs: in.Runs, Input: in, ToolVersion: "test", ConfigFingerprint: "fp"}
}

// transformed runs the transform over in in a fresh database.
func transformed(t testing.TB, in transform.Input) *transform.DB {
	t.Helper()
	db, err := transform.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	return db
}

var day1 = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

// checkManifest proves every listed file exists with the listed hash, size
// and row count.
func checkManifest(t *testing.T, dataDir string, m *Manifest) {
	t.Helper()
	if len(m.Files) != len(transform.Datasets)+len(HistoryDatasets) {
		t.Errorf("manifest lists %d files, want %d", len(m.Files), len(transform.Datasets)+len(HistoryDatasets))
	}
	for _, f := range append([]File(nil), m.Files...) {
		sum, size, err := hashFile(filepath.Join(dataDir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if sum != f.SHA256 || size != f.Size {
			t.Errorf("%s: on disk sha256 %s size %d, manifest %s %d", f.Path, sum, size, f.SHA256, f.Size)
		}
	}
	for _, s := range m.Staged {
		sum, _, err := hashFile(filepath.Join(dataDir, filepath.FromSlash(s.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if sum != s.SHA256 {
			t.Errorf("staged %s: sha256 %s, manifest %s", s.Path, sum, s.SHA256)
		}
	}
}

func openCatalog(t *testing.T, dataDir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(dataDir, catalogName)+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestPublishChainCatalogAndSeal(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	db1, o1 := build(t, dataDir, day1, 300)
	m1, err := Publish(ctx, db1.SQL(), o1)
	if err != nil {
		t.Fatal(err)
	}
	checkManifest(t, dataDir, m1)
	if m1.PreviousManifestSHA256 != "" || len(m1.Staged) != 8 || len(m1.Connectors) != 2 {
		t.Errorf("first manifest: previous %q, %d staged, %d connectors", m1.PreviousManifestSHA256, len(m1.Staged), len(m1.Connectors))
	}
	if ok, err := Published(dataDir, o1.SnapshotID); err != nil || !ok {
		t.Fatalf("Published = %v, %v", ok, err)
	}

	// The same staged input, transformed again in a new database and
	// published elsewhere, gives the same bytes; so does the pipeline's
	// way, where the transform keeps only the datasets and writes them as
	// files that a fresh database publishes (DatasetDir).
	in1 := transform.Input{SnapshotID: o1.SnapshotID, SnapshotDate: day1, Staged: o1.Staged, Runs: o1.Runs,
		Types: []transform.TypeInfo{oktaType}}
	for _, handed := range []bool{false, true} {
		o1b := o1
		o1b.DataDir = t.TempDir()
		var again *transform.DB
		if handed {
			lean, err := transform.Open(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			lean.DiscardIntermediates()
			if _, err := lean.Run(ctx, in1); err != nil {
				t.Fatal(err)
			}
			o1b.DatasetDir = t.TempDir()
			if err := lean.WriteDatasets(ctx, o1b.DatasetDir); err != nil {
				t.Fatal(err)
			}
			lean.Close()
			if again, err = transform.Open(ctx, t.TempDir()); err != nil {
				t.Fatal(err)
			}
			defer again.Close()
		} else {
			again = transformed(t, in1)
		}
		m1b, err := Publish(ctx, again.SQL(), o1b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range m1.Files {
			if m1.Files[i].SHA256 != m1b.Files[i].SHA256 || m1.Files[i].Rows != m1b.Files[i].Rows {
				t.Errorf("%s (handed over as files: %v): two transforms of the same input published different bytes", m1.Files[i].Path, handed)
			}
		}
	}

	if _, err := Publish(ctx, db1.SQL(), o1); !errors.Is(err, ErrSealed) {
		t.Fatalf("republishing a sealed snapshot: err = %v, want ErrSealed", err)
	}
	sameDate := o1
	sameDate.SnapshotID = o1.SnapshotID + "-rerun"
	if _, err := Publish(ctx, db1.SQL(), sameDate); !errors.Is(err, ErrSealed) {
		t.Fatalf("publishing a sealed date under another id: err = %v, want ErrSealed", err)
	}

	day2 := day1.AddDate(0, 0, 1)
	db2, o2 := build(t, dataDir, day2, 320)
	m2, err := Publish(ctx, db2.SQL(), o2)
	if err != nil {
		t.Fatal(err)
	}
	checkManifest(t, dataDir, m2)
	sum1, _, err := hashFile(manifestPath(dataDir, o1.SnapshotID))
	if err != nil {
		t.Fatal(err)
	}
	if m2.PreviousSnapshotID != o1.SnapshotID || m2.PreviousManifestSHA256 != sum1 {
		t.Errorf("chain: previous = %s %s, want %s %s", m2.PreviousSnapshotID, m2.PreviousManifestSHA256, o1.SnapshotID, sum1)
	}
	read, err := ReadManifest(dataDir, o2.SnapshotID)
	if err != nil || read.PreviousManifestSHA256 != sum1 || len(read.Files) != len(m2.Files) {
		t.Fatalf("ReadManifest = %+v, %v", read, err)
	}

	early := o1
	early.SnapshotID, early.SnapshotDate = "2026-03-31", day1.AddDate(0, 0, -1)
	if _, err := Publish(ctx, db1.SQL(), early); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("publishing before the latest sealed snapshot: err = %v, want ErrOutOfOrder", err)
	}

	cat := openCatalog(t, dataDir)
	rows := map[string]map[string]int64{}
	for _, m := range []*Manifest{m1, m2} {
		for _, f := range m.Files {
			if rows[f.Dataset] == nil {
				rows[f.Dataset] = map[string]int64{}
			}
			rows[f.Dataset][m.SnapshotDate] = f.Rows
		}
	}
	for _, ds := range transform.Datasets {
		r := rows[ds.Name]
		if got := count(t, cat, "SELECT count(*) FROM "+ds.Name); got != r[m1.SnapshotDate]+r[m2.SnapshotDate] {
			t.Errorf("view %s: %d rows, manifests say %d", ds.Name, got, r[m1.SnapshotDate]+r[m2.SnapshotDate])
		}
		if got := count(t, cat, "SELECT count(*) FROM current_"+ds.Name); got != r[m2.SnapshotDate] {
			t.Errorf("view current_%s: %d rows, want %d", ds.Name, got, r[m2.SnapshotDate])
		}
		if got := count(t, cat, "SELECT count(DISTINCT snapshot_date) FROM current_"+ds.Name+" WHERE snapshot_date = DATE '2026-04-02'"); r[m2.SnapshotDate] > 0 && got != 1 {
			t.Errorf("view current_%s does not hold the latest snapshot", ds.Name)
		}
	}
	if got := count(t, cat, "SELECT count(*) FROM current_accounts WHERE activity_status = 'active'"); got == 0 {
		t.Error("current_accounts has no active account")
	}
}

func TestPublishCrashLeavesPreviousState(t *testing.T) {
	steps := []string{"written:people", "moved:accounts", "moved:connector_runs", "manifest"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			ctx := context.Background()
			dataDir := t.TempDir()
			db1, o1 := build(t, dataDir, day1, 50)
			m1, err := Publish(ctx, db1.SQL(), o1)
			if err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(manifestPath(dataDir, o1.SnapshotID))
			if err != nil {
				t.Fatal(err)
			}

			db2, o2 := build(t, dataDir, day1.AddDate(0, 0, 1), 60)
			crash := errors.New("injected crash")
			failpoint = func(s string) error {
				if s == step {
					return crash
				}
				return nil
			}
			t.Cleanup(func() { failpoint = nil })
			if _, err := Publish(ctx, db2.SQL(), o2); !errors.Is(err, crash) {
				t.Fatalf("Publish = %v, want the injected crash", err)
			}
			failpoint = nil

			if ok, _ := Published(dataDir, o2.SnapshotID); ok {
				t.Fatal("the crashed snapshot is sealed")
			}
			after, err := os.ReadFile(manifestPath(dataDir, o1.SnapshotID))
			if err != nil || string(after) != string(before) {
				t.Fatalf("previous manifest changed: %v", err)
			}
			checkManifest(t, dataDir, m1)
			// The catalog still shows exactly the sealed snapshot, even when
			// unsealed partitions were already moved next to it.
			cat := openCatalog(t, dataDir)
			for _, f := range m1.Files {
				if got := count(t, cat, "SELECT count(*) FROM "+f.Dataset); got != f.Rows {
					t.Errorf("after crash, view %s has %d rows, want %d", f.Dataset, got, f.Rows)
				}
			}
			cat.Close()

			m2, err := Publish(ctx, db2.SQL(), o2)
			if err != nil {
				t.Fatalf("publish after crash: %v", err)
			}
			checkManifest(t, dataDir, m2)
			entries, err := os.ReadDir(dataDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), tempPrefix) || strings.HasSuffix(e.Name(), ".tmp") {
					t.Errorf("leftover %s after a successful publish", e.Name())
				}
			}
		})
	}
}

func TestCleanLeftoversKeepsSealed(t *testing.T) {
	dataDir := t.TempDir()
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Join(dataDir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mk("published/accounts/snapshot_date=2026-04-01")
	mk("published/accounts/snapshot_date=2026-04-02")
	mk(".publish-x-123/accounts")
	mk("snapshots/2026-04-02")
	if err := cleanLeftovers(dataDir, []*Manifest{{SnapshotID: "2026-04-01", SnapshotDate: "2026-04-01"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		kept bool
	}{
		{"published/accounts/snapshot_date=2026-04-01", true},
		{"published/accounts/snapshot_date=2026-04-02", false},
		{".publish-x-123", false},
		{"snapshots/2026-04-02", false},
	}
	for _, tc := range tests {
		_, err := os.Stat(filepath.Join(dataDir, tc.path))
		if kept := err == nil; kept != tc.kept {
			t.Errorf("%s: kept = %v, want %v", tc.path, kept, tc.kept)
		}
	}
}

// BenchmarkTransformAndPublish measures transform plus publish of a
// generated two-instance tenant (3000 users, 9000 assignments, 9000 SSO
// events, plus the second instance's overlapping half).
func BenchmarkTransformAndPublish(b *testing.B) {
	ctx := context.Background()
	stagingRoot := b.TempDir()
	in := genInput(b, stagingRoot, day1, 3000)
	var records int64
	for _, f := range in.Staged {
		records += f.Rows
	}
	b.ReportMetric(float64(records), "staged_records")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		db, err := transform.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Run(ctx, in); err != nil {
			b.Fatal(err)
		}
		o := Options{DataDir: b.TempDir(), SnapshotID: in.SnapshotID, SnapshotDate: day1, Datasets: transform.Datasets,
			Staged: in.Staged, Runs: in.Runs}
		if _, err := Publish(ctx, db.SQL(), o); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
