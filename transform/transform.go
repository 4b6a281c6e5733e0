package transform

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
	sqlfiles "github.com/saaspipe/saaspipe/sql"
)

// StagedFile is one committed staged file (extract/stage) and what it holds.
type StagedFile struct {
	Path          string
	Connector     string
	ConnectorType string
	Tenant        string
	Entity        string
	// Rows is the number of records the writer committed; Run checks it
	// against what it read, so a truncated or swapped file is caught.
	Rows int64
}

// TypeInfo is what the transform needs to know of a connector type.
type TypeInfo struct {
	Name         string
	Vendor       string
	Product      string
	Capabilities extract.Capabilities
}

// ConnectorRun is one row of dataset connector_runs, filled by the pipeline.
type ConnectorRun struct {
	Connector, ConnectorType, Tenant string
	Status                           string // ok | failed | stale | skipped
	Stale                            bool
	DataAsOf                         time.Time
	Rows                             map[string]int64
	Requests, Throttled, Retries     int64
	Duration                         time.Duration
	Error                            string
	// Capabilities the connector reported of its tenant at run time; they
	// override the type's declared capabilities for this connector.
	Capabilities map[string]extract.CapabilityState
}

// Input is everything one transform run reads.
type Input struct {
	SnapshotID   string
	SnapshotDate time.Time // a UTC day
	Staged       []StagedFile
	Runs         []ConnectorRun
	Types        []TypeInfo
	// ActivityThresholdDays is how recent activity must be for an account
	// to count as active; 0 means DefaultActivityThresholdDays.
	ActivityThresholdDays int
	// OrgSourcePriority ranks connector types as sources of a person's
	// organisational attributes, highest first (config
	// org_source_priority); types not listed rank after, by name.
	OrgSourcePriority []string
	// Identity tunes how accounts resolve to people.
	Identity IdentityOptions
	// Prices are monthly seat prices; they fill a subscription's unit_cost
	// when the source states none.
	Prices []Price
	// SubscriptionThresholds override ActivityThresholdDays for the seats
	// of matching subscriptions.
	SubscriptionThresholds []SubscriptionThreshold

	// stagingOverlay holds extra staging/<type>__<entity>.sql files, read
	// before the embedded ones; tests use it to map a vendor that ships no
	// SQL of its own. Nil in production.
	stagingOverlay fs.FS
}

// IdentityOptions tune identity resolution (sql/core/15_int_identifiers.sql).
type IdentityOptions struct {
	// DomainAliases maps a lowercase e-mail domain to the domain it stands
	// for (acme.co.uk → acme.com after a merger), so addresses at either
	// domain identify the same person.
	DomainAliases map[string]string
	// SharedMailboxPatterns are glob patterns (DuckDB GLOB: * ? [..]) over
	// lowercased addresses of shared and role mailboxes; such an address
	// joins nobody, and an account whose primary address matches resolves
	// to no person. Nil means DefaultSharedMailboxPatterns; an empty non-nil
	// slice disables the guard.
	SharedMailboxPatterns []string
	// StripPlusAddresses reads local+tag@domain as local@domain.
	StripPlusAddresses bool
}

// DefaultSharedMailboxPatterns are role and shared addresses common enough
// that treating them as a person would merge everyone who ever used them.
var DefaultSharedMailboxPatterns = []string{
	"admin@*", "administrator@*", "it@*", "it-*@*", "helpdesk@*", "servicedesk@*", "support@*",
	"info@*", "noreply@*", "no-reply@*", "donotreply@*", "do-not-reply@*", "postmaster@*",
	"hostmaster@*", "webmaster@*", "abuse@*", "security@*", "billing@*", "invoices@*",
	"accounts@*", "accounting@*", "finance@*", "payroll@*", "hr@*", "people@*", "recruiting@*",
	"careers@*", "jobs@*", "sales@*", "marketing@*", "press@*", "legal@*", "privacy@*",
	"office@*", "reception@*", "facilities@*", "team@*", "all@*", "everyone@*", "staff@*",
	"contact@*", "hello@*", "ops@*", "devops@*", "alerts@*", "notifications@*", "shared*@*",
}

// Price is the monthly price of one seat. It matches a subscription by
// connector type or vendor (case-insensitive) and, when SKU is set, by sku;
// a SKU-specific price wins over a vendor-wide one.
type Price struct {
	ConnectorType string
	Vendor        string
	SKU           string
	UnitCost      float64
	Currency      string
}

// SubscriptionThreshold sets the activity threshold of matching
// subscriptions, matched like Price.
type SubscriptionThreshold struct {
	ConnectorType string
	Vendor        string
	SKU           string
	Days          int
}

