package pipeline

import (
	"time"

	"github.com/saaspipe/saaspipe/extract"
)

// Run statuses, mapped to exit codes by ExitCode.
const (
	StatusOK               = "ok"                // everything extracted and published
	StatusPartial          = "partial"           // published; some connectors failed and are stale
	StatusFailed           = "failed"            // nothing published
	StatusAlreadyPublished = "already_published" // the snapshot was sealed; nothing changed
)

// Summary is the machine-readable account of one invocation: written to
// runs/<snapshot>/summary.json and, with --json, to stdout. Its schema is
// documented in README.md; fields are only ever added.
type Summary struct {
	Command           string             `json:"command"`
	Snapshot          string             `json:"snapshot"`
	Status            string             `json:"status"`
	StartedAt         time.Time          `json:"started_at"`
	FinishedAt        time.Time          `json:"finished_at"`
	Seconds           float64            `json:"seconds"`
	DataDir           string             `json:"data_dir"`
	ToolVersion       string             `json:"tool_version"`
	ConfigFingerprint string             `json:"config_fingerprint"`
	Connectors        []ConnectorSummary `json:"connectors"`
	Datasets          map[string]int64   `json:"datasets,omitempty"`
	Manifest          string             `json:"manifest,omitempty"`
	Errors            []string           `json:"errors,omitempty"`
}

// ConnectorSummary is one connector instance in a Summary.
type ConnectorSummary struct {
	Name      string           `json:"name"`
	Type      string           `json:"type"`
	Tenant    string           `json:"tenant,omitempty"`
	Status    string           `json:"status"` // ok | failed | stale
	DataAsOf  *time.Time       `json:"data_as_of,omitempty"`
	Rows      map[string]int64 `json:"rows"`
	Requests  int64            `json:"requests"`
	Throttled int64            `json:"throttled"`
	Retries   int64            `json:"retries"`
	Seconds   float64          `json:"seconds"`
	Error     string           `json:"error,omitempty"`
	// Capabilities the connector reported of its tenant (for example
	// last_login unavailable without Entra ID P1).
	Capabilities map[string]extract.CapabilityState `json:"capabilities,omitempty"`
	// Metrics the vendor reported (salesforce: sforce_api_usage "used/max").
	Metrics map[string]string `json:"metrics,omitempty"`
}

// ExitCode is the CLI contract: 0 success (or already published), 1
// failure, 3 published with stale connectors. (2, usage, never comes from a
// summary.)
func (s *Summary) ExitCode() int {
	switch s.Status {
	case StatusOK, StatusAlreadyPublished:
		return 0
	case StatusPartial:
		return 3
	default:
		return 1
	}
}

func connectorSummary(r RunRecord) ConnectorSummary {
	cs := ConnectorSummary{Name: r.Connector, Type: r.Type, Tenant: r.Tenant, Status: r.Status,
		Rows: map[string]int64{}, Requests: r.Requests, Throttled: r.Throttled, Retries: r.Retries,
		Seconds: r.Seconds, Error: r.Error, Capabilities: r.Capabilities, Metrics: r.Metrics}
	for name, e := range r.Entities {
		cs.Rows[name] = e.Rows
	}
	if r.Status == StatusOK {
		t := r.StartedAt
		cs.DataAsOf = &t
	}
	return cs
}
