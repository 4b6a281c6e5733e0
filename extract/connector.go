package extract

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/saaspipe/saaspipe/extract/httpx"
)

// Entity names shared by every connector type. Staging SQL files are named
// <type>__<entity>.sql after them.
const (
	Users              = "users"
	Groups             = "groups"
	Applications       = "applications"
	AppAssignments     = "app_assignments"
	Subscriptions      = "subscriptions"
	LicenseAssignments = "license_assignments"
	Activity           = "activity"
	Org                = "org"
)

// Record is one vendor record: its stable id at the vendor and its JSON
// exactly as received. Payload must not be retained by the Sink's caller
// after Emit returns; sinks copy what they keep.
type Record struct {
	SourceID string
	Payload  json.RawMessage
}

// Sink receives the records of one entity. An error from Emit (a full disk,
// a cancelled context) must stop the fetch and be returned by it.
type Sink interface {
	Emit(ctx context.Context, r Record) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, r Record) error

// Emit calls f.
func (f SinkFunc) Emit(ctx context.Context, r Record) error { return f(ctx, r) }

// FetchFunc streams one entity into sink. For incremental entities cursor is
// the value returned by the last successful run ("" on the first) and the
// returned cursor is stored only after the staged file holding the data is in
// place; full entities ignore cursor and return "".
type FetchFunc func(ctx context.Context, cursor string, sink Sink) (next string, err error)

// Entity is one dataset a connector instance produces.
type Entity struct {
	Name        string
	Incremental bool
	Fetch       FetchFunc
}

// Connector is a configured, ready-to-run connector instance.
type Connector interface {
	// Tenant is the vendor's key for the tenant this instance reads (Okta org
	// host, Entra tenant id, Slack team id); two instances reading one tenant
	// produce the same value, which is what deduplication keys on.
	Tenant() string
	// Check proves the credentials work with one cheap call.
	Check(ctx context.Context) error
	// Entities lists what Fetch can produce, in the order to run them.
	Entities() []Entity
}

// SettingKind is the type of a setting's value.
type SettingKind string

const (
	KindString   SettingKind = "string"
	KindURL      SettingKind = "url"
	KindInt      SettingKind = "int"
	KindFloat    SettingKind = "float"
	KindBool     SettingKind = "bool"
	KindDuration SettingKind = "duration"
	KindList     SettingKind = "list"
)

// Setting declares one key a connector type accepts under settings:.
type Setting struct {
	Name     string      `json:"name"`
	Kind     SettingKind `json:"type"`
	Required bool        `json:"required"`
	// Secret settings are never logged, summarised or fingerprinted; in the
	// config they may be given as {env: NAME} or {file: PATH}.
	Secret  bool   `json:"secret"`
	Default any    `json:"default,omitempty"`
	Help    string `json:"help"`
	// Schemes are the URL schemes a KindURL setting accepts (ldaps, ldap);
	// empty means https, or http where the instance sets allow_http. The
	// connector itself then decides what is secure enough for its protocol.
	Schemes []string `json:"schemes,omitempty"`
}

// EntitySpec documents an entity for `saaspipe connectors` and the data
// reference: which vendor calls it makes and which fields the staging SQL
// keeps.
type EntitySpec struct {
	Name        string   `json:"name"`
	Incremental bool     `json:"incremental"`
	Calls       []string `json:"calls"`
	Fields      []string `json:"fields"`
	// DerivedFrom names another entity whose raw records the staging SQL
	// maps into this one (Microsoft 365 license assignments come from the
	// users listing): no API call and no staged file of its own.
	DerivedFrom string `json:"derived_from,omitempty"`
	// Redact lists the JSON object paths ("credentials.password") of
	// fields that carry credentials or recovery data: the pipeline removes
	// them from every record before staging, so a staged payload is the
	// record as received minus these fields.
	Redact []string `json:"redact,omitempty"`
}

// Capabilities say what a source can measure, so that "cannot know" is never
// read as "inactive".
type Capabilities struct {
	Licenses  bool `json:"licenses"`
	LastLogin bool `json:"last_login"`
	Activity  bool `json:"activity"`
	SSO       bool `json:"sso"`
	Directory bool `json:"directory"`
}

// Type is one vendor product: its declaration and its constructor.
type Type struct {
	Name         string       `json:"type"`
	Vendor       string       `json:"vendor"`
	Product      string       `json:"product"`
	Doc          string       `json:"doc"`
	Settings     []Setting    `json:"settings"`
	Entities     []EntitySpec `json:"entities"`
	Capabilities Capabilities `json:"capabilities"`
	// Permissions are the read-only grants, scopes or roles the vendor
	// account needs for every entity (what to ask the vendor's admin for).
	Permissions []string `json:"permissions"`
	// New builds an instance from validated settings (defaults applied,
	// secrets resolved). It makes no network call.
	New func(inst Instance, env Env) (Connector, error) `json:"-"`
}

// Instance is one configured connector instance with resolved settings.
type Instance struct {
	Name     string
	Type     string
	Settings Settings
}

// Env is what the pipeline lends a connector instance.
type Env struct {
	Logger *slog.Logger
	// HTTP builds the instance's client through the shared layer; the
	// connector supplies its auth and vendor rate-limit policy, the pipeline
	// supplies stats, logging and limits from the instance's settings.
	HTTP func(o httpx.Options) *http.Client
	// Now is the clock used for incremental windows; tests pin it.
	Now func() time.Time
	// Capability records what this tenant actually offers of a declared
	// capability (CapLastLogin, CapActivity, …) when it differs from the
	// declaration or needs saying: a tenant without Entra ID P1 has no
	// sign-in activity, Slack's free plan has no access logs, a tenant may
	// conceal user names in reports. It lands in the run summary and in
	// connector_runs, and an unavailable activity signal makes accounts
	// not_monitored rather than inactive. Never nil when given by the
	// pipeline; connectors call it from Fetch.
	Capability func(name string, available bool, reason string)
	// Metric records a vendor-reported figure worth keeping with the run
	// (Salesforce's daily API usage "1520/15000"); the last value per name
	// lands in the run record and summary. Nil-safe via ReportMetric.
	Metric func(name, value string)
}

// ReportMetric calls env.Metric when the pipeline gave one.
func (env Env) ReportMetric(name, value string) {
	if env.Metric != nil {
		env.Metric(name, value)
	}
}

// Capability names for Env.Capability; they match the Capabilities fields,
// plus finer signals a connector may report.
const (
	CapLicenses  = "licenses"
	CapLastLogin = "last_login"
	CapActivity  = "activity"
	CapSSO       = "sso"
	CapDirectory = "directory"
	// CapIdentifiers: the source's identifiers (user names in reports) can
	// be joined to accounts; false when the vendor conceals them.
	CapIdentifiers = "identifiers"
)

// CapabilityState is one reported capability.
type CapabilityState struct {
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
}
