package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract/googleworkspace/gwsim"
	"github.com/saaspipe/saaspipe/extract/ldap/ldapsim"
	"github.com/saaspipe/saaspipe/extract/msgraph/graphsim"
	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/extract/salesforce/sfsim"
	"github.com/saaspipe/saaspipe/extract/slack/slacksim"
	"github.com/saaspipe/saaspipe/extract/zoom/zoomsim"
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/synth"
)

// noisyStarters are every simulated vendor, Slack and Salesforce with
// their identity noise: addresses in other cases, +tags, the acquired
// company's domain, shared mailboxes as members and as an admin's e-mail,
// second accounts under an alias. The org itself brings contractors
// without directory entries (guests in Entra), leavers who keep accounts
// and licenses, and aliases across Okta, Entra, AD and Google.
var noisyStarters = []simulate.Starter{
	oktasim.Demo, ldapsim.Demo, gwsim.Demo, zoomsim.Demo, sfsim.NoisyDemo, slacksim.NoisyDemo, graphsim.Demo,
}

// TestIdentityAccuracy runs the real pipeline over a noisy organisation and
// scores the published accounts' person_id against the simulators' truth
// (simulate.Owners): pairwise precision and recall over pairs of accounts
// that belong to one person. Accounts that are no person (bots,
// integrations, shared mailboxes, partners) must stay unmerged. The same
// org without the identity settings shows the noise is real: the renamed
// domain and the +tags then keep people apart.
func TestIdentityAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every simulated vendor")
	}
	date := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	org := synth.Generate(synth.Params{Seed: 7, People: 1500, Date: date, Epoch: date})
	tests := []struct {
		name     string
		identity map[string]any
		// minPrecision and minRecall are the targets; maxRecall proves the
		// noise needs the settings.
		minPrecision, minRecall, maxRecall float64
		// nonPersonsMerge: without the shared-mailbox guard the Slack
		// member it@ joins the admin whose Salesforce e-mail is it@.
		nonPersonsMerge bool
	}{
		{"configured", map[string]any{
			"domain_aliases":       map[string]any{org.AcquiredDomain: org.Domain},
			"strip_plus_addresses": true,
		}, 0.995, 0.98, 1, false},
		{"without domain aliases and plus stripping", map[string]any{}, 0.995, 0, 0.98, false},
		{"without shared mailbox patterns", map[string]any{
			"domain_aliases":          map[string]any{org.AcquiredDomain: org.Domain},
			"strip_plus_addresses":    true,
			"shared_mailbox_patterns": []string{},
		}, 0, 0.98, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := runNoisyOrg(t, org, date, tc.identity)
			truth, predicted := run.owners, run.persons
			s := scoreIdentity(truth, predicted)
			t.Logf("identity resolution over %d accounts (%d published, %d in truth): %d true pairs, %d predicted, %d correct",
				s.scored, len(predicted), len(truth), s.truePairs, s.predictedPairs, s.correctPairs)
			t.Logf("precision %.4f  recall %.4f", s.precision(), s.recall())
			for _, m := range s.falseMerges[:min(len(s.falseMerges), 10)] {
				t.Logf("false merge: %s", m)
			}
			if s.missing > 0 {
				t.Errorf("%d accounts the simulators serve are not published: %v", s.missing, s.missingByType)
			}
			if s.precision() < tc.minPrecision || s.recall() < tc.minRecall || s.recall() > tc.maxRecall {
				t.Errorf("precision %.4f (want ≥ %v), recall %.4f (want %v to %v)", s.precision(), tc.minPrecision, s.recall(), tc.minRecall, tc.maxRecall)
			}
			if merged := len(s.nonPersonsMerged) > 0; merged != tc.nonPersonsMerge {
				t.Errorf("accounts of no person merged with others: %v, want merges: %v", s.nonPersonsMerged, tc.nonPersonsMerge)
			}
			checkUtilisation(t, run)
		})
	}
}

