package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/saaspipe/saaspipe/pipeline"
)

// terminalProgress shows one live line per connector instance on a
// terminal: entity, records, requests, throttled responses and time spent
// waiting for rate limits. Log lines are written above the bars.
type terminalProgress struct {
	p *mpb.Progress
}

func newTerminalProgress(w io.Writer) *terminalProgress {
	return &terminalProgress{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(24), mpb.WithRefreshRate(150*time.Millisecond))}
}

// Write prints text above the bars (the log handler writes here).
func (t *terminalProgress) Write(b []byte) (int, error) { return t.p.Write(b) }

// Wait stops rendering once every bar is done.
func (t *terminalProgress) Wait() { t.p.Wait() }

func (t *terminalProgress) Connector(name, typ string) pipeline.ConnectorProgress {
	c := &connectorBar{}
	c.bar = t.p.New(0, mpb.SpinnerStyle(),
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), decor.Name(typ, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return c.text() })),
		mpb.BarFillerOnComplete("✓"),
	)
	return c
}

type connectorBar struct {
	bar  *mpb.Bar
	mu   sync.Mutex
	s    pipeline.ProgressState
	err  error
	done bool
}

func (c *connectorBar) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return "failed: " + c.err.Error()
	}
	line := fmt.Sprintf("%-18s %9d records  %6d requests", c.s.Entity, c.s.Total, c.s.Requests)
	if c.s.Throttled > 0 || c.s.Waited > 0 {
		line += fmt.Sprintf("  %d throttled, waited %s", c.s.Throttled, c.s.Waited.Round(100*time.Millisecond))
	}
	return line
}

func (c *connectorBar) Update(s pipeline.ProgressState) {
	c.mu.Lock()
	c.s = s
	c.mu.Unlock()
	c.bar.SetCurrent(s.Total)
}

func (c *connectorBar) Done(err error) {
	c.mu.Lock()
	c.err, c.done = err, true
	c.mu.Unlock()
	if err != nil {
		c.bar.Abort(false)
		return
	}
	c.bar.SetTotal(-1, true)
}
