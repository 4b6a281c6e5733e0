package transform

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	sqlfiles "github.com/saaspipe/saaspipe/sql"
)

// step is one statement of the transform's plan: a staging file, the
// union of an entity's staging tables, a core file, a core table built in
// Go, or the check (and write) of a dataset. Each step but the last kind
// creates one table or view, makes, from what it reads.
type step struct {
	name  string // as Steps reports it; "" for the unions, not reported
	makes string
	// reads holds the identifier-shaped words of what the step runs (see
	// words): every table it reads is among them, and a word that names
	// no table only costs an ordering edge or a later drop.
	reads map[string]bool
	run   func(ctx context.Context, q *sql.Conn) error
	deps  []int // earlier steps that must finish first
}

// plan lists every step of a Run in the order a single connection would
// run them, each with the earlier steps it depends on.
//
// The order is the serial one: the staging of an entity right before the
// first core file that reads it when intermediates are discarded (staged
// activity is not held while accounts are resolved), all staging first
// otherwise; core files by name; then the staging no core file reads,
// still checked against the contract. A step depends on every earlier step
// that makes something it reads, and on every earlier step that reads what
// it makes (which it would replace), so any schedule respecting the
// dependencies computes what the serial order does.
func (d *DB) plan(in Input) ([]step, error) {
	files, err := coreFiles()
	if err != nil {
		return nil, fmt.Errorf("listing core SQL: %w", err)
	}
	names := make([]string, 0, len(in.Types))
	for _, t := range in.Types {
		names = append(names, t.Name)
	}
	slices.Sort(names)

	bodies := make([]string, len(files))
	for i, file := range files {
		body, err := fs.ReadFile(sqlfiles.FS, file)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		bodies[i] = string(body)
	}
	coreReads := words(bodies...)
	// unionReads: the words of the core files that read staged entities
	// through their unions, i.e. all but the per-type ones.
	var whole []string
	for i, file := range files {
		if m := coreNameRE.FindStringSubmatch(file); m == nil || perTypeCore[m[1]] == "" {
			whole = append(whole, bodies[i])
		}
	}
	unionReads := words(whole...)

	var steps []step
	staged := map[string]bool{}          // stg_<entity> unions planned
	stagedTypes := map[string][]string{} // entity -> the types staging it
	// stageEntity plans an entity's staging; part, when set, plans a step
	// right after each type's staging step, so that a per-type core table
	// is built from a staging table as soon as it exists (and the
	// scheduler, which starts the earliest ready step, builds it before
	// staging the next type).
	stageEntity := func(ct Contract, part func(typ string) step) error {
		staged["stg_"+ct.Entity] = true
		s, err := stagingSteps(in.stagingOverlay, names, ct, coreReads, d.lean)
		if err != nil {
			return err
		}
		for _, st := range s[:len(s)-1] {
			typ := strings.TrimSuffix(strings.TrimPrefix(st.makes, "stg_"), "__"+ct.Entity)
			stagedTypes[ct.Entity] = append(stagedTypes[ct.Entity], typ)
			steps = append(steps, st)
			if part != nil {
				steps = append(steps, part(typ))
			}
		}
		// A lean run plans no union that only per-type parts would have
		// read: it would hold every type's staging table until the last
		// type is staged.
		if part == nil || !d.lean || unionReads["stg_"+ct.Entity] {
			steps = append(steps, s[len(s)-1])
		}
		return nil
	}
	stage := func(only map[string]bool) error {
		for _, ct := range Staging {
			union := "stg_" + ct.Entity
			if staged[union] || only != nil && !only[union] {
				continue
			}
			if err := stageEntity(ct, nil); err != nil {
				return err
			}
		}
		return nil
	}
	if !d.lean {
		// Every staging table before the core, where tests can inspect
		// them all.
		if err := stage(nil); err != nil {
			return nil, err
		}
	}
	for i, file := range files {
		m := coreNameRE.FindStringSubmatch(file)
		if m == nil {
			return nil, fmt.Errorf("core SQL file %s is not named NN_<table>.sql", file)
		}
		body := bodies[i]
		reads := words(body)
		table := m[1]
		planned := false
		if entity, ok := perTypeCore[table]; ok {
			if planned, err = planPerType(&steps, file, table, body, entity, staged, stagedTypes, stageEntity); err != nil {
				return nil, err
			}
		}
		if err := stage(reads); err != nil {
			return nil, err
		}
		if !planned {
			steps = append(steps, sqlStep(file, table, body))
		}
		if i := slices.IndexFunc(Datasets, func(ds Dataset) bool { return ds.Name == table }); i >= 0 {
			steps = append(steps, d.datasetStep(Datasets[i]))
		}
		if g, ok := coreGoSteps[table]; ok {
			steps = append(steps, step{name: "go: " + g.makes, makes: g.makes, reads: words(g.reads...),
				run: func(ctx context.Context, q *sql.Conn) error { return g.build(ctx, q) }})
		}
	}
	// Entities no core SQL reads are still staged: their SQL is checked
	// against the contract all the same.
	if err := stage(nil); err != nil {
		return nil, err
	}
	for j := range steps {
		for i := range j {
			a, b := &steps[i], &steps[j]
			if a.makes != "" && b.reads[a.makes] || b.makes != "" && (a.reads[b.makes] || a.makes == b.makes) {
				b.deps = append(b.deps, i)
			}
		}
	}
	return steps, nil
}