// checkUtilisation compares every subscription the simulators know the
// seats of with license_utilization: seats bought and held exactly, and a
// breakdown by activity status that adds up to the seats held.
func checkUtilisation(t *testing.T, run noisyRun) {
	t.Helper()
	exact := 0
	for _, k := range slices.SortedFunc(maps.Keys(run.seats), cmpKey) {
		want := run.seats[k]
		got, ok := run.utilisation[k]
		if !ok {
			t.Errorf("subscription %s/%s is not published", k.ConnectorType, k.SourceID)
			continue
		}
		t.Logf("utilisation %-16s %-40s purchased %5d/%5d assigned %5d/%5d active %5d inactive %5d never %5d not_monitored %5d",
			k.ConnectorType, k.SourceID, got.purchased, want.Purchased, got.assigned, want.Assigned,
			got.active, got.inactive, got.never, got.notMonitored)
		switch {
		case got.purchased != want.Purchased || got.assigned != want.Assigned:
			t.Errorf("%s/%s: purchased %d, assigned %d; the vendor has %d and %d", k.ConnectorType, k.SourceID,
				got.purchased, got.assigned, want.Purchased, want.Assigned)
		case got.active >= 0 && got.active+got.inactive+got.never+got.notMonitored != got.assigned:
			t.Errorf("%s/%s: %d active + %d inactive + %d never + %d not monitored is not the %d assigned",
				k.ConnectorType, k.SourceID, got.active, got.inactive, got.never, got.notMonitored, got.assigned)
		default:
			exact++
		}
	}
	t.Logf("utilisation exact for %d of %d subscriptions", exact, len(run.seats))
}

// noisyRun is what one run over the noisy org published and what the
// simulators know.
type noisyRun struct {
	owners      map[simulate.AccountKey]int
	persons     map[simulate.AccountKey]string // "" for no person
	seats       map[simulate.AccountKey]simulate.Seats
	utilisation map[simulate.AccountKey]published // by subscription source id
}

// published is one license_utilization row; -1 stands for NULL.
type published struct {
	purchased, assigned, active, inactive, never, notMonitored int
}

