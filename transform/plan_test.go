package transform

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/stage"
	"github.com/saaspipe/saaspipe/extract/zoom"
	sqlfiles "github.com/saaspipe/saaspipe/sql"
)

// TestPlanDependencies checks the edges plan draws: a step waits for the
// earlier steps making what it reads and for the earlier steps reading
// what it replaces, and no edge points forward.
func TestPlanDependencies(t *testing.T) {
	for _, lean := range []bool{false, true} {
		d := &DB{lean: lean}
		steps, err := d.plan(Input{Types: []TypeInfo{{Name: "okta"}, {Name: "entra"}, {Name: "salesforce"}, {Name: "microsoft365"}, {Name: "zoom"}}})
		if err != nil {
			t.Fatal(err)
		}
		index := map[string]int{}
		for i, s := range steps {
			for _, j := range s.deps {
				if j >= i {
					t.Errorf("lean=%v: step %d (%s) depends on later step %d", lean, i, s.makes, j)
				}
			}
			if s.makes == "" {
				// A dataset's check waits for the dataset.
				ds := strings.TrimPrefix(s.name, "check ")
				if !slices.ContainsFunc(s.deps, func(j int) bool { return steps[j].makes == ds }) {
					t.Errorf("lean=%v: %q does not wait for %s", lean, s.name, ds)
				}
				continue
			}
			if _, dup := index[s.makes]; dup {
				t.Fatalf("lean=%v: %s made twice", lean, s.makes)
			}
			index[s.makes] = i
		}
		dependsOn := func(a, b string) bool {
			ia, ok1 := index[a]
			ib, ok2 := index[b]
			if !ok1 || !ok2 {
				t.Fatalf("lean=%v: %s or %s not planned", lean, a, b)
			}
			return slices.Contains(steps[ia].deps, ib)
		}
		for _, tc := range []struct {
			step, on string
			want     bool
		}{
			{"stg_users", "stg_okta__users", true},
			{"stg_users", "stg_entra__users", true},
			{"int_accounts", "stg_users", true},
			// int_activity is built per type (perTypeCore): each part
			// from its type's staging alone, the view from the parts.
			{"int_activity__okta", "stg_okta__activity", true},
			{"int_activity__zoom", "stg_zoom__activity", true},
			{"int_activity__okta", "stg_zoom__activity", false},
			{"int_activity__zoom", "int_activity__okta", false},
			{"int_activity", "int_activity__okta", true},
			{"int_activity", "int_activity__microsoft365", true},
			{"int_identity_components", "int_identity_links", true},
			{"stg_okta__users", "stg_entra__users", false},
			{"stg_okta__activity", "int_accounts", false},
			{"stg_salesforce__activity", "stg_okta__activity", false},
			// Named only in comments: no edge, so activity is resolved
			// beside the accounts chain rather than after it.
			{"int_activity__okta", "int_accounts", false},
			{"stg_entra__app_assignments", "accounts", false},
			// Nor is a CTE: staging names its lookups apart from tables.
			{"accounts", "stg_microsoft365__activity", false},
			{"accounts", "stg_zoom__activity", false},
		} {
			if got := dependsOn(tc.step, tc.on); got != tc.want {
				t.Errorf("lean=%v: %s depends on %s: %v, want %v", lean, tc.step, tc.on, got, tc.want)
			}
		}
		checks := 0
		for _, s := range steps {
			if strings.HasPrefix(s.name, "check ") {
				checks++
			}
		}
		if checks != len(Datasets) {
			t.Errorf("lean=%v: %d dataset checks planned, want one per dataset (%d)", lean, checks, len(Datasets))
		}
		if !lean {
			continue
		}
		// Lean: an entity is staged right before the first core file that
		// reads it, a per-type one each type right before its part, and
		// no union only the parts would read is planned.
		if index["stg_users"] > index["int_accounts"] || index["stg_okta__users"] < index["int_connectors"] {
			t.Errorf("lean plan stages users at %d, want between int_connectors (%d) and int_accounts (%d)",
				index["stg_users"], index["int_connectors"], index["int_accounts"])
		}
		for _, typ := range []string{"microsoft365", "okta", "salesforce", "zoom"} {
			st, part := index["stg_"+typ+"__activity"], index["int_activity__"+typ]
			if st < index["int_account_people"] || part != st+1 {
				t.Errorf("lean plan stages %s activity at %d and builds its part at %d, want after int_account_people (%d) and right before it",
					typ, st, part, index["int_account_people"])
			}
		}
		if _, ok := index["stg_activity"]; ok {
			t.Error("lean plan builds stg_activity, which only int_activity's parts would read")
		}
	}
}

