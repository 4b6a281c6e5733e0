package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/saaspipe/saaspipe/extract/stage"
)

func TestWriteJSONAtomicModes(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "staging", "2026-11-28", "okta-a", "_run.json")
	if err := writeJSONAtomic(path, map[string]string{"status": "ok"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != stage.FileMode {
		t.Errorf("run record mode %v, want %v", got, stage.FileMode)
	}
	for dir := filepath.Dir(path); dir != root; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if extra := fi.Mode().Perm() &^ stage.DirMode; extra != 0 {
			t.Errorf("directory %s grants %v beyond %v", dir, extra, stage.DirMode)
		}
	}
}
