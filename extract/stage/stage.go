package stage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/saaspipe/saaspipe/extract"
)

// Row is the staged schema (DESIGN.md, "Staged raw data").
type Row struct {
	SnapshotID    string    `parquet:"snapshot_id,dict"`
	Connector     string    `parquet:"connector,dict"`
	ConnectorType string    `parquet:"connector_type,dict"`
	Tenant        string    `parquet:"tenant,dict"`
	Entity        string    `parquet:"entity,dict"`
	SourceID      string    `parquet:"source_id"`
	ExtractedAt   time.Time `parquet:"extracted_at,timestamp(microsecond)"`
	Payload       []byte    `parquet:"payload,json"`
}

// Envelope is what every row of one file shares.
type Envelope struct {
	SnapshotID    string
	Connector     string
	ConnectorType string
	Tenant        string
	Entity        string
	// Folder is the directory under root the file goes to: SnapshotID
	// when empty, DATE.rN for the re-extract of a replacement revision
	// (whose rows still carry the snapshot's date as SnapshotID).
	Folder string
}

// Path is where the staged file of env lives under root.
func Path(root string, env Envelope) string {
	folder := env.Folder
	if folder == "" {
		folder = env.SnapshotID
	}
	return filepath.Join(root, folder, env.Connector, env.Entity+".parquet")
}

// Staged payloads are vendor records about people: readable by the owner
// and the owner's group (an analyst or auditor group), never by everyone.
// The umask can only narrow these.
const (
	FileMode os.FileMode = 0o640
	DirMode  os.FileMode = 0o750
)

const batchRows = 512

// rowGroupRows bounds what parquet-go buffers before it writes a row group:
// with ~1 KB payloads, 8192 rows keep a writer near 10 MB however large the
// tenant, so memory follows page size, not tenant size.
const rowGroupRows = 8192

// Writer streams the records of one entity into a temporary file.
type Writer struct {
	env   Envelope
	final string
	tmp   *os.File
	pw    *parquet.GenericWriter[Row]
	batch []Row
	// arena holds the batch's payload copies: one allocation per batch
	// instead of one per record. parquet-go copies values on Write, so the
	// arena is reused after each flush.
	arena []byte
	rows  int64
	now   func() time.Time
	done  bool
}

// Create opens a writer for env under root. now stamps extracted_at (UTC,
// truncated to microseconds); nil means time.Now.
func Create(root string, env Envelope, now func() time.Time) (*Writer, error) {
	if now == nil {
		now = time.Now
	}
	final := Path(root, env)
	if err := os.MkdirAll(filepath.Dir(final), DirMode); err != nil {
		return nil, fmt.Errorf("creating staging directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(final), env.Entity+".parquet.*.tmp")
	if err != nil {
		return nil, fmt.Errorf("creating staged file for %s/%s: %w", env.Connector, env.Entity, err)
	}
	if err := tmp.Chmod(FileMode); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("creating staged file for %s/%s: %w", env.Connector, env.Entity, err)
	}
	codec, err := newPageCodec()
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("creating staged file for %s/%s: %w", env.Connector, env.Entity, err)
	}
	pw := parquet.NewGenericWriter[Row](tmp,
		parquet.Compression(codec),
		parquet.CreatedBy("saaspipe", "", ""),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
	)
	return &Writer{env: env, final: final, tmp: tmp, pw: pw, batch: make([]Row, 0, batchRows), now: now}, nil
}

// Emit appends one record; it copies the payload.
func (w *Writer) Emit(ctx context.Context, r extract.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.done {
		return errors.New("stage: emit after commit or abort")
	}
	w.batch = append(w.batch, Row{
		SnapshotID:    w.env.SnapshotID,
		Connector:     w.env.Connector,
		ConnectorType: w.env.ConnectorType,
		Tenant:        w.env.Tenant,
		Entity:        w.env.Entity,
		SourceID:      r.SourceID,
		ExtractedAt:   w.now().UTC().Truncate(time.Microsecond),
		Payload:       w.copyPayload(r.Payload),
	})
	w.rows++
	if len(w.batch) == cap(w.batch) {
		return w.flush()
	}
	return nil
}

func (w *Writer) copyPayload(p []byte) []byte {
	start := len(w.arena)
	w.arena = append(w.arena, p...)
	return w.arena[start:len(w.arena):len(w.arena)]
}

func (w *Writer) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	if _, err := w.pw.Write(w.batch); err != nil {
		return fmt.Errorf("writing staged rows of %s/%s: %w", w.env.Connector, w.env.Entity, err)
	}
	clear(w.batch)
	w.batch = w.batch[:0]
	w.arena = w.arena[:0]
	return nil
}

// Rows is the number of records emitted so far.
func (w *Writer) Rows() int64 { return w.rows }

// Commit completes the file and renames it into place durably: data fsynced,
// renamed, directory fsynced. Only after Commit returns nil may a cursor
// covering these records be stored.
func (w *Writer) Commit() (string, error) {
	if w.done {
		return "", errors.New("stage: commit after commit or abort")
	}
	w.done = true
	err := w.flush()
	if err == nil {
		err = w.pw.Close()
	}
	if err == nil {
		err = w.tmp.Sync()
	}
	if cerr := w.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.tmp.Name(), w.final)
	}
	if err == nil {
		err = Sync(filepath.Dir(w.final))
	}
	if err != nil {
		os.Remove(w.tmp.Name())
		return "", fmt.Errorf("committing staged file %s: %w", w.final, err)
	}
	return w.final, nil
}

// Abort discards the temporary file; the previous staged file, if any, stays.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.tmp.Close()
	os.Remove(w.tmp.Name())
}

// Sync fsyncs the file or directory at path: a directory after a rename
// into it, so the entry survives a crash.
func Sync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// CleanTemp removes temporary files left under root by a crashed run.
func CleanTemp(root string) error {
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".tmp") {
			return os.Remove(p)
		}
		return nil
	})
}