// DefaultOrgSourcePriority is the org source ranking when the config names
// none (DESIGN.md: directories first, then Microsoft 365, then Google
// Workspace).
var DefaultOrgSourcePriority = []string{"ldap", "entra", "microsoft365", "google_workspace"}

// DefaultActivityThresholdDays is DESIGN.md's default threshold.
const DefaultActivityThresholdDays = 30

// DB wraps an in-process DuckDB database holding one transform's tables.
type DB struct {
	db *sql.DB
	// q runs the statements: the pool, or during Run one connection, which
	// holds the session variable the raw views read their file lists from.
	q       querier
	threads int // DuckDB's threads; also how many steps run at once
	mu      sync.Mutex
	steps   []Step
	began   time.Time // when the last Run began; Step.Start counts from it
	// lean: drop what no later step reads (DiscardIntermediates).
	lean bool
	// out: where Run writes the datasets (WriteDatasetsTo), "" for nowhere.
	out    string
	counts map[string]int64 // rows per dataset checked by the last Run

}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Step is one statement of the last Run and how long it took: loading a raw
// table, a staging file, a core file, the dataset checks.
type Step struct {
	Name string
	// Start is when the step began, counted from the start of Run: with
	// Duration it places the step on the run's timeline, which shows the
	// steps that ran side by side and the gaps where a connection waited.
	Start    time.Duration
	Duration time.Duration
	// CPU is the process's CPU time over the step (zero where it is not
	// measured): CPU/Duration near the thread count means the step kept
	// every core busy, near 1 that it ran on one. Steps run side by side
	// (runPlan) share the CPU of their overlap.
	CPU time.Duration
}

// stepClock measures one step's wall and CPU time.
type stepClock struct {
	wall time.Time
	cpu  time.Duration
}

func startStep() stepClock { return stepClock{time.Now(), processCPU()} }

// end records the step under name.
func (c stepClock) end(d *DB, name string) {
	s := Step{Name: name, Duration: time.Since(c.wall), CPU: processCPU() - c.cpu}
	d.mu.Lock()
	s.Start = c.wall.Sub(d.began)
	d.steps = append(d.steps, s)
	d.mu.Unlock()
}

// Steps lists what the last Run did, in order, with durations, so a caller
// can log where the time went.
func (d *DB) Steps() []Step {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.steps)
}

// exec runs one step's statement and records its duration under name.
func (d *DB) exec(ctx context.Context, name, query string, args ...any) (sql.Result, error) {
	clock := startStep()
	res, err := d.q.ExecContext(ctx, query, args...)
	clock.end(d, name)
	return res, err
}

// memoryLimitGB is DuckDB's memory limit: what it holds beyond spills to
// its scratch directory.
const memoryLimitGB = 2

// Open starts an in-memory DuckDB whose spill files go under scratchDir.
// Memory is capped so that a large tenant spills to disk instead of
// starving the machine; the time zone is pinned to UTC because casting a
// TIMESTAMPTZ to a DATE depends on it.
func Open(ctx context.Context, scratchDir string) (*DB, error) {
	tmp := filepath.Join(scratchDir, "duckdb-tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("creating duckdb scratch directory: %w", err)
	}
	threads := min(runtime.NumCPU(), 4)
	opts := url.Values{
		"threads":                      {strconv.Itoa(threads)},
		"memory_limit":                 {strconv.Itoa(memoryLimitGB) + "GB"},
		"temp_directory":               {tmp},
		"preserve_insertion_order":     {"true"},
		"autoinstall_known_extensions": {"false"},
	}
	db, err := sql.Open("duckdb", "?"+opts.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening duckdb: %w", err)
	}
	if _, err := db.ExecContext(ctx, "SET GLOBAL TimeZone = 'UTC'"); err != nil {
		db.Close()
		return nil, fmt.Errorf("pinning duckdb time zone: %w", err)
	}
	if err := tuneAllocator(); err != nil {
		db.Close()
		return nil, err
	}
	return &DB{db: db, q: db, threads: threads}, nil
}

// DiscardIntermediates makes Run drop every table and view as soon as no
// later step reads it, keeping only the datasets. The pipeline uses it:
// its load stage reads nothing else, and at 100,000 people the staged
// activity alone is millions of rows that would otherwise stay in memory,
// or spill, until the end. Tests that inspect staging or intermediate
// tables leave it off.
func (d *DB) DiscardIntermediates() { d.lean = true }

// SQL exposes the database, for load and for tests.
func (d *DB) SQL() *sql.DB { return d.db }

// Close releases the database; its tables are gone afterwards.
func (d *DB) Close() error { return d.db.Close() }

var identRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Run builds every dataset table from in and returns the rows per dataset.
// It may be called again on the same DB; every table is replaced.
func (d *DB) Run(ctx context.Context, in Input) (map[string]int64, error) {
	if err := validate(&in); err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.steps, d.began = nil, time.Now()
	d.mu.Unlock()
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to duckdb: %w", err)
	}
	defer func() {
		d.q = d.db
		conn.Close()
	}()
	d.q = conn
	return d.run(ctx, conn, in)
}

func (d *DB) run(ctx context.Context, conn *sql.Conn, in Input) (map[string]int64, error) {
	macros, err := fs.ReadFile(sqlfiles.FS, "macros.sql")
	if err != nil {
		return nil, fmt.Errorf("reading macros.sql: %w", err)
	}
	if _, err := d.exec(ctx, "macros.sql", string(macros)); err != nil {
		return nil, fmt.Errorf("running macros.sql: %w", err)
	}
	clock := startStep()
	if err := d.loadInputs(ctx, in); err != nil {
		return nil, err
	}
	clock.end(d, "go: input tables")
	clock = startStep()
	if err := d.loadRaw(ctx, in); err != nil {
		return nil, err
	}
	clock.end(d, "go: raw views")
	steps, err := d.plan(in)
	if err != nil {
		return nil, err
	}
	// Side by side, each step runs on one thread: splitting every
	// statement over both cores as well cost more than it won (10k
	// transform alone, alternating: 8.6-9.6 s and 13.4-15.4 s of user CPU
	// with two threads per statement, 7.6-8.2 s and 11.2-11.4 s with one;
	// 100k transform + load, alternating: 45.6-51.8 s and 85-92 s of CPU
	// against 51.6-59.6 s and 92-106 s one step at a time on both
	// threads, though two steps' working sets spill more).
	workers := d.threads
	if workers > 1 {
		if _, err := conn.ExecContext(ctx, "SET GLOBAL threads = 1"); err != nil {
			return nil, fmt.Errorf("setting duckdb threads: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SET GLOBAL threads = "+strconv.Itoa(d.threads))
	}
	conns, err := d.workerConns(ctx, conn, workers)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range conns[1:] {
			c.Close()
		}
	}()
	d.counts = map[string]int64{}
	if d.out != "" {
		if err := os.MkdirAll(d.out, stage.DirMode); err != nil {
			return nil, fmt.Errorf("creating the datasets directory: %w", err)
		}
	}
	if err := d.runPlan(ctx, steps, conns); err != nil {
		return nil, err
	}
	if d.lean {
		if err := d.dropUnread(ctx, conns[0], nil); err != nil {
			return nil, err
		}
	}
	for _, ds := range Datasets {
		if _, ok := d.counts[ds.Name]; !ok {
			return nil, fmt.Errorf("checking dataset %s: no core SQL file builds it", ds.Name)
		}
	}
	if d.out != "" {
		if err := stage.Sync(d.out); err != nil {
			return nil, fmt.Errorf("syncing the datasets directory: %w", err)
		}
	}
	return d.counts, nil
}

func validate(in *Input) error {
	if in.SnapshotID == "" {
		return errors.New("transform input: snapshot id is empty")
	}
	if in.SnapshotDate.IsZero() {
		return errors.New("transform input: snapshot date is zero")
	}
	in.SnapshotDate = in.SnapshotDate.UTC()
	if in.ActivityThresholdDays == 0 {
		in.ActivityThresholdDays = DefaultActivityThresholdDays
	}
	if in.ActivityThresholdDays < 0 {
		return fmt.Errorf("transform input: activity threshold %d days is negative", in.ActivityThresholdDays)
	}
	for i, p := range in.Prices {
		if p.ConnectorType == "" && p.Vendor == "" {
			return fmt.Errorf("transform input: price %d names neither a connector type nor a vendor", i)
		}
		if p.UnitCost < 0 || p.Currency == "" {
			return fmt.Errorf("transform input: price %d needs a non-negative unit cost and a currency", i)
		}
	}
	for i, st := range in.SubscriptionThresholds {
		if st.ConnectorType == "" && st.Vendor == "" {
			return fmt.Errorf("transform input: subscription threshold %d names neither a connector type nor a vendor", i)
		}
		if st.Days < 1 {
			return fmt.Errorf("transform input: subscription threshold %d has %d days", i, st.Days)
		}
	}
	types := map[string]bool{}
	products := map[[2]string]string{}
	for _, t := range in.Types {
		if !identRE.MatchString(t.Name) {
			return fmt.Errorf("transform input: connector type %q is not a lowercase identifier", t.Name)
		}
		if types[t.Name] {
			return fmt.Errorf("transform input: connector type %q listed twice", t.Name)
		}
		types[t.Name] = true
		// Accounts are published keyed by (vendor, product, tenant, source_id).
		vp := [2]string{t.Vendor, t.Product}
		if other, ok := products[vp]; ok {
			return fmt.Errorf("transform input: connector types %q and %q both declare vendor %q product %q", other, t.Name, t.Vendor, t.Product)
		}
		products[vp] = t.Name
	}
	for _, f := range in.Staged {
		if !types[f.ConnectorType] {
			return fmt.Errorf("transform input: staged file %s has connector type %q, which is not among the types", f.Path, f.ConnectorType)
		}
	}
	return nil
}

