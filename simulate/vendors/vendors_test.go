package vendors

import (
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// TestStartAll starts every simulator at once, as the demo does (CI runs it
// under the race detector), and expects each to be running or skipped.
func TestStartAll(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 3, People: 300, Date: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
	g, err := simulate.Start(org, All...)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if len(g.Vendors)+len(g.Skipped) != len(All) {
		t.Fatalf("%d running and %d skipped of %d starters", len(g.Vendors), len(g.Skipped), len(All))
	}
	for _, err := range g.Skipped {
		t.Logf("skipped: %v", err)
	}
	names := map[string]bool{}
	for _, v := range g.Vendors {
		conns := v.Connectors()
		if len(conns) == 0 {
			t.Fatalf("vendor %T serves no connector instance", v)
		}
		for _, c := range conns {
			if names[c.Name] {
				t.Fatalf("two connector instances named %s", c.Name)
			}
			names[c.Name] = true
		}
	}
}
