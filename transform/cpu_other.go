//go:build !unix

package transform

import "time"

// processCPU is not measured here: steps report a CPU time of zero.
func processCPU() time.Duration { return 0 }