// sqlStep runs a core file as the table it makes.
func sqlStep(name, table, body string) step {
	query := "CREATE OR REPLACE TABLE " + table + " AS\n" + body
	return step{name: name, makes: table, reads: words(body),
		run: func(ctx context.Context, q *sql.Conn) error {
			if _, err := q.ExecContext(ctx, query); err != nil {
				return fmt.Errorf("running %s: %w", name, err)
			}
			return nil
		}}
}

// perTypeCore names the core tables built one connector type at a time,
// each with the staged entity it is built from. Such a table's SQL reads
// the entity only through stg_<entity> and matches rows only within one
// connector type (copies share their (connector_type, tenant, source_id);
// ids and application lookups are keyed by connector_type), so running
// it on each stg_<type>__<entity> alone and uniting the results computes
// what running it once on the union does; TestPerTypeCore holds the two
// equal. The parts run side by side, each as soon as its type is staged,
// and each type's staging table is dropped once its part is built: at
// 100,000 people int_activity had been one 12 s statement that nothing
// could run beside, over six million staged events held at once.
var perTypeCore = map[string]string{"int_activity": "activity"}

// planPerType plans table (a perTypeCore table made by file) as one step
// per type staging entity, <table>__<type>, and the view table uniting
// them; the entity's staging is planned here, each type's right before
// its part, unless it was planned already. It plans nothing, and says so,
// when no type stages the entity: the file then runs once, on the empty
// union.
func planPerType(steps *[]step, file, table, body, entity string, staged map[string]bool,
	stagedTypes map[string][]string, stageEntity func(Contract, func(string) step) error) (bool, error) {
	union := "stg_" + entity
	wordRE := regexp.MustCompile(`\b` + union + `\b`)
	part := func(typ string) step {
		return sqlStep(fmt.Sprintf("%s [%s]", file, typ), table+"__"+typ, wordRE.ReplaceAllString(body, stgTable(typ, entity)))
	}
	if !staged[union] {
		i := slices.IndexFunc(Staging, func(c Contract) bool { return c.Entity == entity })
		if i < 0 {
			return false, fmt.Errorf("core table %s is built per type of entity %q, which has no contract", table, entity)
		}
		if err := stageEntity(Staging[i], part); err != nil {
			return false, err
		}
	} else {
		for _, typ := range stagedTypes[entity] {
			*steps = append(*steps, part(typ))
		}
	}
	types := stagedTypes[entity]
	if len(types) == 0 {
		return false, nil
	}
	parts := make([]string, len(types))
	for i, typ := range types {
		parts[i] = "SELECT * FROM " + table + "__" + typ
	}
	*steps = append(*steps, unionStep(table, parts))
	return true, nil
}

// datasetStep checks a dataset table once its core file has built it,
// counts its rows for Run, and writes it where WriteDatasetsTo says.
func (d *DB) datasetStep(ds Dataset) step {
	name := "check " + ds.Name
	if d.out != "" {
		name = "check and write " + ds.Name
	}
	return step{name: name, reads: map[string]bool{ds.Name: true},
		run: func(ctx context.Context, q *sql.Conn) error {
			n, err := checkDataset(ctx, q, ds)
			if err != nil {
				return err
			}
			if d.out != "" {
				if err := writeDatasetFile(ctx, q, ds, d.out); err != nil {
					return err
				}
			}
			d.mu.Lock()
			d.counts[ds.Name] = n
			d.mu.Unlock()
			return nil
		}}
}

