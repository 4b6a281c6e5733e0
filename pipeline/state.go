package pipeline

import (
	"errors"
	"os"
	"sort"
)

// cursorState is the per-connector-instance cursor file. Each entity keeps
// the cursor before and after the runs of recent snapshots, so re-extracting
// a snapshot date (an orchestrator retry) starts from the same cursor as the
// first attempt instead of skipping what that attempt read.
type cursorState struct {
	Entities map[string][]cursorStep `json:"entities"`
}

type cursorStep struct {
	Snapshot string `json:"snapshot"`
	From     string `json:"from"`
	To       string `json:"to"`
}

const cursorHistory = 60

func loadCursors(l Layout, connector string) (cursorState, error) {
	var s cursorState
	err := readJSON(l.State(connector), &s)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if s.Entities == nil {
		s.Entities = map[string][]cursorStep{}
	}
	return s, err
}

// from is the cursor an extract of snapshot starts from: the start of that
// snapshot's earlier run if there was one, else the end of the latest run of
// an earlier snapshot, else "" (the connector's first-run lookback).
func (s cursorState) from(entity, snapshot string) string {
	var best *cursorStep
	for i, st := range s.Entities[entity] {
		if st.Snapshot == snapshot {
			return st.From
		}
		if st.Snapshot < snapshot && (best == nil || st.Snapshot > best.Snapshot) {
			best = &s.Entities[entity][i]
		}
	}
	if best != nil {
		return best.To
	}
	return ""
}

func (s cursorState) advance(entity, snapshot, from, to string) {
	steps := s.Entities[entity]
	kept := steps[:0]
	for _, st := range steps {
		if st.Snapshot != snapshot {
			kept = append(kept, st)
		}
	}
	kept = append(kept, cursorStep{Snapshot: snapshot, From: from, To: to})
	sort.Slice(kept, func(i, j int) bool { return kept[i].Snapshot < kept[j].Snapshot })
	if len(kept) > cursorHistory {
		kept = kept[len(kept)-cursorHistory:]
	}
	s.Entities[entity] = kept
}
