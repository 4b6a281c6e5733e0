package transformbench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/transform"
)

// People is the organisation size of the performance target.
const People = 100_000

// Weeks is how many weekly snapshots' activity the transform reads: the
// current one and the earlier ones within the default 30-day threshold,
// as the pipeline hands them over (sql/README.md, "Activity windows").
const Weeks = 4

// Types are the eight vendor types with the capabilities their registry
// entries declare.
func Types() []transform.TypeInfo {
	return []transform.TypeInfo{
		{Name: "okta", Vendor: "Okta", Product: "Workforce Identity Cloud", Capabilities: extract.Capabilities{SSO: true, LastLogin: true, Activity: true}},
		{Name: "ldap", Vendor: "Microsoft", Product: "Active Directory", Capabilities: extract.Capabilities{Directory: true, LastLogin: true}},
		{Name: "entra", Vendor: "Microsoft", Product: "Entra ID", Capabilities: extract.Capabilities{SSO: true, Directory: true}},
		{Name: "microsoft365", Vendor: "Microsoft", Product: "Microsoft 365", Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true}},
		{Name: "google_workspace", Vendor: "Google", Product: "Workspace", Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true, Directory: true}},
		{Name: "zoom", Vendor: "Zoom", Product: "Workplace", Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true}},
		{Name: "salesforce", Vendor: "Salesforce", Product: "Sales Cloud", Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true}},
		{Name: "slack", Vendor: "Slack", Product: "Slack", Capabilities: extract.Capabilities{Licenses: true, LastLogin: true, Activity: true}},
	}
}

// Estate is a generated estate: what the transform reads and how much of
// it there is.
type Estate struct {
	Input transform.Input
	// People is the organisation size.
	People int
	// Users is the number of staged user records (Okta is read by two
	// instances, so its users are staged twice).
	Users int64
	// Activity is the number of staged activity records over all weeks.
	Activity int64
}

// Generate writes the estate of people persons for the snapshot of date
// snapshot under root, or reuses the one a previous call left there with
// the same size and date (estate.json is written last).
func Generate(ctx context.Context, root string, people int, snapshot time.Time) (*Estate, error) {
	snapshot = snapshot.UTC().Truncate(24 * time.Hour)
	index := filepath.Join(root, "estate.json")
	if body, err := os.ReadFile(index); err == nil {
		var e Estate
		if err := json.Unmarshal(body, &e); err == nil && e.People == people && e.Input.SnapshotDate.Equal(snapshot) && filesExist(e.Input.Staged) {
			return &e, nil
		}
	}
	g := &gen{root: root, snapshot: snapshot, people: people, rows: map[string]map[string]int64{}}
	g.plan()
	if err := g.run(ctx); err != nil {
		return nil, err
	}
	e := &Estate{People: people, Input: transform.Input{
		SnapshotID: snapshot.Format(time.DateOnly), SnapshotDate: snapshot, Staged: g.files, Runs: g.runs(), Types: Types(),
		Identity: transform.IdentityOptions{StripPlusAddresses: true, DomainAliases: map[string]string{"acme-uk.example": "acme.example"}},
		Prices: []transform.Price{
			{ConnectorType: "slack", UnitCost: 12.5, Currency: "USD"},
			{ConnectorType: "zoom", UnitCost: 15.99, Currency: "USD"},
			{ConnectorType: "microsoft365", SKU: "ENTERPRISEPACK", UnitCost: 23, Currency: "USD"},
		},
	}}
	for _, f := range g.files {
		switch f.Entity {
		case extract.Users:
			e.Users += f.Rows
		case extract.Activity:
			e.Activity += f.Rows
		}
	}
	body, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(index, body, 0o600); err != nil {
		return nil, fmt.Errorf("writing estate index: %w", err)
	}
	return e, nil
}

func filesExist(files []transform.StagedFile) bool {
	for _, f := range files {
		if _, err := os.Stat(f.Path); err != nil {
			return false
		}
	}
	return len(files) > 0
}

// job is one staged file: n records, record k rendered by rec into buf.
type job struct {
	env stage.Envelope
	n   int
	rec func(k int, buf []byte) (id string, payload []byte, ok bool)
}