// TestRunPlanSchedules runs a plan of fake steps on two connections: no
// step starts before its dependencies finish, independent steps run side
// by side, and never more than one per connection.
func TestRunPlanSchedules(t *testing.T) {
	var mu sync.Mutex
	var events []string
	running, peak := 0, 0
	// a and b are independent: each waits until the other has started, so
	// the run only finishes if they run side by side. a also waits for b to
	// end, so a connection is free while a still runs: a scheduler that
	// ignored c's dependency on a would start c there, the next step in the
	// plan, every time.
	aStarted, bStarted, bEnded := make(chan struct{}), make(chan struct{}), make(chan struct{})
	fake := func(name string, started, ended chan struct{}, waitFor ...chan struct{}) func(context.Context, *sql.Conn) error {
		return func(ctx context.Context, _ *sql.Conn) error {
			mu.Lock()
			events = append(events, "start "+name)
			running++
			peak = max(peak, running)
			mu.Unlock()
			if started != nil {
				close(started)
			}
			for _, w := range waitFor {
				select {
				case <-w:
				case <-time.After(10 * time.Second):
					return errors.New(name + ": a step it waits for never started or ended")
				}
			}
			mu.Lock()
			events = append(events, "end "+name)
			running--
			mu.Unlock()
			if ended != nil {
				close(ended)
			}
			return nil
		}
	}
	steps := []step{
		{makes: "a", run: fake("a", aStarted, nil, bStarted, bEnded)},
		{makes: "b", run: fake("b", bStarted, bEnded, aStarted)},
		{makes: "c", deps: []int{0}, run: fake("c", nil, nil)},
		{makes: "d", deps: []int{1, 2}, run: fake("d", nil, nil)},
		{makes: "e", run: fake("e", nil, nil)},
	}
	d := &DB{}
	if err := d.runPlan(context.Background(), steps, []*sql.Conn{nil, nil}); err != nil {
		t.Fatal(err)
	}
	at := func(e string) int {
		i := slices.Index(events, e)
		if i < 0 {
			t.Fatalf("no %q in %v", e, events)
		}
		return i
	}
	for _, s := range steps {
		for _, j := range s.deps {
			if at("start "+s.makes) < at("end "+steps[j].makes) {
				t.Errorf("%s started before its dependency %s finished: %v", s.makes, steps[j].makes, events)
			}
		}
	}
	if peak != 2 {
		t.Errorf("at most %d steps ran at once, want 2 (two connections)", peak)
	}
}

// TestRunPlanStopsAtFirstError checks that a failing step stops the run:
// the step running beside it is cancelled, nothing after it starts, and
// Run reports the failure, not the cancellation.
func TestRunPlanStopsAtFirstError(t *testing.T) {
	fail := errors.New("running core/10_broken.sql: syntax error")
	started := make(chan struct{})
	var mu sync.Mutex
	var ran []string
	note := func(name string) {
		mu.Lock()
		ran = append(ran, name)
		mu.Unlock()
	}
	steps := []step{
		{makes: "slow", run: func(ctx context.Context, _ *sql.Conn) error {
			note("slow")
			close(started)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Second):
				return errors.New("slow: not cancelled")
			}
		}},
		{makes: "broken", run: func(ctx context.Context, _ *sql.Conn) error {
			note("broken")
			<-started
			return fail
		}},
		{makes: "after", deps: []int{1}, run: func(ctx context.Context, _ *sql.Conn) error { note("after"); return nil }},
		{makes: "later", deps: []int{0}, run: func(ctx context.Context, _ *sql.Conn) error { note("later"); return nil }},
	}
	d := &DB{}
	err := d.runPlan(context.Background(), steps, []*sql.Conn{nil, nil})
	if !errors.Is(err, fail) {
		t.Fatalf("runPlan = %v, want %v", err, fail)
	}
	if strings.Contains(strings.Join(ran, " "), "after") || strings.Contains(strings.Join(ran, " "), "later") {
		t.Errorf("steps after the failure ran: %v", ran)
	}
}

