// Package demo runs the whole pipeline against every simulated vendor on
// loopback: what `saaspipe demo` does, and what the bench command and
// whole-system tests reuse.
//
// In: a data directory, a date, the organisation's size and seed, pipeline
// options (logger, progress). Out: a published snapshot in the directory,
// the config that ran (demo-config.yaml, secrets as ${…} references) and the
// run summary.
package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/saaspipe/saaspipe/extract/registry"
	"github.com/saaspipe/saaspipe/pipeline"
	"github.com/saaspipe/saaspipe/simulate"
	"github.com/saaspipe/saaspipe/simulate/vendors"
	"github.com/saaspipe/saaspipe/synth"
)

// Snapshot serves the organisation as it is on date (evolving from epoch)
// from every simulated vendor and runs the pipeline against them into dir.
// Skipped lists vendors this machine cannot simulate (slapd missing).
func Snapshot(ctx context.Context, dir string, date, epoch time.Time, people int, seed int64, o pipeline.Options) (sum *pipeline.Summary, skipped []error, err error) {
	org := synth.Generate(synth.Params{Seed: seed, People: people, Date: date, Epoch: epoch})
	// The pipeline starts while slapd loads the directory (most of a
	// second at 10,000 people); the LDAP instance waits for it alone.
	sims, err := simulate.Launch(org, vendors.All...)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the simulated vendors: %w", err)
	}
	defer sims.Close()
	text, env, err := simulate.Config(sims.Connectors(), demoSettings(org))
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "demo-config.yaml"), text, 0o644); err != nil {
		return nil, nil, err
	}
	cfg, err := pipeline.Parse(text, dir, registry.Types(), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		return nil, nil, err
	}
	cfg.DataDir = dir
	o.Config, o.Types, o.SnapshotDate = cfg, registry.Types(), date
	before := o.BeforeExtract
	o.BeforeExtract = func(ctx context.Context, connector string) error {
		if err := sims.Ready(ctx, connector); err != nil {
			return fmt.Errorf("simulated vendor not started: %w", err)
		}
		if before != nil {
			return before(ctx, connector)
		}
		return nil
	}
	// The simulated vendors answer as of the end of the snapshot's day.
	end := org.End()
	o.Now = func() time.Time { return end }
	sum, err = pipeline.Execute(ctx, pipeline.StageRun, o)
	return sum, sims.Skipped, err
}

// demoSettings are the demo config's top-level settings: list prices per
// SKU (vendors' APIs state none), the acquired company's domain as an alias
// of the main one, and a longer activity threshold for Salesforce seats.
func demoSettings(org *synth.Org) map[string]any {
	price := func(typ, sku string, cost float64) map[string]any {
		return map[string]any{"connector_type": typ, "sku": sku, "unit_cost": cost, "currency": "USD"}
	}
	return map[string]any{
		"concurrency":             4,
		"activity_threshold_days": 30,
		"identity": map[string]any{
			"domain_aliases":       map[string]any{org.AcquiredDomain: org.Domain},
			"strip_plus_addresses": true,
		},
		"prices": []any{
			price("microsoft365", "ENTERPRISEPACK", 36), price("microsoft365", "SPE_E5", 57),
			price("microsoft365", "O365_BUSINESS_PREMIUM", 22), price("microsoft365", "EXCHANGESTANDARD", 4),
			price("microsoft365", "POWER_BI_PRO", 10), price("microsoft365", "VISIOCLIENT", 15),
			price("microsoft365", "PROJECTPROFESSIONAL", 30), price("microsoft365", "AAD_PREMIUM", 6),
			price("google_workspace", "1010020027", 7.2), price("google_workspace", "1010020028", 14.4),
			price("google_workspace", "1010020025", 21.6),
			price("zoom", "plan_base", 13.33), price("zoom", "plan_large_meeting/large500", 50),
			price("zoom", "plan_webinar/webinar500", 79), price("zoom", "plan_webinar/webinar1000", 340),
			price("salesforce", "SFDC", 165), price("salesforce", "AUL", 25), price("salesforce", "PID_Salesforce_Integration", 10),
			price("salesforce", "PID_Customer_Community_Login", 2), price("salesforce", "PID_Customer_Community_Plus", 6),
			price("salesforce", "PID_Partner_Community", 10), price("salesforce", "PID_Customer_Portal_Manager_Standard", 4),
			price("salesforce", "SalesCloudEinsteinPsl", 50), price("salesforce", "EinsteinAnalyticsPlusPsl", 150),
			price("slack", "plus", 15),
		},
		"subscription_thresholds": []any{
			map[string]any{"connector_type": "salesforce", "sku": "SFDC", "activity_threshold_days": 60},
		},
	}
}
