//go:build linux && cgo && (amd64 || arm64)

package transform

import "testing"

// TestAllocatorArenas: DuckDB's jemalloc runs on Arenas arenas, whatever
// DUCKDB_JE_MALLOC_CONF says.
func TestAllocatorArenas(t *testing.T) {
	openDB(t)
	n, err := autoArenas()
	if err != nil {
		t.Fatal(err)
	}
	if n != Arenas {
		t.Errorf("DuckDB's jemalloc has %d arenas, want %d", n, Arenas)
	}
}
