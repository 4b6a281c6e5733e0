// Command bench measures saaspipe against its performance targets on this
// machine and prints one table row per target: the figure, the target, and
// whether it holds.
//
//	go run ./bench            every target
//	go run ./bench -only pacing,staging
//
// In: nothing but flags; it generates the synthetic organisation and serves
// it from the simulated vendors on loopback. Out: the table on stdout. Peak
// memory is measured in a child process (the same binary re-run with
// -child) that extracts from a simulator served by this one, and is read from
// the child's own VmHWM, so the simulators' memory never counts: getrusage
// would report the parent's peak, which Linux carries into a child across
// exec. -memprofile writes the children's heap profiles. The two
// wall-clock targets (end to end; transform + load at 100k) run -repeat
// times (3): the median run decides, and every run's figure is printed,
// with a probe of the machine's speed taken right before it (SHA-256 of 64
// MiB on one core, best of three), since this shared host's speed swings
// by a third within minutes.
package main
