package pipeline

import (
	"context"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
)

// Progress receives live counts while connectors extract, for a terminal
// display; the pipeline never depends on it. Calls come from the connector
// goroutines, one ConnectorProgress per instance.
type Progress interface {
	Connector(name, typ string) ConnectorProgress
}

// ConnectorProgress follows one connector instance.
type ConnectorProgress interface {
	Update(ProgressState)
	Done(err error)
}

// ProgressState is a connector's counters at one moment.
type ProgressState struct {
	Entity    string
	Records   int64 // records of the entity so far
	Total     int64 // records of every entity so far
	Requests  int64
	Throttled int64
	Waited    time.Duration // pacing, backoff and Retry-After waits
}

// progressEvery is how many records pass between updates: a display needs
// a few per second, not one per record.
const progressEvery = 250

// countingSink forwards to the stage writer and reports progress.
type countingSink struct {
	next    extract.Sink
	p       ConnectorProgress
	stats   *httpx.Stats
	entity  string
	n, base int64
}

func (s *countingSink) Emit(ctx context.Context, r extract.Record) error {
	if err := s.next.Emit(ctx, r); err != nil {
		return err
	}
	s.n++
	if s.n%progressEvery == 0 {
		s.report()
	}
	return nil
}

func (s *countingSink) report() {
	s.p.Update(ProgressState{Entity: s.entity, Records: s.n, Total: s.base + s.n,
		Requests: s.stats.Requests.Load(), Throttled: s.stats.Throttled.Load(),
		Waited: time.Duration(s.stats.WaitNanos.Load())})
}

type noProgress struct{}

func (noProgress) Connector(string, string) ConnectorProgress { return noProgress{} }
func (noProgress) Update(ProgressState)                       {}
func (noProgress) Done(error)                                 {}