// stagingSteps plans one entity: each type's staging SQL as the table
// stg_<type>__<entity>, checked against the contract, then stg_<entity>,
// the view uniting them. The union is generated from the contract, so a
// new vendor only adds SQL files.
//
// The union carries only the contract columns core reads (coreReads: the
// words of the core SQL); a column no core file names, such as an event's
// actor_login, is staged and checked but goes no further. Lean runs
// (DiscardIntermediates) do not even keep such columns in the staging
// tables: at 100,000 people, copying the six million staged events into
// a table cost a quarter less CPU without the three activity columns core
// never reads (7.8 -> 5.7 s). Both kinds of run read the
// same union, so they compute the same rows: the tie-break hash of a
// staged row (sql/README.md) covers the same columns.
func stagingSteps(overlay fs.FS, types []string, ct Contract, coreReads map[string]bool, lean bool) ([]step, error) {
	union := "stg_" + ct.Entity
	var read []string
	var readCols []Column
	for _, c := range ct.Columns {
		if coreReads[c.Name] {
			read = append(read, c.Name)
			readCols = append(readCols, c)
		}
	}
	if len(read) == 0 {
		// Nothing of it is read: the union still shows the whole entity.
		readCols = ct.Columns
		for _, c := range ct.Columns {
			read = append(read, c.Name)
		}
	}
	var steps []step
	var parts []string
	for _, typ := range types {
		file := path.Join("staging", typ+"__"+ct.Entity+".sql")
		body, err := readStaging(overlay, file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		// A table, not a view: core reads each entity more than once
		// (lineage and the chosen copy), and JSON is parsed only here.
		table := stgTable(typ, ct.Entity)
		query := "CREATE OR REPLACE TABLE " + table + " AS\n" + string(body)
		if lean {
			query = "CREATE OR REPLACE TABLE " + table + " AS\nSELECT " + strings.Join(read, ", ") + " FROM (\n" + string(body) + "\n)"
		}
		steps = append(steps, step{name: file, makes: table, reads: words(string(body)),
			run: func(ctx context.Context, q *sql.Conn) error {
				if lean {
					// Checked before it runs: the table holds only the
					// columns read.
					if err := checkQueryColumns(ctx, q, string(body), ct.Columns); err != nil {
						return fmt.Errorf("checking %s against the %s contract: %w", file, ct.Entity, err)
					}
				}
				if _, err := q.ExecContext(ctx, query); err != nil {
					return fmt.Errorf("running %s: %w", file, err)
				}
				if !lean {
					if err := checkColumns(ctx, q, table, ct.Columns); err != nil {
						return fmt.Errorf("checking %s against the %s contract: %w", file, ct.Entity, err)
					}
				}
				return nil
			}})
		parts = append(parts, "SELECT "+strings.Join(read, ", ")+" FROM "+table)
	}
	if len(parts) == 0 {
		typed := make([]string, len(readCols))
		for i, c := range readCols {
			typed[i] = "CAST(NULL AS " + c.Type + ") AS " + c.Name
		}
		parts = []string{"SELECT " + strings.Join(typed, ", ") + " WHERE false"}
	}
	return append(steps, unionStep(union, parts)), nil
}

// unionStep creates the view name uniting the SELECTs parts (not reported
// in Steps).
func unionStep(name string, parts []string) step {
	query := "CREATE OR REPLACE VIEW " + name + " AS\n" + strings.Join(parts, "\nUNION ALL\n")
	return step{makes: name, reads: words(query),
		run: func(ctx context.Context, q *sql.Conn) error {
			if _, err := q.ExecContext(ctx, query); err != nil {
				return fmt.Errorf("creating %s: %w", name, err)
			}
			return nil
		}}
}

// runPlan runs steps on conns, one step per connection at a time, starting
// whichever step is ready (every dependency finished) and earliest in the
// plan whenever a connection is free. Many steps are short or parallelise
// poorly (a window over one partition, a small table's JSON), so two
// statements side by side, each on one DuckDB thread (Run sets that), keep
// the cores busier than one statement split over all of them. When intermediates are discarded, whatever no
// unfinished step reads is dropped as steps finish. The first error stops
// the run: steps still running are cancelled and the error returned.
func (d *DB) runPlan(ctx context.Context, steps []step, conns []*sql.Conn) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		i    int
		conn *sql.Conn
		err  error
	}
	results := make(chan result)
	started, finished := make([]bool, len(steps)), make([]bool, len(steps))
	ready := func(i int) bool {
		for _, j := range steps[i].deps {
			if !finished[j] {
				return false
			}
		}
		return true
	}
	free := slices.Clone(conns)
	running := 0
	// Drops run one at a time, on the connection of the step that
	// finished, while the other connections go on with steps; a step
	// finishing meanwhile asks for one more drop after it.
	dropping, dropAgain := false, false
	drop := func(conn *sql.Conn) {
		later := map[string]bool{}
		for i, s := range steps {
			if !finished[i] {
				for w := range s.reads {
					later[w] = true
				}
			}
		}
		dropping, dropAgain, running = true, false, running+1
		go func() { results <- result{-1, conn, d.dropUnread(ctx, conn, later)} }()
	}
	var first error
	for {
		for i := 0; first == nil && len(free) > 0 && i < len(steps); i++ {
			if started[i] || !ready(i) {
				continue
			}
			started[i], running = true, running+1
			conn := free[len(free)-1]
			free = free[:len(free)-1]
			go func() {
				clock := startStep()
				err := steps[i].run(ctx, conn)
				if steps[i].name != "" {
					clock.end(d, steps[i].name)
				}
				results <- result{i, conn, err}
			}()
		}
		if running == 0 {
			break
		}
		r := <-results
		running--
		if r.i >= 0 {
			finished[r.i] = true
		} else {
			dropping = false
		}
		if r.err != nil && first == nil {
			first = r.err
			cancel()
		}
		switch {
		case first != nil || !d.lean:
		case r.i >= 0 && dropping:
			dropAgain = true
		case r.i >= 0 || dropAgain:
			drop(r.conn)
			continue
		}
		free = append(free, r.conn)
	}
	if first != nil {
		return first
	}
	if i := slices.Index(finished, false); i >= 0 {
		return fmt.Errorf("transform plan: step %d (%s) never became ready", i, steps[i].makes)
	}
	return nil
}