// loadInputs writes the run's parameters into one-row and small tables so
// SQL reads values from tables, never from text spliced into statements.
func (d *DB) loadInputs(ctx context.Context, in Input) error {
	ddl := `
CREATE OR REPLACE TABLE params (
    snapshot_id VARCHAR, snapshot_date DATE, activity_threshold_days INTEGER);
CREATE OR REPLACE TABLE connector_types (
    connector_type VARCHAR, vendor VARCHAR, product VARCHAR,
    has_licenses BOOLEAN, has_last_login BOOLEAN, has_activity BOOLEAN,
    is_sso BOOLEAN, is_directory BOOLEAN);
CREATE OR REPLACE TABLE input_connector_runs (
    connector VARCHAR, connector_type VARCHAR, tenant VARCHAR, status VARCHAR,
    stale BOOLEAN, data_as_of TIMESTAMPTZ, requests BIGINT, throttled BIGINT,
    retries BIGINT, duration_seconds DOUBLE, error VARCHAR);
CREATE OR REPLACE TABLE input_connector_run_rows (
    connector VARCHAR, entity VARCHAR, row_count BIGINT);
CREATE OR REPLACE TABLE connector_type_capabilities (
    connector_type VARCHAR, capability VARCHAR, available BOOLEAN);
CREATE OR REPLACE TABLE input_connector_capabilities (
    connector VARCHAR, capability VARCHAR, available BOOLEAN, reason VARCHAR);
CREATE OR REPLACE TABLE org_source_priority (
    connector_type VARCHAR, priority INTEGER);
CREATE OR REPLACE TABLE identity_params (strip_plus_addresses BOOLEAN);
CREATE OR REPLACE TABLE identity_domain_aliases (alias_domain VARCHAR, domain VARCHAR);
CREATE OR REPLACE TABLE identity_shared_patterns (pattern VARCHAR);
CREATE OR REPLACE TABLE input_prices (
    connector_type VARCHAR, vendor VARCHAR, sku VARCHAR, unit_cost DOUBLE, currency VARCHAR, position INTEGER);
CREATE OR REPLACE TABLE input_subscription_thresholds (
    connector_type VARCHAR, vendor VARCHAR, sku VARCHAR, activity_threshold_days INTEGER, position INTEGER);`
	if _, err := d.q.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("creating input tables: %w", err)
	}
	day := in.SnapshotDate.Format(time.DateOnly)
	if _, err := d.q.ExecContext(ctx, `INSERT INTO params VALUES (?, CAST(? AS DATE), ?)`,
		in.SnapshotID, day, in.ActivityThresholdDays); err != nil {
		return fmt.Errorf("loading snapshot parameters: %w", err)
	}
	var types, typeCaps, priority [][]any
	for _, t := range in.Types {
		c := t.Capabilities
		types = append(types, []any{t.Name, t.Vendor, t.Product, c.Licenses, c.LastLogin, c.Activity, c.SSO, c.Directory})
		// The long form lets SQL overlay what a connector reported by name.
		// Identifiers are not declared by types: a source's ids join its
		// accounts unless the connector reports them concealed.
		for _, dc := range []struct {
			name      string
			available bool
		}{
			{extract.CapLicenses, c.Licenses}, {extract.CapLastLogin, c.LastLogin}, {extract.CapActivity, c.Activity},
			{extract.CapSSO, c.SSO}, {extract.CapDirectory, c.Directory}, {extract.CapIdentifiers, true},
		} {
			typeCaps = append(typeCaps, []any{t.Name, dc.name, dc.available})
		}
	}
	for i, typ := range orgSourceRanking(in) {
		priority = append(priority, []any{typ, i + 1})
	}
	if err := d.insertRows(ctx, "connector_types", "(?, ?, ?, ?, ?, ?, ?, ?)", types); err != nil {
		return err
	}
	if err := d.insertRows(ctx, "connector_type_capabilities", "(?, ?, ?)", typeCaps); err != nil {
		return err
	}
	if err := d.insertRows(ctx, "org_source_priority", "(?, ?)", priority); err != nil {
		return err
	}
	if err := d.loadIdentity(ctx, in.Identity); err != nil {
		return err
	}
	if err := d.loadCatalog(ctx); err != nil {
		return err
	}
	var prices, thresholds [][]any
	for i, p := range in.Prices {
		prices = append(prices, []any{nullable(p.ConnectorType), nullable(p.Vendor), nullable(p.SKU), p.UnitCost, p.Currency, i + 1})
	}
	for i, st := range in.SubscriptionThresholds {
		thresholds = append(thresholds, []any{nullable(st.ConnectorType), nullable(st.Vendor), nullable(st.SKU), st.Days, i + 1})
	}
	if err := d.insertRows(ctx, "input_prices", "(?, ?, ?, ?, ?, ?)", prices); err != nil {
		return err
	}
	if err := d.insertRows(ctx, "input_subscription_thresholds", "(?, ?, ?, ?, ?)", thresholds); err != nil {
		return err
	}
	var runs, runRows, runCaps [][]any
	seen := map[string]bool{}
	for _, r := range in.Runs {
		if seen[r.Connector] {
			return fmt.Errorf("transform input: connector run %q reported twice", r.Connector)
		}
		seen[r.Connector] = true
		var asOf any
		if !r.DataAsOf.IsZero() {
			asOf = r.DataAsOf.UTC()
		}
		var runErr any
		if r.Error != "" {
			runErr = r.Error
		}
		runs = append(runs, []any{r.Connector, r.ConnectorType, r.Tenant, r.Status, r.Stale, asOf,
			r.Requests, r.Throttled, r.Retries, r.Duration.Seconds(), runErr})
		for _, entity := range slices.Sorted(maps.Keys(r.Rows)) {
			runRows = append(runRows, []any{r.Connector, entity, r.Rows[entity]})
		}
		for _, name := range slices.Sorted(maps.Keys(r.Capabilities)) {
			st := r.Capabilities[name]
			var reason any
			if st.Reason != "" {
				reason = st.Reason
			}
			runCaps = append(runCaps, []any{r.Connector, name, st.Available, reason})
		}
	}
	if err := d.insertRows(ctx, "input_connector_runs", "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", runs); err != nil {
		return err
	}
	if err := d.insertRows(ctx, "input_connector_run_rows", "(?, ?, ?)", runRows); err != nil {
		return err
	}
	return d.insertRows(ctx, "input_connector_capabilities", "(?, ?, ?, ?)", runCaps)
}

