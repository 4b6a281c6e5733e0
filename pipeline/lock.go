package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ErrLocked means another saaspipe process holds the lock.
var ErrLocked = errors.New("locked by another saaspipe process")

// Lock is an advisory lock on a file under locks/: exclusive for writers,
// shared for readers. It is an
// flock(2) lock, so the kernel releases it when its holder dies: a lock file
// left behind by a killed process never blocks the next run.
type Lock struct {
	f *os.File
}

// AcquireLock takes locks/<name>.lock without waiting. The file records the
// holder's pid and host so that ErrLocked can say who holds it.
func AcquireLock(l Layout, name string) (*Lock, error) {
	if err := os.MkdirAll(l.Locks(), 0o755); err != nil {
		return nil, fmt.Errorf("creating lock directory: %w", err)
	}
	path := filepath.Join(l.Locks(), name+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			// A shared lock that can still be had means readers hold it,
			// not the writer the file names.
			if r, rerr := os.Open(path); rerr == nil {
				defer r.Close()
				if syscall.Flock(int(r.Fd()), syscall.LOCK_SH|syscall.LOCK_NB) == nil {
					return nil, fmt.Errorf("%s is held by readers of the snapshots (verify, diff, list, show, report): %w", path, ErrLocked)
				}
			}
			return nil, fmt.Errorf("%s (%s): %w", path, strings.TrimSpace(string(holder)), ErrLocked)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	host, _ := os.Hostname()
	f.Truncate(0)
	fmt.Fprintf(f, "pid %d on %s\n", os.Getpid(), host)
	return &Lock{f: f}, nil
}

// Release drops the lock.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
}

// AcquireSharedLock takes locks/<name>.lock shared, for readers of sealed
// snapshots (verify, diff, list, show, report): any number of them at once,
// none while a writer holds it exclusively, so a publish, replacement or
// prune never changes files under a reader. It waits up to wait for a
// writer to finish, polling, and gives up with ErrLocked. A reader that may
// not create the lock file (a read-only copy of the data directory) reads
// without it: no saaspipe process can be writing there either.
func AcquireSharedLock(ctx context.Context, l Layout, name string, wait time.Duration) (*Lock, error) {
	path := filepath.Join(l.Locks(), name+".lock")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(l.Locks(), 0o755); err == nil {
			f, err = os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
		}
	}
	if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return &Lock{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
		if err == nil {
			return &Lock{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			holder, _ := os.ReadFile(path)
			f.Close()
			return nil, fmt.Errorf("%s (%s) was still held by a writer after %s: %w", path, strings.TrimSpace(string(holder)), wait, ErrLocked)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
