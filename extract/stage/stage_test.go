package stage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/saaspipe/saaspipe/extract"
)

var env = Envelope{SnapshotID: "2026-11-28", Connector: "okta-prod", ConnectorType: "okta", Tenant: "acme.okta.com", Entity: "users"}

func readRows(t *testing.T, path string) []Row {
	t.Helper()
	rows, err := parquet.ReadFile[Row](path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return rows
}

func TestWriterRoundTrip(t *testing.T) {
	root := t.TempDir()
	at := time.Date(2026, 11, 28, 3, 4, 5, 123456789, time.FixedZone("CET", 3600))
	w, err := Create(root, env, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	const n = batchRows*2 + 7 // crosses batch flushes
	for i := range n {
		payload := fmt.Sprintf(`{"id":"u%d","profile":{"login":"p%d@acme.example"},"n":%d}`, i, i, i)
		if err := w.Emit(context.Background(), extract.Record{SourceID: fmt.Sprintf("u%d", i), Payload: json.RawMessage(payload)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(Path(root, env)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("final file visible before Commit: %v", err)
	}
	path, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	rows := readRows(t, path)
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	for i, r := range rows {
		want := fmt.Sprintf(`{"id":"u%d","profile":{"login":"p%d@acme.example"},"n":%d}`, i, i, i)
		if string(r.Payload) != want || r.SourceID != fmt.Sprintf("u%d", i) {
			t.Fatalf("row %d = %s %s, want %s", i, r.SourceID, r.Payload, want)
		}
		if r.Tenant != env.Tenant || r.Connector != env.Connector || r.Entity != env.Entity || r.SnapshotID != env.SnapshotID {
			t.Fatalf("row %d envelope = %+v", i, r)
		}
		if want := at.UTC().Truncate(time.Microsecond); !r.ExtractedAt.Equal(want) {
			t.Fatalf("extracted_at = %v, want %v (UTC, microseconds)", r.ExtractedAt, want)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestPayloadCopied(t *testing.T) {
	root := t.TempDir()
	w, err := Create(root, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	buf := []byte(`{"id":"a"}`)
	if err := w.Emit(context.Background(), extract.Record{SourceID: "a", Payload: buf}); err != nil {
		t.Fatal(err)
	}
	copy(buf, `{"id":"X"}`) // the caller reuses its buffer
	path, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(readRows(t, path)[0].Payload); got != `{"id":"a"}` {
		t.Fatalf("payload = %s: the writer kept the caller's buffer", got)
	}
}

func TestAbortKeepsPreviousFile(t *testing.T) {
	root := t.TempDir()
	write := func(ids ...string) *Writer {
		w, err := Create(root, env, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if err := w.Emit(context.Background(), extract.Record{SourceID: id, Payload: json.RawMessage(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	if _, err := write("a", "b").Commit(); err != nil {
		t.Fatal(err)
	}
	w := write("c")
	w.Abort()
	if err := w.Emit(context.Background(), extract.Record{SourceID: "d"}); err == nil {
		t.Fatal("emit after abort succeeded")
	}
	if rows := readRows(t, Path(root, env)); len(rows) != 2 || rows[0].SourceID != "a" {
		t.Fatalf("aborted write changed the committed file: %+v", rows)
	}
	entries, _ := os.ReadDir(filepath.Dir(Path(root, env)))
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries after abort, want only the committed file", len(entries))
	}
}

func TestEmitHonoursContext(t *testing.T) {
	w, err := Create(t.TempDir(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Emit(ctx, extract.Record{SourceID: "a", Payload: json.RawMessage(`{}`)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Emit on a cancelled context = %v", err)
	}
}

func TestCleanTemp(t *testing.T) {
	root := t.TempDir()
	w, err := Create(root, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate a crash: the writer is never committed nor aborted.
	_ = w
	keep := filepath.Join(root, "keep.parquet")
	os.WriteFile(keep, nil, 0o644)
	if err := CleanTemp(root); err != nil {
		t.Fatal(err)
	}
	var left []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			left = append(left, filepath.Base(p))
		}
		return nil
	})
	if len(left) != 1 || left[0] != "keep.parquet" {
		t.Fatalf("after CleanTemp: %v", left)
	}
	if err := CleanTemp(filepath.Join(root, "missing")); err != nil {
		t.Fatalf("CleanTemp of a missing directory: %v", err)
	}
}

// BenchmarkStage measures staging throughput for ~1 KB JSON records: records/s
// and bytes on disk per record are reported as custom metrics.
func BenchmarkStage(b *testing.B) {
	// Distinct payloads far enough apart that compression cannot exploit
	// repeats that real data would not have.
	payloads := make([][]byte, 1<<16)
	for i := range payloads {
		payloads[i] = samplePayload(i)
	}
	var size int
	for _, p := range payloads {
		size += len(p)
	}
	b.SetBytes(int64(size / len(payloads)))
	root := b.TempDir()
	ctx := context.Background()
	b.ResetTimer()
	w, err := Create(root, env, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		if err := w.Emit(ctx, extract.Record{SourceID: fmt.Sprintf("00u%017d", i), Payload: payloads[i%len(payloads)]}); err != nil {
			b.Fatal(err)
		}
	}
	path, err := w.Commit()
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	st, _ := os.Stat(path)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(st.Size())/float64(b.N), "disk-B/record")
}

// samplePayload is an Okta-user-shaped record of about 1 KB whose values
// vary per record as real ones do: ids, names and hashes carry entropy that
// a template alone would not, so bytes on disk per record are honest.
func samplePayload(i int) []byte {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	word := func(n int) string {
		b := make([]byte, n)
		for j := range b {
			b[j] = "abcdefghijklmnopqrstuvwxyz"[r.IntN(26)]
		}
		return string(b)
	}
	first, last := word(4+r.IntN(6)), word(5+r.IntN(7))
	return fmt.Appendf(nil, `{"id":"00u%017d","status":"ACTIVE","etag":"%016x%016x","nickName":"%s","mobilePhone":"+1%010d","created":"2024-0%d-1%dT15:56:05.000Z","activated":null,`+
		`"statusChanged":"2024-05-04T19:50:52.000Z","lastLogin":"2026-11-%02dT%02d:50:52.000Z","lastUpdated":"2025-05-05T18:15:44.000Z",`+
		`"passwordChanged":"2024-04-04T16:00:22.000Z","type":{"id":"oty1162QAr8hJjTaq0g4"},"profile":{"firstName":"First%d",`+
		`"lastName":"Last%d","mobilePhone":null,"secondEmail":"first%d.last@acme-uk.example","login":"first%d.last%d@acme.example",`+
		`"email":"first%d.last%d@acme.example","department":"Dept %d","title":"Title %d","employeeNumber":"E%06d","costCenter":"CC-%d",`+
		`"userType":"Employee","organization":"Acme"},"credentials":{"password":{},"provider":{"type":"OKTA","name":"OKTA"}},`+
		`"_links":{"self":{"href":"https://acme.okta.com/api/v1/users/00u%017d"},"schema":{"href":"https://acme.okta.com/api/v1/meta/schemas/user/osc1162QAr8hJjTaq0g4"},`+
		`"type":{"href":"https://acme.okta.com/api/v1/meta/types/user/oty1162QAr8hJjTaq0g4"}}}`,
		i, r.Uint64(), r.Uint64(), first+"."+last, r.Int64N(1e10), i%9+1, i%9, i%28+1, i%24, i, i, i, i, i, i, i, i%40, i%200, i, i%30, i)
}

// TestStagedModes: staged files are owner read-write, group read, nothing
// for others, whatever the umask lets CreateTemp do; directories at most
// owner and group.
func TestStagedModes(t *testing.T) {
	root := t.TempDir()
	w, err := Create(root, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Emit(context.Background(), extract.Record{SourceID: "u1", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	path, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != FileMode {
		t.Errorf("staged file mode %v, want %v", got, FileMode)
	}
	for dir := filepath.Dir(path); dir != root; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if extra := fi.Mode().Perm() &^ DirMode; extra != 0 {
			t.Errorf("directory %s mode %v grants %v beyond %v", dir, fi.Mode().Perm(), extra, DirMode)
		}
	}
}