// insertRows loads rows into table with one INSERT, each row written as
// rowExpr (its placeholders in column order): a statement per row cost
// about a millisecond each, a third of a second over a run's inputs.
func (d *DB) insertRows(ctx context.Context, table, rowExpr string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString("INSERT INTO " + table + " VALUES ")
	args := make([]any, 0, len(rows)*len(rows[0]))
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(rowExpr)
		args = append(args, r...)
	}
	if _, err := d.q.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("loading %s: %w", table, err)
	}
	return nil
}

// nullable reads "" as SQL NULL, so an unset match field matches anything.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (d *DB) loadIdentity(ctx context.Context, id IdentityOptions) error {
	if _, err := d.q.ExecContext(ctx, `INSERT INTO identity_params VALUES (?)`, id.StripPlusAddresses); err != nil {
		return fmt.Errorf("loading identity options: %w", err)
	}
	var aliases, shared [][]any
	for _, alias := range slices.Sorted(maps.Keys(id.DomainAliases)) {
		aliases = append(aliases, []any{alias, id.DomainAliases[alias]})
	}
	patterns := id.SharedMailboxPatterns
	if patterns == nil {
		patterns = DefaultSharedMailboxPatterns
	}
	for _, p := range patterns {
		shared = append(shared, []any{p})
	}
	if err := d.insertRows(ctx, "identity_domain_aliases", "(lower(trim(?)), lower(trim(?)))", aliases); err != nil {
		return err
	}
	return d.insertRows(ctx, "identity_shared_patterns", "(lower(trim(?)))", shared)
}

// orgSourceRanking ranks every connector type of in as a source of
// organisational attributes, highest first: the configured priority (or
// DefaultOrgSourcePriority), then the remaining types by name, so that every
// type has a rank and ties never depend on row order.
func orgSourceRanking(in Input) []string {
	prio := in.OrgSourcePriority
	if len(prio) == 0 {
		prio = DefaultOrgSourcePriority
	}
	var rest []string
	for _, t := range in.Types {
		if !slices.Contains(prio, t.Name) {
			rest = append(rest, t.Name)
		}
	}
	slices.Sort(rest)
	var out []string
	for _, typ := range prio {
		if !slices.Contains(out, typ) {
			out = append(out, typ)
		}
	}
	return append(out, rest...)
}

func rawTable(connectorType, entity string) string { return "raw_" + connectorType + "__" + entity }
func stgTable(connectorType, entity string) string { return "stg_" + connectorType + "__" + entity }

