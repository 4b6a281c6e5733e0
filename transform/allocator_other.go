//go:build !(linux && cgo && (amd64 || arm64))

package transform

// tuneAllocator does nothing where DuckDB does not link its jemalloc.
func tuneAllocator() error { return nil }

// autoArenas reports 0: there is no jemalloc to ask.
func autoArenas() (int, error) { return 0, nil }
