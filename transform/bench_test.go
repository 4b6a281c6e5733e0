package transform_test

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/transform/transformbench"
)

// BenchmarkTransform100k runs transform and load, as the pipeline does
// them, over the performance target's estate (transformbench): 100,000
// people at eight vendor types, 1,000,000 accounts, about 5M activity
// records in four weekly snapshots. It reports the process's peak resident
// memory. Run it alone:
//
//	go test -run '^$' -bench Transform100k -benchtime 1x ./transform
//
// SAASPIPE_BENCH_DATA names a directory to keep the generated estate in
// between runs; by default it is generated in a temporary directory.
func BenchmarkTransform100k(b *testing.B) {
	ctx := context.Background()
	dir := os.Getenv("SAASPIPE_BENCH_DATA")
	if dir == "" {
		dir = b.TempDir()
	}
	t0 := time.Now()
	est, err := transformbench.Generate(ctx, dir, transformbench.People, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("estate: %d files, %d staged users, %d staged activity records (%s)",
		len(est.Input.Staged), est.Users, est.Activity, time.Since(t0).Round(time.Millisecond))
	b.ResetTimer()
	for range b.N {
		r, err := transformbench.TransformAndLoad(ctx, est.Input, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		for _, s := range r.Steps {
			if s.Duration >= 500*time.Millisecond {
				b.Logf("  %-45s %6.1fs", s.Name, s.Duration.Seconds())
			}
		}
		b.Logf("transform %.1fs, load %.1fs; accounts %d, people %d, activity events counted %d, activity_daily %d, license_assignments %d, app_assignments %d",
			r.Transform.Seconds(), r.Load.Seconds(), r.Datasets["accounts"], r.Datasets["people"], r.Events,
			r.Datasets["activity_daily"], r.Datasets["license_assignments"], r.Datasets["app_assignments"])
		b.ReportMetric(r.Transform.Seconds(), "transform-s")
		b.ReportMetric(r.Load.Seconds(), "load-s")
		b.StartTimer()
	}
	b.StopTimer()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB") // Linux reports KiB
	}
}