// loadRaw creates raw_<type>__<entity> for every type and contract entity,
// typed even when empty so every staging file compiles. They are views over
// the staged files, not copies: staging reads each one once or twice, and
// copying millions of raw payloads into DuckDB cost more than the staging
// itself. A view cannot bind the file list as a parameter, so the lists go
// into input_staged_files with bound parameters and from there into the
// session variable staged_files (raw table → paths), which the views read;
// Run holds one connection so that the variable is there when staging
// reads them. Staged entities outside the contract (org) are not read yet.
func (d *DB) loadRaw(ctx context.Context, in Input) error {
	if _, err := d.q.ExecContext(ctx, `CREATE OR REPLACE TABLE input_staged_files (raw_table VARCHAR, path VARCHAR, row_count BIGINT, connector VARCHAR, connector_type VARCHAR)`); err != nil {
		return fmt.Errorf("creating input_staged_files: %w", err)
	}
	want, files := map[string]int64{}, map[string]int{}
	for _, f := range in.Staged {
		if !slices.ContainsFunc(Staging, func(c Contract) bool { return c.Entity == f.Entity }) {
			continue
		}
		table := rawTable(f.ConnectorType, f.Entity)
		want[table] += f.Rows
		files[table]++
		if _, err := d.q.ExecContext(ctx, `INSERT INTO input_staged_files VALUES (?, ?, ?, ?, ?)`, table, f.Path, f.Rows, f.Connector, f.ConnectorType); err != nil {
			return fmt.Errorf("loading staged file %s: %w", f.Path, err)
		}
	}
	if _, err := d.q.ExecContext(ctx, setStagedFiles); err != nil {
		return fmt.Errorf("listing staged files: %w", err)
	}
	empty := make([]string, len(rawColumns))
	cols := make([]string, len(rawColumns))
	for i, c := range rawColumns {
		empty[i] = "CAST(NULL AS " + c.Type + ") AS " + c.Name
		cols[i] = "CAST(" + c.Name + " AS " + c.Type + ") AS " + c.Name
	}
	for _, t := range in.Types {
		for _, ct := range Staging {
			table := rawTable(t.Name, ct.Entity)
			n, ok := want[table]
			body := "SELECT " + strings.Join(empty, ", ") + " WHERE false"
			if ok {
				body = "SELECT " + strings.Join(cols, ", ") + " FROM read_parquet(getvariable('staged_files')['" + table + "'])"
			}
			if _, err := d.q.ExecContext(ctx, "CREATE OR REPLACE VIEW "+table+" AS "+body); err != nil {
				return fmt.Errorf("creating %s: %w", table, err)
			}
			if !ok {
				continue
			}
			var got int64
			if err := d.q.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&got); err != nil {
				return fmt.Errorf("reading staged %s %s: %w", t.Name, ct.Entity, err)
			}
			if got != n {
				return fmt.Errorf("reading staged %s %s: %d rows in %d files, the stage reported %d", t.Name, ct.Entity, got, files[table], n)
			}
		}
	}
	return nil
}

// setStagedFiles sets the session variable the raw views read.
const setStagedFiles = `SET VARIABLE staged_files = (
    SELECT coalesce(map_from_entries(list((raw_table, paths))), MAP())
    FROM (SELECT raw_table, list(path ORDER BY path) AS paths FROM input_staged_files GROUP BY raw_table))`