// TestCheckDatasetKeys: a dataset's key must be unique, NULLs included (two
// rows with the same NULL in a key column are a duplicate), whether the key
// has one column or several.
func TestCheckDatasetKeys(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	tests := []struct {
		name, rows string
		key        []string
		want       int64
		err        string
	}{
		{"unique", "(1, 'a'), (1, 'b'), (2, 'a')", []string{"k1", "k2"}, 3, ""},
		{"duplicate", "(1, 'a'), (1, 'b'), (1, 'a')", []string{"k1", "k2"}, 0, "3 rows but 2 distinct keys (k1, k2)"},
		{"null duplicate", "(1, NULL), (1, NULL)", []string{"k1", "k2"}, 0, "2 rows but 1 distinct keys"},
		{"null distinct", "(1, NULL), (2, NULL), (NULL, NULL)", []string{"k1", "k2"}, 3, ""},
		{"one column", "(1, 'a'), (2, 'a'), (NULL, 'a')", []string{"k1"}, 3, ""},
		{"one column nulls", "(NULL, 'a'), (NULL, 'b')", []string{"k1"}, 0, "2 rows but 1 distinct keys (k1)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := db.SQL().ExecContext(ctx, "CREATE OR REPLACE TABLE keyed (k1 INTEGER, k2 VARCHAR); INSERT INTO keyed VALUES "+tc.rows); err != nil {
				t.Fatal(err)
			}
			ds := Dataset{Name: "keyed", Key: tc.key, Columns: []Column{{Name: "k1", Type: "INTEGER"}, {Name: "k2", Type: "VARCHAR"}}}
			n, err := checkDataset(ctx, db.SQL(), ds)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("checkDataset = %d, %v; want an error containing %q", n, err, tc.err)
				}
				return
			}
			if err != nil || n != tc.want {
				t.Fatalf("checkDataset = %d, %v; want %d", n, err, tc.want)
			}
		})
	}
}

// TestWordsSkipComments: a table named in a comment is no dependency, but
// every word outside comments counts, inside string literals and quoted
// identifiers too, and a literal or quoted name holding comment marks does
// not start a comment.
func TestWordsSkipComments(t *testing.T) {
	tests := []struct {
		name, sql string
		want      []string
	}{
		{"line comment", "SELECT a FROM t -- not u\nJOIN v", []string{"select", "a", "from", "t", "join", "v"}},
		{"comment at end", "FROM t -- u", []string{"from", "t"}},
		{"block comment", "FROM t /* u\n w */ JOIN v", []string{"from", "t", "join", "v"}},
		{"unclosed block", "FROM t /* u", []string{"from", "t"}},
		{"apostrophe in comment", "-- the vendor's u\nFROM t", []string{"from", "t"}},
		{"marks in a literal", "SELECT '-- u /* w' FROM t", []string{"select", "u", "w", "from", "t"}},
		{"doubled quote", "SELECT 'it''s -- u' FROM t -- w", []string{"select", "it", "s", "u", "from", "t"}},
		{"quoted identifier", `SELECT "a--b" FROM t`, []string{"select", "a", "b", "from", "t"}},
		{"unclosed literal", "SELECT 'u -- w", []string{"select", "u", "w"}},
		{"table in a literal", "FROM read_parquet(getvariable('staged_files')['raw_okta__users'])", []string{"from", "read_parquet", "getvariable", "staged_files", "raw_okta__users"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Sorted(maps.Keys(words(tc.sql)))
			want := slices.Clone(tc.want)
			slices.Sort(want)
			want = slices.Compact(want)
			if !slices.Equal(got, want) {
				t.Errorf("words(%q) = %v, want %v", tc.sql, got, want)
			}
		})
	}
}

// cteRE finds the names a WITH clause defines: "WITH name AS (" and
// ", name AS (" (MATERIALIZED or not).
var cteRE = regexp.MustCompile(`(?i)(?:\bwith(?:\s+recursive)?|,)\s+([a-z_][a-z0-9_]*)\s+as\s+(?:not\s+)?(?:materialized\s+)?\(`)