// runNoisyOrg serves org through noisyStarters, runs the pipeline with the
// given identity settings and returns the simulators' truth and what was
// published.
func runNoisyOrg(t *testing.T, org *synth.Org, date time.Time, identity map[string]any) noisyRun {
	t.Helper()
	sims, err := simulate.Start(org, noisyStarters...)
	if err != nil {
		t.Fatal(err)
	}
	defer sims.Close()
	for _, s := range sims.Skipped {
		t.Logf("skipped: %v", s)
	}
	run := noisyRun{owners: map[simulate.AccountKey]int{}, persons: map[simulate.AccountKey]string{},
		seats: map[simulate.AccountKey]simulate.Seats{}, utilisation: map[simulate.AccountKey]published{}}
	for _, v := range sims.Vendors {
		if o, ok := v.(simulate.Owners); ok {
			maps.Copy(run.owners, o.AccountOwners())
		}
		if c, ok := v.(simulate.SeatCounter); ok {
			maps.Copy(run.seats, c.SeatTruth())
		}
	}
	dir := t.TempDir()
	text, env, err := simulate.Config(sims.Connectors(), map[string]any{"concurrency": 4, "identity": identity})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(text, dir, registry.Types(), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = filepath.Join(dir, "data")
	end := org.End()
	sum, err := Execute(context.Background(), StageRun, Options{Config: cfg, Types: registry.Types(), SnapshotDate: date,
		Now: func() time.Time { return end }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.ExitCode() != 0 {
		t.Fatalf("run ended %s: %v", sum.Status, sum.Errors)
	}
	db, err := sql.Open("duckdb", Layout{Root: cfg.DataDir}.Catalog()+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT connector_type, source_id, person_id FROM current_accounts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k simulate.AccountKey
		var person sql.NullString
		if err := rows.Scan(&k.ConnectorType, &k.SourceID, &person); err != nil {
			t.Fatal(err)
		}
		run.persons[k] = person.String
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	urows, err := db.Query(`SELECT s.connector_type, s.source_id,
		coalesce(u.purchased, -1), coalesce(u.assigned, -1), coalesce(u.active, -1), coalesce(u.inactive, -1),
		coalesce(u.never_active, -1), coalesce(u.not_monitored, -1)
		FROM current_license_utilization AS u JOIN current_subscriptions AS s USING (subscription_id)`)
	if err != nil {
		t.Fatal(err)
	}
	defer urows.Close()
	for urows.Next() {
		var k simulate.AccountKey
		var p published
		if err := urows.Scan(&k.ConnectorType, &k.SourceID, &p.purchased, &p.assigned, &p.active, &p.inactive, &p.never, &p.notMonitored); err != nil {
			t.Fatal(err)
		}
		run.utilisation[k] = p
	}
	if err := urows.Err(); err != nil {
		t.Fatal(err)
	}
	return run
}

type identityScore struct {
	scored, missing                         int
	missingByType                           map[string]int
	truePairs, predictedPairs, correctPairs int
	falseMerges                             []string
	nonPersonsMerged                        []simulate.AccountKey
}

func (s identityScore) precision() float64 {
	if s.predictedPairs == 0 {
		return 1
	}
	return float64(s.correctPairs) / float64(s.predictedPairs)
}

func (s identityScore) recall() float64 {
	if s.truePairs == 0 {
		return 1
	}
	return float64(s.correctPairs) / float64(s.truePairs)
}

// scoreIdentity counts pairs of accounts in one cluster: truth clusters by
// person index (-1: every account alone), predicted ones by person_id (""
// alone), over the accounts both know.
func scoreIdentity(truth map[simulate.AccountKey]int, predicted map[simulate.AccountKey]string) identityScore {
	var s identityScore
	pairs := func(n int) int { return n * (n - 1) / 2 }
	trueSize, predSize, both := map[int]int{}, map[string]int{}, map[string]int{}
	members := map[string][]simulate.AccountKey{}
	for _, k := range slices.SortedFunc(maps.Keys(truth), func(a, b simulate.AccountKey) int {
		return cmpKey(a, b)
	}) {
		person := truth[k]
		pid, ok := predicted[k]
		if !ok {
			s.missing++
			if s.missingByType == nil {
				s.missingByType = map[string]int{}
			}
			s.missingByType[k.ConnectorType]++
			continue
		}
		s.scored++
		if person >= 0 {
			trueSize[person]++
		}
		if pid != "" {
			predSize[pid]++
			members[pid] = append(members[pid], k)
			if person >= 0 {
				both[fmt.Sprintf("%d|%s", person, pid)]++
			}
		}
	}
	for _, n := range trueSize {
		s.truePairs += pairs(n)
	}
	for _, n := range predSize {
		s.predictedPairs += pairs(n)
	}
	for _, n := range both {
		s.correctPairs += pairs(n)
	}
	for _, pid := range slices.Sorted(maps.Keys(members)) {
		ks := members[pid]
		people := map[int]bool{}
		for _, k := range ks {
			people[truth[k]] = true
			if truth[k] < 0 && len(ks) > 1 {
				s.nonPersonsMerged = append(s.nonPersonsMerged, k)
			}
		}
		if len(people) > 1 {
			s.falseMerges = append(s.falseMerges, fmt.Sprintf("person %s holds accounts of %v: %v", pid, slices.Sorted(maps.Keys(people)), ks))
		}
	}
	return s
}

func cmpKey(a, b simulate.AccountKey) int {
	if a.ConnectorType != b.ConnectorType {
		if a.ConnectorType < b.ConnectorType {
			return -1
		}
		return 1
	}
	switch {
	case a.SourceID < b.SourceID:
		return -1
	case a.SourceID > b.SourceID:
		return 1
	}
	return 0
}
