package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrLocked means another saaspipe process holds the lock.
var ErrLocked = errors.New("locked by another saaspipe process")

// Lock is an exclusive advisory lock on a file under locks/. It is an
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
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
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