// TestNoCTENamedLikeATable: plan reads a step's dependencies off the words
// of its SQL, so a CTE named like a table another step makes would order
// the steps by a table the file never reads (a staging lookup called
// accounts once held the accounts chain back). No staging or core file
// may name a CTE like a table of the plan.
func TestNoCTENamedLikeATable(t *testing.T) {
	files, err := fs.Glob(sqlfiles.FS, "*/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, f := range files {
		if name, ok := strings.CutPrefix(f, "staging/"); ok {
			if typ, _, ok := strings.Cut(name, "__"); ok {
				types[typ] = true
			}
		}
	}
	in := Input{}
	for _, typ := range slices.Sorted(maps.Keys(types)) {
		in.Types = append(in.Types, TypeInfo{Name: typ})
	}
	steps, err := (&DB{}).plan(in)
	if err != nil {
		t.Fatal(err)
	}
	made := map[string]bool{}
	for _, s := range steps {
		if s.makes != "" {
			made[s.makes] = true
		}
	}
	if !made["accounts"] || !made["stg_okta__users"] {
		t.Fatalf("the plan makes %d tables, not accounts or stg_okta__users: %v", len(made), slices.Sorted(maps.Keys(made)))
	}
	ctes := 0
	for _, f := range files {
		if !strings.HasPrefix(f, "staging/") && !strings.HasPrefix(f, "core/") {
			continue
		}
		body, err := fs.ReadFile(sqlfiles.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cteRE.FindAllStringSubmatch(stripComments(string(body)), -1) {
			ctes++
			if made[strings.ToLower(m[1])] {
				t.Errorf("%s names a CTE %s, a table of the plan: name it apart", f, m[1])
			}
		}
	}
	if ctes < 20 {
		t.Errorf("found %d CTEs in the SQL files; the pattern no longer finds them", ctes)
	}
}

// TestStagingContract runs a staging file that breaks its contract, in a
// column core reads (login) and in one it does not (country), both ways:
// kept for inspection and lean, where the staging table holds only the
// columns core reads and the contract is checked on the query instead. The
// run fails either way, naming the file and the drift. A file that keeps
// its contract passes; in a full run the union core reads carries only the
// columns it reads while the staging table keeps every one.
func TestStagingContract(t *testing.T) {
	base, err := fs.ReadFile(testdataStaging, "staging/testvendor__users.sql")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new, err string
	}{
		{"as contracted", "", "", ""},
		{"read column typed", "json_text(payload, '$.login')      AS login", "CAST(1 AS BIGINT) AS login", "column 6 is login BIGINT, want login VARCHAR"},
		{"unread column typed", "CAST(NULL AS VARCHAR)              AS country", "CAST(NULL AS INTEGER) AS country", "is country INTEGER, want country VARCHAR"},
		{"unread column missing", ",\n    CAST(NULL AS VARCHAR)              AS office_location", "", "missing column"},
		{"column added", "AS office_location", "AS office_location, 1 AS shoe_size", "extra column"},
	}
	for _, tc := range tests {
		for _, lean := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/lean=%v", tc.name, lean), func(t *testing.T) {
				body := string(base)
				if tc.old != "" {
					if !strings.Contains(body, tc.old) {
						t.Fatalf("testvendor__users.sql no longer holds %q", tc.old)
					}
					body = strings.Replace(body, tc.old, tc.new, 1)
				}
				overlay := fstest.MapFS{"staging/testvendor__users.sql": {Data: []byte(body)}}
				for _, f := range []string{"testvendor__subscriptions.sql", "testvendor__license_assignments.sql"} {
					b, err := fs.ReadFile(testdataStaging, "staging/"+f)
					if err != nil {
						t.Fatal(err)
					}
					overlay["staging/"+f] = &fstest.MapFile{Data: b}
				}
				in := fixture(t, t.TempDir())
				in.stagingOverlay = overlay
				db := openDB(t)
				if lean {
					db.DiscardIntermediates()
				}
				_, err := db.Run(context.Background(), in)
				if tc.err == "" {
					if err != nil {
						t.Fatal(err)
					}
				} else if err == nil || !strings.Contains(err.Error(), "checking staging/testvendor__users.sql against the users contract") ||
					!strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want the users contract's %q", err, tc.err)
				}
				if tc.err != "" || lean {
					return
				}
				for table, want := range map[string]bool{"stg_testvendor__users": true, "stg_users": false} {
					var n int
					if err := db.SQL().QueryRow(`SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = 'country'`, table).Scan(&n); err != nil {
						t.Fatal(err)
					}
					if (n == 1) != want {
						t.Errorf("%s has country: %v, want %v", table, n == 1, want)
					}
				}
			})
		}
	}
}

