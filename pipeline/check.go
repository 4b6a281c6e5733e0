package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/saaspipe/saaspipe/extract/httpx"
)

// CheckResult is the outcome of one instance's credential check.
type CheckResult struct {
	Name, Type, Tenant string
	Err                error
}

// Check builds each selected enabled instance and runs its Check: one cheap
// authenticated call.
func Check(ctx context.Context, o Options) ([]CheckResult, error) {
	instances, err := o.selected()
	if err != nil {
		return nil, err
	}
	var out []CheckResult
	for _, inst := range instances {
		r := CheckResult{Name: inst.Name, Type: inst.Type}
		typ, ok := o.typeOf(inst.Type)
		if !ok {
			r.Err = fmt.Errorf("unknown connector type %q", inst.Type)
			out = append(out, r)
			continue
		}
		env := o.env(inst, &httpx.Stats{}, o.logger().With("connector", inst.Name))
		env.Capability = func(string, bool, string) {}
		conn, err := typ.New(inst, env)
		if err != nil {
			r.Err = err
		} else {
			r.Tenant = conn.Tenant()
			r.Err = conn.Check(ctx)
		}
		out = append(out, r)
	}
	return out, nil
}

// ListSnapshots returns the ids of published (sealed) snapshots, oldest first.
func ListSnapshots(dataDir string) ([]string, error) {
	entries, err := os.ReadDir(Layout{Root: dataDir}.Snapshots())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dataDir, "snapshots", e.Name(), "manifest.json")); err == nil {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}
