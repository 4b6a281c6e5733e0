package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/load"
	"github.com/saaspipe/saaspipe/pipeline"
	"github.com/saaspipe/saaspipe/transform"
)

// ErrNoSnapshot: the data directory holds no sealed snapshot to report on.
var ErrNoSnapshot = errors.New("no published snapshot")

// Options say what to report on.
type Options struct {
	DataDir string
	// Snapshot is the id of a sealed snapshot; empty means the latest.
	Snapshot string
	// Now stamps the page; nil means time.Now. Tests pin it so that two
	// renders of the same data are byte-identical.
	Now func() time.Time
}

// Data is everything the page shows, embedded into it as JSON. Tables are
// column names plus rows of values rather than arrays of objects: with ten
// thousand accounts the repeated keys would double the page.
type Data struct {
	Snapshot     string `json:"snapshot"`
	SnapshotDate string `json:"snapshot_date"`
	// Previous is the date of the sealed snapshot before this one, for
	// the changes shown beside each headline number; empty for the first.
	Previous    string `json:"previous"`
	GeneratedAt string `json:"generated_at"`
	DataDir     string `json:"data_dir"`

	Summary       Summary `json:"summary"`
	Products      Table   `json:"products"`
	Subscriptions Table   `json:"subscriptions"`
	Reclaim       Table   `json:"reclaim"`
	Spend         Table   `json:"spend"`
	Apps          Table   `json:"apps"`
	// AppUsers rows are [app row index, people row index or -1, label of
	// an account that resolved to no person, last SSO use].
	AppUsers   Table `json:"app_users"`
	People     Table `json:"people"`
	Accounts   Table `json:"accounts"`
	Connectors Table `json:"connectors"`
	History    Table `json:"history"`
	// Missing names the datasets the catalog lacks (published by an older
	// version, or not at all); their sections are shown empty, saying so.
	Missing []string `json:"missing"`
}

// Table is a result set ready for JSON.
type Table struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// Col returns the index of a column, or -1.
func (t Table) Col(name string) int { return slices.Index(t.Columns, name) }

// Summary holds the headline numbers of the reported snapshot and of the
// one before it (Prev, nil for the first snapshot).
type Summary struct {
	Cur  Stats  `json:"cur"`
	Prev *Stats `json:"prev"`
	// Spend is per currency: summing dollars and euros would be a lie.
	Spend        []Money `json:"spend"`
	Subs         int64   `json:"subscriptions"`
	PricedSubs   int64   `json:"priced_subscriptions"`
	Applications int     `json:"applications"`
}

// Stats are one snapshot's counts; pointers are NULL-able figures.
type Stats struct {
	People         int64    `json:"people"`
	Accounts       int64    `json:"accounts"`
	Active         int64    `json:"active"`
	Inactive       int64    `json:"inactive"`
	NoActivity     int64    `json:"no_activity"`
	NotMonitored   int64    `json:"not_monitored"`
	Purchased      int64    `json:"purchased"`
	Assigned       int64    `json:"assigned"`
	ActiveSeats    int64    `json:"active_seats"`
	Reclaimable    int64    `json:"reclaimable"`
	UtilizationPct *float64 `json:"utilization_pct"`
	ConnectorsOK   int64    `json:"connectors_ok"`
	ConnectorsBad  int64    `json:"connectors_bad"`
	Stale          int64    `json:"stale"`
}

// Money is monthly spend in one currency.
type Money struct {
	Currency        string  `json:"currency"`
	Monthly         float64 `json:"monthly"`
	Reclaimable     float64 `json:"reclaimable"`
	Unassigned      float64 `json:"unassigned"`
	PricedSubs      int64   `json:"priced_subscriptions"`
	ReclaimableSeat int64   `json:"reclaimable_seats"`
}