type gen struct {
	root     string
	snapshot time.Time
	people   int
	jobs     []job

	mu    sync.Mutex
	files []transform.StagedFile
	// rows counts what each instance staged for the current snapshot.
	rows map[string]map[string]int64
}

// person i's identifiers, as every vendor renders them.
type person struct {
	first, last, local, mail, display, emp, dept string
}

func (g *gen) person(i int) person {
	first, last := fmt.Sprintf("Given%d", i%977), fmt.Sprintf("Family%d", i/977)
	local := strings.ToLower(first + "." + last)
	return person{first: first, last: last, local: local, mail: local + "@acme.example", display: first + " " + last,
		emp: fmt.Sprintf("E%07d", i), dept: fmt.Sprintf("Dept%d", i%23)}
}

// mix is splitmix64: a cheap deterministic hash of the event coordinates.
func mix(xs ...uint64) uint64 {
	var h uint64 = 0x9e3779b97f4a7c15
	for _, x := range xs {
		h ^= x
		h += 0x9e3779b97f4a7c15
		h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
		h = (h ^ h>>27) * 0x94d049bb133111eb
		h ^= h >> 31
	}
	return h
}

// lastLogin is person i's last sign-in as the directories report it.
func (g *gen) lastLogin(i int) time.Time {
	return g.snapshot.Add(-time.Duration(i%90*24+3) * time.Hour)
}

func (g *gen) add(snapshotID, conn, typ, tenant, entity string, n int, rec func(k int, buf []byte) (string, []byte, bool)) {
	g.jobs = append(g.jobs, job{env: stage.Envelope{SnapshotID: snapshotID, Connector: conn, ConnectorType: typ, Tenant: tenant, Entity: entity}, n: n, rec: rec})
}

func (g *gen) run(ctx context.Context) error {
	work := make(chan job)
	errs := make(chan error, len(g.jobs))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for j := range work {
				errs <- g.write(ctx, j)
			}
		})
	}
	for _, j := range g.jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	close(errs)
	slices.SortFunc(g.files, func(a, b transform.StagedFile) int { return strings.Compare(a.Path, b.Path) })
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

func (g *gen) write(ctx context.Context, j job) error {
	// Activity is extracted a couple of hours after its snapshot's midnight.
	day, err := time.Parse(time.DateOnly, j.env.SnapshotID)
	if err != nil {
		return err
	}
	at := day.Add(2 * time.Hour)
	w, err := stage.Create(g.root, j.env, func() time.Time { return at })
	if err != nil {
		return err
	}
	var buf []byte
	for k := range j.n {
		id, payload, ok := j.rec(k, buf[:0])
		if !ok {
			continue
		}
		buf = payload
		if err := w.Emit(ctx, extract.Record{SourceID: id, Payload: payload}); err != nil {
			w.Abort()
			return err
		}
	}
	path, err := w.Commit()
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.files = append(g.files, transform.StagedFile{Path: path, Connector: j.env.Connector, ConnectorType: j.env.ConnectorType,
		Tenant: j.env.Tenant, Entity: j.env.Entity, Rows: w.Rows()})
	if j.env.SnapshotID == g.snapshot.Format(time.DateOnly) {
		if g.rows[j.env.Connector] == nil {
			g.rows[j.env.Connector] = map[string]int64{}
		}
		g.rows[j.env.Connector][j.env.Entity] += w.Rows()
	}
	return nil
}

// runs are the connector runs of the current snapshot, one per instance,
// with their row counts.
func (g *gen) runs() []transform.ConnectorRun {
	var out []transform.ConnectorRun
	for _, f := range g.files {
		if slices.ContainsFunc(out, func(r transform.ConnectorRun) bool { return r.Connector == f.Connector }) {
			continue
		}
		out = append(out, transform.ConnectorRun{Connector: f.Connector, ConnectorType: f.ConnectorType, Tenant: f.Tenant, Status: "ok",
			DataAsOf: g.snapshot.Add(2 * time.Hour), Rows: g.rows[f.Connector], Requests: 1000, Duration: time.Minute})
	}
	slices.SortFunc(out, func(a, b transform.ConnectorRun) int { return strings.Compare(a.Connector, b.Connector) })
	return out
}
