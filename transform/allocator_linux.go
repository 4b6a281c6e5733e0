//go:build linux && cgo && (amd64 || arm64)

package transform

/*
#include <stddef.h>
#include <sys/types.h>
#include <stdlib.h>
#include <errno.h>

// The jemalloc DuckDB links, under its prefix (duckdb-go-bindings' static
// library).
extern int duckdb_je_mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

static int set_decay(const char *name, ssize_t ms) {
	return duckdb_je_mallctl(name, NULL, NULL, &ms, sizeof(ms));
}

// jemalloc's last source of options, a weak symbol in its library: this
// definition is the one linked. It must name Arenas.
const char *duckdb_je_malloc_conf_2_conf_harder = "narenas:1";

static int get_unsigned(const char *name, unsigned *n) {
	size_t len = sizeof(*n);
	return duckdb_je_mallctl(name, n, &len, NULL, 0);
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// Arenas is how many arenas DuckDB's jemalloc spreads its threads over.
// DuckDB asks for one per two cores, but a statement runs on whichever OS
// thread the Go scheduler gives the calling goroutine, so the pages one
// statement frees sit in another arena than the one the next statement
// allocates from, and are faulted in afresh. With one arena they are
// reused. 10k transform alone, three runs each way, alternating: page
// faults 351k-362k -> 264k-271k, kernel CPU 3.5-4.0 -> 2.6-3.1 s, peak RSS
// 1.25-1.38 -> 1.03-1.05 GB. Statements run at most four threads
// (Open), which one arena's tcaches serve without contention.
//
// jemalloc has read its options before Go's init functions run (setting
// DUCKDB_JE_MALLOC_CONF from Go changed nothing), so the option is set by
// the C symbol jemalloc reads last, duckdb_je_malloc_conf_2_conf_harder,
// above: it overrides DUCKDB_JE_MALLOC_CONF's narenas, and only that.
// TestAllocatorArenas checks it took.
const Arenas = 1

// DirtyDecay is how long DuckDB's allocator keeps freed pages before handing
// them back to the kernel. DuckDB starts its jemalloc with one second, and
// the next statement faults the pages in again: at 100,000 people that was
// 2.3M page faults and a fifth of the transform's CPU in the kernel. With
// ten seconds one statement's memory serves the next. BenchmarkTransform100k,
// two runs each way, alternating: 70.7 and 70.2 s before, 62.4 and 67.8 s
// after; kernel CPU 27.5 and 25.7 s against 18.1 and 19.8 s; page faults
// 2.4M/2.3M against 1.5M/1.6M; peak RSS 2.4–2.7 GB either way. Muzzy pages
// (already advised away) are released at once.
const DirtyDecay = 10_000 // ms

var tuneOnce sync.Once

// tuneAllocator applies DirtyDecay to DuckDB's jemalloc: as the default for
// arenas made later, and to every arena already made (an index jemalloc
// has not initialised answers EFAULT and takes the default when it is).
func tuneAllocator() error {
	var err error
	tuneOnce.Do(func() {
		set := func(name string, ms int) C.int {
			cname := C.CString(name)
			defer C.free(unsafe.Pointer(cname))
			return C.set_decay(cname, C.ssize_t(ms))
		}
		for _, s := range []struct {
			name string
			ms   int
		}{{"arenas.dirty_decay_ms", DirtyDecay}, {"arenas.muzzy_decay_ms", 0}} {
			if rc := set(s.name, s.ms); rc != 0 {
				err = fmt.Errorf("setting DuckDB's allocator %s: error %d", s.name, int(rc))
				return
			}
		}
		name := C.CString("arenas.narenas")
		defer C.free(unsafe.Pointer(name))
		var n C.unsigned
		if rc := C.get_unsigned(name, &n); rc != 0 {
			err = fmt.Errorf("counting DuckDB's allocator arenas: error %d", int(rc))
			return
		}
		for i := range int(n) {
			for _, s := range []struct {
				name string
				ms   int
			}{{"dirty_decay_ms", DirtyDecay}, {"muzzy_decay_ms", 0}} {
				if rc := set(fmt.Sprintf("arena.%d.%s", i, s.name), s.ms); rc != 0 && rc != C.EFAULT {
					err = fmt.Errorf("setting DuckDB's allocator arena.%d.%s: error %d", i, s.name, int(rc))
					return
				}
			}
		}
	})
	return err
}

// autoArenas is how many arenas DuckDB's jemalloc started with.
func autoArenas() (int, error) {
	name := C.CString("opt.narenas")
	defer C.free(unsafe.Pointer(name))
	var n C.unsigned
	if rc := C.get_unsigned(name, &n); rc != 0 {
		return 0, fmt.Errorf("reading DuckDB's allocator opt.narenas: error %d", int(rc))
	}
	return int(n), nil
}
