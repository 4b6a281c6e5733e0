package transform

import (
	"database/sql"
	"io/fs"
	"testing"
	"unicode/utf8"

	sqlfiles "github.com/saaspipe/saaspipe/sql"
)

// macroDB is a DuckDB with sql/macros.sql loaded and nothing else.
func macroDB(t testing.TB) *sql.DB {
	t.Helper()
	db := openDB(t).SQL()
	macros, err := fs.ReadFile(sqlfiles.FS, "macros.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(macros)); err != nil {
		t.Fatal(err)
	}
	return db
}

// trimCases are strings whose ends hold each kind of character trim_space
// must treat as DuckDB's trim does: every Unicode space separator is
// trimmed, other white space (tab, newline, zero-width space) is not.
var trimCases = []string{
	"", " ", "  ", "ann@acme.com", " ann@acme.com", "ann@acme.com ", "  a b  ",
	"\u00a0ann", "ann\u00a0", "\u3000ann\u3000", "\u2000\u200aann\u202f", "ann\u205f", "\u1680ann",
	"\tann\n", "ann\r\n", "\u200bann\u200b", "\u0085ann",
	"Zoë", " Zoë ", "名前", " 名前\u3000", "é", "\u00a0", "a\u00a0b",
}

// TestTrimSpace holds trim_space to DuckDB's trim on every case, and to a
// NULL for a NULL.
func TestTrimSpace(t *testing.T) {
	db := macroDB(t)
	for _, s := range trimCases {
		var got, want string
		if err := db.QueryRow(`SELECT trim_space(?), trim(?)`, s, s).Scan(&got, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("trim_space(%q) = %q, trim gives %q", s, got, want)
		}
	}
	var null sql.NullString
	if err := db.QueryRow(`SELECT trim_space(NULL::VARCHAR)`).Scan(&null); err != nil {
		t.Fatal(err)
	}
	if null.Valid {
		t.Errorf("trim_space(NULL) = %q, want NULL", null.String)
	}
}

// FuzzTrimSpace holds trim_space to trim on any valid UTF-8 string (DuckDB
// rejects invalid UTF-8 in a VARCHAR before either runs).
func FuzzTrimSpace(f *testing.F) {
	for _, s := range trimCases {
		f.Add(s)
	}
	db := macroDB(f)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var got, want string
		if err := db.QueryRow(`SELECT trim_space(?), trim(?)`, s, s).Scan(&got, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("trim_space(%q) = %q, trim gives %q", s, got, want)
		}
	})
}