// workerConns returns conn and more connections up to n, each holding the
// session variable the raw views read, for runPlan to run steps side by
// side.
func (d *DB) workerConns(ctx context.Context, conn *sql.Conn, n int) ([]*sql.Conn, error) {
	conns := []*sql.Conn{conn}
	for len(conns) < n {
		c, err := d.db.Conn(ctx)
		if err == nil {
			if _, err = c.ExecContext(ctx, setStagedFiles); err != nil {
				c.Close()
			}
		}
		if err != nil {
			for _, c := range conns[1:] {
				c.Close()
			}
			return nil, fmt.Errorf("connecting to duckdb: %w", err)
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// readStaging reads a staging file from overlay when it has one, else from
// the embedded tree.
func readStaging(overlay fs.FS, file string) ([]byte, error) {
	if overlay != nil {
		body, err := fs.ReadFile(overlay, file)
		if !errors.Is(err, fs.ErrNotExist) {
			return body, err
		}
	}
	return fs.ReadFile(sqlfiles.FS, file)
}

// coreFiles lists sql/core in run order: by file name, whose numeric prefix
// is the order and whose rest is the table built.
func coreFiles() ([]string, error) {
	files, err := fs.Glob(sqlfiles.FS, "core/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	return files, nil
}

var coreNameRE = regexp.MustCompile(`^core/[0-9]+_([a-z][a-z0-9_]*)\.sql$`)

// dropUnread drops every table and view of the work database that is not a
// dataset and that the steps still to finish do not read (later: the words
// of their SQL outside comments), directly or through a view. A name counts
// as read when it appears as a word in the SQL, so a column or CTE of the
// same name keeps a table a little longer and never drops one too early.
func (d *DB) dropUnread(ctx context.Context, q *sql.Conn, later map[string]bool) error {
	clock := startStep()
	rows, err := q.QueryContext(ctx, `
SELECT table_name, 'TABLE', '' FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
UNION ALL
SELECT view_name, 'VIEW', sql FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary`)
	if err != nil {
		return fmt.Errorf("listing work tables: %w", err)
	}
	type object struct{ kind, sql string }
	objects := map[string]object{}
	for rows.Next() {
		var name string
		var o object
		if err := rows.Scan(&name, &o.kind, &o.sql); err != nil {
			rows.Close()
			return fmt.Errorf("listing work tables: %w", err)
		}
		objects[name] = o
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("listing work tables: %w", err)
	}
	words := maps.Clone(later)
	if words == nil {
		words = map[string]bool{}
	}
	for _, ds := range Datasets {
		words[ds.Name] = true
	}
	// A view keeps what it reads.
	for changed := true; changed; {
		changed = false
		for name, o := range objects {
			if o.kind != "VIEW" || !words[name] {
				continue
			}
			for _, w := range identWordRE.FindAllString(o.sql, -1) {
				if w = strings.ToLower(w); !words[w] {
					words[w], changed = true, true
				}
			}
		}
	}
	var dropped []string
	for _, kind := range []string{"VIEW", "TABLE"} {
		for name, o := range objects {
			if o.kind != kind || words[name] {
				continue
			}
			// name comes from the catalogue and is quoted.
			if _, err := q.ExecContext(ctx, "DROP "+kind+" IF EXISTS "+quoteIdent(name)); err != nil {
				return fmt.Errorf("dropping %s: %w", name, err)
			}
			dropped = append(dropped, name)
		}
	}
	if len(dropped) > 0 {
		slices.Sort(dropped)
		clock.end(d, "drop "+strings.Join(dropped, ", "))
	}
	return nil
}

var identWordRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// words is the set of identifier-shaped words in sql, lowercased, outside
// its comments: a table a comment names is no dependency, and a step that
// waited for it would idle a connection. Words inside string literals and
// quoted identifiers count, and so does a CTE's name: SQL files name their
// CTEs apart from the plan's tables (TestNoCTENamedLikeATable).
func words(sql ...string) map[string]bool {
	set := map[string]bool{}
	for _, body := range sql {
		for _, w := range identWordRE.FindAllString(stripComments(body), -1) {
			set[strings.ToLower(w)] = true
		}
	}
	return set
}

// stripComments blanks out sql's -- and /* */ comments, leaving string
// literals and quoted identifiers (whose text may hold either) as they are.
func stripComments(sql string) string {
	var b strings.Builder
	b.Grow(len(sql))
	for i := 0; i < len(sql); {
		switch c := sql[i]; {
		case c == '\'' || c == '"':
			// A doubled quote inside is an escaped one: the scan closes the
			// literal there and reopens it, which keeps the same bytes.
			j := strings.IndexByte(sql[i+1:], c)
			if j < 0 {
				b.WriteString(sql[i:])
				return b.String()
			}
			end := i + 1 + j + 1
			b.WriteString(sql[i:end])
			i = end
		case strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				return b.String()
			}
			i += j
		case strings.HasPrefix(sql[i:], "/*"):
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return b.String()
			}
			b.WriteByte(' ')
			i += j + 4
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// checkColumns compares a table's or view's columns with want, in order.
func checkColumns(ctx context.Context, q querier, table string, want []Column) error {
	return diffColumns(ctx, q, want, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position`, table)
}

// checkQueryColumns compares the columns a query would return with want,
// in order, without running it: DESCRIBE only binds the query.
func checkQueryColumns(ctx context.Context, q querier, query string, want []Column) error {
	return diffColumns(ctx, q, want, "SELECT column_name, column_type FROM (DESCRIBE (\n"+query+"\n))")
}

// diffColumns lists columns with list (rows of name, type) and reports
// every difference from want.
func diffColumns(ctx context.Context, q querier, want []Column, list string, args ...any) error {
	rows, err := q.QueryContext(ctx, list, args...)
	if err != nil {
		return fmt.Errorf("describing: %w", err)
	}
	defer rows.Close()
	var got []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return fmt.Errorf("describing: %w", err)
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("describing: %w", err)
	}
	var diffs []string
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			diffs = append(diffs, fmt.Sprintf("missing column %d %s %s", i+1, want[i].Name, want[i].Type))
		case i >= len(want):
			diffs = append(diffs, fmt.Sprintf("extra column %d %s %s", i+1, got[i].Name, got[i].Type))
		case got[i].Name != want[i].Name || got[i].Type != want[i].Type:
			diffs = append(diffs, fmt.Sprintf("column %d is %s %s, want %s %s", i+1, got[i].Name, got[i].Type, want[i].Name, want[i].Type))
		}
	}
	if len(diffs) > 0 {
		return errors.New(strings.Join(diffs, "; "))
	}
	return nil
}

// checkDataset proves a dataset table has its documented columns and a
// unique key (the key is the output order, so a duplicate would make the
// published bytes depend on chance), and counts its rows.
func checkDataset(ctx context.Context, q querier, ds Dataset) (int64, error) {
	if err := checkColumns(ctx, q, ds.Name, ds.Columns); err != nil {
		return 0, fmt.Errorf("checking dataset %s: %w", ds.Name, err)
	}
	// Distinct key hashes prove distinct keys; only equal hashes (a
	// duplicate, or a collision) are looked at key by key.
	var n, distinct int64
	query := "SELECT count(*), count(DISTINCT hash(" + strings.Join(ds.Key, ", ") + ")) FROM " + ds.Name
	if err := q.QueryRowContext(ctx, query).Scan(&n, &distinct); err != nil {
		return 0, fmt.Errorf("counting dataset %s: %w", ds.Name, err)
	}
	if n != distinct {
		query = "SELECT count(DISTINCT (" + strings.Join(ds.Key, ", ") + ")) FROM " + ds.Name
		if len(ds.Key) == 1 {
			query = "SELECT count(DISTINCT row(" + ds.Key[0] + ")) FROM " + ds.Name
		}
		if err := q.QueryRowContext(ctx, query).Scan(&distinct); err != nil {
			return 0, fmt.Errorf("counting dataset %s: %w", ds.Name, err)
		}
	}
	if n != distinct {
		return 0, fmt.Errorf("checking dataset %s: %d rows but %d distinct keys (%s)", ds.Name, n, distinct, strings.Join(ds.Key, ", "))
	}
	return n, nil
}

// catalogColumns is the header of sql/catalog/applications.csv; list fields
// hold ';'-separated values.
var catalogColumns = []string{"key", "name", "vendor", "connector_type", "domains", "okta_names", "entra_app_ids", "aliases"}

// loadCatalog reads the embedded application catalogue into app_catalog,
// which sql/core/25_int_application_sources.sql matches discovered
// applications against. It is parsed here rather than by DuckDB because
// DuckDB cannot read the binary's embedded files.
func (d *DB) loadCatalog(ctx context.Context) error {
	if _, err := d.q.ExecContext(ctx, `CREATE OR REPLACE TABLE app_catalog (
    catalog_key VARCHAR, name VARCHAR, vendor VARCHAR, connector_type VARCHAR,
    domains VARCHAR[], okta_names VARCHAR[], entra_app_ids VARCHAR[], aliases VARCHAR[])`); err != nil {
		return fmt.Errorf("creating app_catalog: %w", err)
	}
	rows, err := readCatalog()
	if err != nil {
		return err
	}
	list := func(s string) []string {
		out := []string{}
		for v := range strings.SplitSeq(s, ";") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	apps := make([][]any, 0, len(rows))
	for _, r := range rows {
		apps = append(apps, []any{r[0], r[1], r[2], nullable(r[3]), list(r[4]), list(r[5]), list(r[6]), list(r[7])})
	}
	return d.insertRows(ctx, "app_catalog",
		"(?, ?, ?, ?, CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]), CAST(? AS VARCHAR[]))", apps)
}

// readCatalog parses the catalogue and checks its shape: the header, unique
// lowercase keys and a name for every row.
func readCatalog() ([][]string, error) {
	f, err := sqlfiles.Catalog.Open("catalog/applications.csv")
	if err != nil {
		return nil, fmt.Errorf("opening the application catalogue: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading the application catalogue: %w", err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], catalogColumns) {
		return nil, fmt.Errorf("application catalogue header must be %s", strings.Join(catalogColumns, ","))
	}
	seen := map[string]bool{}
	for i, r := range recs[1:] {
		if !catalogKeyRE.MatchString(r[0]) {
			return nil, fmt.Errorf("application catalogue line %d: key %q is not a lowercase identifier", i+2, r[0])
		}
		if seen[r[0]] {
			return nil, fmt.Errorf("application catalogue line %d: key %q listed twice", i+2, r[0])
		}
		seen[r[0]] = true
		if strings.TrimSpace(r[1]) == "" {
			return nil, fmt.Errorf("application catalogue line %d: %s has no name", i+2, r[0])
		}
	}
	return recs[1:], nil
}

var catalogKeyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