// Build reads the published data of one snapshot (and the history of all
// sealed ones) through the catalog.
func Build(ctx context.Context, o Options) (*Data, error) {
	ids, err := pipeline.ListSnapshots(o.DataDir)
	if err != nil {
		return nil, fmt.Errorf("listing snapshots in %s: %w", o.DataDir, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w in %s: run 'saaspipe run' (or 'saaspipe demo') first", ErrNoSnapshot, o.DataDir)
	}
	if o.Snapshot != "" && !slices.Contains(ids, o.Snapshot) {
		return nil, fmt.Errorf("%w %q in %s; sealed snapshots: %s", ErrNoSnapshot, o.Snapshot, o.DataDir, strings.Join(ids, ", "))
	}
	// A replaced snapshot keeps its manifest beside the revision that
	// replaced it, but the catalog serves only the latest revision of each
	// date; the history and the report follow the catalog, one row a date.
	var manifests []*load.Manifest
	var wanted string
	for _, sid := range ids {
		m, err := load.ReadManifest(o.DataDir, sid)
		if err != nil {
			return nil, err
		}
		if sid == o.Snapshot {
			wanted = m.SnapshotDate
		}
		i := slices.IndexFunc(manifests, func(x *load.Manifest) bool { return x.SnapshotDate == m.SnapshotDate })
		switch {
		case i < 0:
			manifests = append(manifests, m)
		case m.Revision > manifests[i].Revision:
			manifests[i] = m
		}
	}
	slices.SortFunc(manifests, func(a, b *load.Manifest) int { return strings.Compare(a.SnapshotDate, b.SnapshotDate) })
	cur := manifests[len(manifests)-1]
	if wanted != "" {
		cur = manifests[slices.IndexFunc(manifests, func(x *load.Manifest) bool { return x.SnapshotDate == wanted })]
	}
	id := cur.SnapshotID
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	abs, err := filepath.Abs(o.DataDir)
	if err != nil {
		return nil, err
	}
	d := &Data{Snapshot: id, SnapshotDate: cur.SnapshotDate, GeneratedAt: now().UTC().Format("2006-01-02 15:04 UTC"), DataDir: abs}

	scratch, err := os.MkdirTemp("", "saaspipe-report-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	db, err := transform.Open(ctx, scratch)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// One connection: the attached catalog and the views over it live in
	// the connection's catalog set, and a pool would hand out others.
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d.Missing, err = attach(ctx, conn, filepath.Join(abs, "saaspipe.duckdb")); err != nil {
		return nil, err
	}

	if d.History, err = history(ctx, conn, manifests); err != nil {
		return nil, err
	}
	for i, m := range manifests {
		if m.SnapshotDate == cur.SnapshotDate {
			d.Summary.Cur = statsAt(d.History, i)
			if i > 0 {
				p := statsAt(d.History, i-1)
				d.Summary.Prev, d.Previous = &p, manifests[i-1].SnapshotDate
			}
		}
	}

	date := cur.SnapshotDate
	queries := []struct {
		dst *Table
		sql string
	}{
		{&d.Products, qProducts}, {&d.Subscriptions, qSubscriptions}, {&d.Reclaim, qReclaim},
		{&d.Spend, qSpend}, {&d.Apps, qApps}, {&d.People, qPeople}, {&d.Accounts, qAccounts},
		{&d.Connectors, qConnectors},
	}
	for _, q := range queries {
		if *q.dst, err = query(ctx, conn, q.sql, date); err != nil {
			return nil, err
		}
	}
	if d.AppUsers, err = appUsers(ctx, conn, date, d.Apps, d.People); err != nil {
		return nil, err
	}
	d.Summary.Applications = len(d.Apps.Rows)
	for _, r := range d.Subscriptions.Rows {
		d.Summary.Subs++
		if r[d.Subscriptions.Col("unit_cost")] != nil {
			d.Summary.PricedSubs++
		}
	}
	for _, r := range d.Spend.Rows {
		d.Summary.Spend = append(d.Summary.Spend, Money{Currency: str(r[0]), Monthly: num(r[1]), Reclaimable: num(r[2]),
			Unassigned: num(r[3]), PricedSubs: int64(num(r[4])), ReclaimableSeat: int64(num(r[5]))})
	}
	return d, nil
}

// attach opens the catalog read-only and puts one view per dataset in
// front of it with exactly the columns this version declares, so that the
// queries below also work on a catalog written before a dataset or a
// column existed (those read as empty or NULL, and are named in missing).
func attach(ctx context.Context, conn *sql.Conn, catalog string) (missing []string, err error) {
	if _, err := os.Stat(catalog); err != nil {
		return nil, fmt.Errorf("opening the catalog: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "ATTACH "+literal(catalog)+" AS cat (READ_ONLY)"); err != nil {
		return nil, fmt.Errorf("attaching the catalog %s: %w", catalog, err)
	}
	have := map[string]map[string]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'cat'")
	if err != nil {
		return nil, fmt.Errorf("listing the catalog's views: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		if have[t] == nil {
			have[t] = map[string]bool{}
		}
		have[t][c] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The DDL is assembled from transform.Datasets, whose names and types
	// are constants of this program (never input), because a view cannot
	// take bound parameters.
	for _, ds := range transform.Datasets {
		cols := make([]string, len(ds.Columns))
		for i, c := range ds.Columns {
			if have[ds.Name][c.Name] {
				cols[i] = `"` + c.Name + `"`
			} else {
				cols[i] = fmt.Sprintf(`CAST(NULL AS %s) AS "%s"`, c.Type, c.Name)
			}
		}
		from := " FROM cat." + ds.Name
		if have[ds.Name] == nil {
			missing = append(missing, ds.Name)
			from = " WHERE false"
		}
		if _, err := conn.ExecContext(ctx, "CREATE VIEW "+ds.Name+" AS SELECT "+strings.Join(cols, ", ")+from); err != nil {
			return nil, fmt.Errorf("reading dataset %s from the catalog: %w", ds.Name, err)
		}
	}
	return missing, nil
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// query runs one of the queries below for the snapshot date and returns its
// rows with values the page can show.
func query(ctx context.Context, conn *sql.Conn, q string, args ...any) (Table, error) {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return Table{}, fmt.Errorf("querying %s: %w", firstLine(q), err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return Table{}, err
	}
	t := Table{Columns: cols, Rows: [][]any{}}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return Table{}, fmt.Errorf("reading %s: %w", firstLine(q), err)
		}
		for i, v := range vals {
			vals[i] = jsonValue(v)
		}
		t.Rows = append(t.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return Table{}, fmt.Errorf("reading %s: %w", firstLine(q), err)
	}
	return t, nil
}

func firstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i > 0 {
		q = q[:i]
	}
	return strings.TrimPrefix(q, "-- ")
}

// jsonValue makes a scanned value encodable: NaN and infinities (which
// encoding/json refuses) become unknown, and timestamps become UTC text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return math.Round(x*100) / 100
	case time.Time:
		x = x.UTC()
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format("2006-01-02 15:04")
	case *big.Int:
		// DuckDB sums BIGINTs into HUGEINTs; seat counts fit an int64.
		if x.IsInt64() {
			return x.Int64()
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	}
	return v
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	}
	return 0
}

// history has one row per sealed snapshot, with the manifest's file count,
// rows and chain link beside the figures the datasets give.
func history(ctx context.Context, conn *sql.Conn, ms []*load.Manifest) (Table, error) {
	t, err := query(ctx, conn, qHistory)
	if err != nil {
		return t, err
	}
	byDate := map[string][]any{}
	for _, r := range t.Rows {
		byDate[str(r[0])] = r
	}
	out := Table{Columns: append([]string{"snapshot_id"}, t.Columns...), Rows: [][]any{}}
	out.Columns = append(out.Columns, "files", "rows", "sealed_at", "previous_manifest_sha256")
	for _, m := range ms {
		r, ok := byDate[m.SnapshotDate]
		if !ok {
			// Sealed but absent from the catalog: a dataset-less
			// snapshot still belongs in the history.
			r = make([]any, len(t.Columns))
			r[0] = m.SnapshotDate
		}
		var rows int64
		for _, f := range m.Files {
			rows += f.Rows
		}
		row := append([]any{m.SnapshotID}, r...)
		row = append(row, len(m.Files), rows, m.CreatedAt.UTC().Format("2006-01-02 15:04"), m.PreviousManifestSHA256)
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

func statsAt(h Table, i int) Stats {
	r := h.Rows[i]
	get := func(c string) int64 { return int64(num(r[h.Col(c)])) }
	s := Stats{People: get("people"), Accounts: get("accounts"), Active: get("active"), Inactive: get("inactive"),
		NoActivity: get("no_activity"), NotMonitored: get("not_monitored"), Purchased: get("purchased"),
		Assigned: get("assigned"), ActiveSeats: get("active_seats"), Reclaimable: get("reclaimable"),
		ConnectorsOK: get("connectors_ok"), ConnectorsBad: get("connectors_failed"), Stale: get("connectors_stale")}
	if v, ok := r[h.Col("utilization_pct")].(float64); ok {
		s.UtilizationPct = &v
	}
	return s
}

// appUsers lists who is assigned to each application row (applications
// of the same name found by several discovery sources are one row), by
// index into the people table so that ten thousand people are not
// repeated once per application.
func appUsers(ctx context.Context, conn *sql.Conn, date string, apps, people Table) (Table, error) {
	t, err := query(ctx, conn, qAppUsers, date)
	if err != nil {
		return t, err
	}
	appIdx := map[string]int{}
	for i, r := range apps.Rows {
		appIdx[str(r[apps.Col("app_key")])] = i
	}
	personIdx := map[string]int{}
	for i, r := range people.Rows {
		personIdx[str(r[people.Col("person_id")])] = i
	}
	out := Table{Columns: []string{"app", "person", "account", "last_used_at"}, Rows: make([][]any, 0, len(t.Rows))}
	for _, r := range t.Rows {
		a, ok := appIdx[str(r[0])]
		if !ok {
			continue
		}
		p, ok := personIdx[str(r[1])]
		if !ok {
			p = -1
		}
		label := any(nil)
		if p < 0 {
			label = r[2]
		}
		out.Rows = append(out.Rows, []any{a, p, label, r[3]})
	}
	return out, nil
}