// TestPerTypeCore holds each perTypeCore table, built per connector type
// and united, to what its SQL computes on the union of every type's
// staging: the same rows, every column. The estate gives both ways
// something to get wrong: Okta events read by two instances and twice by
// one, Zoom sign-ins read by two instances of one account, and a Zoom
// event whose id is an Okta event's (ev-1), which must stay two events.
func TestPerTypeCore(t *testing.T) {
	root := t.TempDir()
	in := fixture(t, root)
	early := time.Date(2026, 3, 15, 1, 0, 0, 0, time.UTC)
	zoomEnv := func(conn, entity string) stage.Envelope {
		return stage.Envelope{SnapshotID: in.SnapshotID, Connector: conn, ConnectorType: "zoom", Tenant: "zoom-acct", Entity: entity}
	}
	var users []rec
	for i, mail := range []string{"alice.smith@acme.example", "bob.jones@acme.example", "erin@acme.example"} {
		id := fmt.Sprintf("zu%d", i)
		users = append(users, rec{id, map[string]any{"id": id, "email": mail, "type": 2, "status": "active"}})
	}
	signIn := func(id, mail, at, kind string) rec {
		return rec{id, map[string]any{"email": mail, "time": at, "type": kind, "ip_address": "203.0.113.9", "client_type": "Mac", "version": "6.2.5"}}
	}
	in.Staged = append(in.Staged,
		writeStaged(t, root, zoomEnv("zoom", extract.Users), early, users),
		writeStaged(t, root, zoomEnv("zoom", extract.Activity), early, []rec{
			signIn("ev-1", "alice.smith@acme.example", "2026-03-14T09:00:00Z", "Sign in"),
			signIn("z-2", "alice.smith@acme.example", "2026-03-14T10:00:00Z", "Sign out"),
			signIn("z-3", "bob.jones@acme.example", "2026-03-12T08:00:00Z", "Sign in"),
		}),
		writeStaged(t, root, zoomEnv("zoom-b", extract.Activity), early.Add(time.Hour), []rec{
			signIn("z-3", "bob.jones@acme.example", "2026-03-12T08:00:00Z", "Sign in"),
			signIn("z-4", "erin@acme.example", "2026-03-13T08:00:00Z", "Sign in"),
		}))
	typ := zoom.Type
	in.Types = append(in.Types, TypeInfo{Name: typ.Name, Vendor: typ.Vendor, Product: typ.Product, Capabilities: typ.Capabilities})
	db := openDB(t)
	if _, err := db.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	for table, entity := range perTypeCore {
		files, err := fs.Glob(sqlfiles.FS, "core/*_"+table+".sql")
		if err != nil || len(files) != 1 {
			t.Fatalf("core SQL of %s: %v %v", table, files, err)
		}
		body, err := fs.ReadFile(sqlfiles.FS, files[0])
		if err != nil {
			t.Fatal(err)
		}
		whole := "(" + string(body) + "\n)"
		var n, onlyParts, onlyWhole, types, copied int
		if err := db.SQL().QueryRow(fmt.Sprintf(`SELECT
			(SELECT count(*) FROM %[1]s),
			(SELECT count(*) FROM (FROM %[1]s EXCEPT ALL FROM %[2]s)),
			(SELECT count(*) FROM (FROM %[2]s EXCEPT ALL FROM %[1]s)),
			(SELECT count(DISTINCT connector_type) FROM %[1]s),
			(SELECT count(*) FROM %[1]s WHERE len(connectors) > 1)`, table, whole)).Scan(&n, &onlyParts, &onlyWhole, &types, &copied); err != nil {
			t.Fatal(err)
		}
		if onlyParts != 0 || onlyWhole != 0 {
			t.Errorf("%s per type differs from %s on stg_%s: %d rows only per type, %d only whole", table, files[0], entity, onlyParts, onlyWhole)
		}
		if types < 2 || copied < 2 || n < 10 {
			t.Errorf("%s: %d rows, %d types, %d with copies: the estate no longer tests the split", table, n, types, copied)
		}
	}
}
