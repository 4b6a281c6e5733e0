//go:build !(linux && cgo && (amd64 || arm64))

package transform

// tuneAllocator does nothing where DuckDB does not link its jemalloc.
func tuneAllocator() error { return nil }
