package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/transform"
)

// testTypes are small stand-ins for registered connector types: an Okta-like
// type with the HTTP settings, and a type with every other setting kind.
var testTypes = []extract.Type{
	{
		Name: "okta",
		Settings: append([]extract.Setting{
			{Name: "org_url", Kind: extract.KindURL, Required: true, Help: "the Okta org, e.g. https://acme.okta.com"},
			{Name: "api_token", Kind: extract.KindString, Required: true, Secret: true},
			{Name: "client_id", Kind: extract.KindString},
			{Name: "private_key", Kind: extract.KindString, Secret: true},
			{Name: "logs_lookback", Kind: extract.KindDuration, Default: "168h"},
			{Name: "logs_overlap", Kind: extract.KindDuration, Default: "5m"},
		}, extract.HTTPSettings("")...),
	},
	{
		Name: "slack",
		Settings: []extract.Setting{
			{Name: "token", Kind: extract.KindString, Required: true, Secret: true},
			{Name: "api_url", Kind: extract.KindURL, Default: "https://slack.com/api"},
			{Name: "channels", Kind: extract.KindList},
			{Name: "max_pages", Kind: extract.KindInt, Default: 10},
			{Name: "ratio", Kind: extract.KindFloat, Default: 0.5},
			{Name: "include_bots", Kind: extract.KindBool, Default: false},
		},
	},
}

func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

var testEnv = map[string]string{
	"OKTA_API_TOKEN":  "tok-prod",
	"OKTA_EMEA_TOKEN": "tok-emea",
	"SLACK_TOKEN":     "xoxb-1",
	"REGION":          "emea",
}

func TestParseValid(t *testing.T) {
	base, err := filepath.Abs("testdata/config")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/config/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data, base, testTypes, envMap(testEnv))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &Config{
		Version:               1,
		DataDir:               filepath.Join(base, "out", "data"),
		Concurrency:           8,
		ActivityThresholdDays: 45,
		OrgSourcePriority:     []string{"slack", "okta"},
		Connectors: []ConnectorConfig{
			{
				Name: "okta-prod", Type: "okta", Enabled: true, Schedule: "0 3 * * *", Line: 9,
				Settings: extract.Settings{
					"org_url":             "https://acme.okta.com",
					"api_token":           "tok-prod",
					"client_id":           "0oa1b2c3",
					"private_key":         "line one of a key\nline two of a key",
					"logs_lookback":       72 * time.Hour,
					"logs_overlap":        5 * time.Minute,
					"base_url":            "",
					"allow_http":          false,
					"requests_per_second": 2.5,
					"max_retries":         5,
					"request_timeout":     60 * time.Second,
					"page_size":           100,
				},
			},
			{
				Name: "okta_emea-2", Type: "okta", Enabled: false, Schedule: "*/15 1-5,22 * jan-jun mon-fri", Line: 20,
				Settings: extract.Settings{
					"org_url":             "http://localhost:8080/okta",
					"allow_http":          true,
					"api_token":           "tok-emea",
					"client_id":           "price$list-emea",
					"logs_lookback":       168 * time.Hour,
					"logs_overlap":        5 * time.Minute,
					"base_url":            "",
					"requests_per_second": 0.0,
					"max_retries":         5,
					"request_timeout":     60 * time.Second,
					"page_size":           200,
				},
			},
			{
				Name: "slack-main", Type: "slack", Enabled: true, Line: 29,
				Settings: extract.Settings{
					"token":        "Bearer xoxb-1",
					"api_url":      "https://slack.com/api",
					"channels":     []string{"general", "emea-ops"},
					"max_pages":    10,
					"ratio":        0.5,
					"include_bots": true,
				},
			},
		},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Parse(valid.yaml):\n got %#v\nwant %#v", cfg, want)
	}
}

// TestParseTransformSettings reads identity, prices and
// subscription_thresholds into the values the transform takes.
func TestParseTransformSettings(t *testing.T) {
	doc := `identity:
  domain_aliases: {ACME.co.uk: acme.com, acme-uk.example: acme.example}
  shared_mailbox_patterns: ["IT@*", "*-team@acme.com"]
  strip_plus_addresses: true
prices:
  - {vendor: Slack, sku: plus, unit_cost: 8.75, currency: USD}
  - {connector_type: okta, unit_cost: 6, currency: EUR}
subscription_thresholds:
  - {connector_type: slack, sku: plus, activity_threshold_days: 14}
` + minimal
	cfg, err := Parse([]byte(doc), t.TempDir(), testTypes, envMap(testEnv))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	wantID := transform.IdentityOptions{
		DomainAliases:         map[string]string{"acme.co.uk": "acme.com", "acme-uk.example": "acme.example"},
		SharedMailboxPatterns: []string{"it@*", "*-team@acme.com"},
		StripPlusAddresses:    true,
	}
	if !reflect.DeepEqual(cfg.Identity, wantID) {
		t.Errorf("Identity = %#v, want %#v", cfg.Identity, wantID)
	}
	wantPrices := []transform.Price{
		{Vendor: "Slack", SKU: "plus", UnitCost: 8.75, Currency: "USD"},
		{ConnectorType: "okta", UnitCost: 6, Currency: "EUR"},
	}
	if !reflect.DeepEqual(cfg.Prices, wantPrices) {
		t.Errorf("Prices = %#v, want %#v", cfg.Prices, wantPrices)
	}
	wantTh := []transform.SubscriptionThreshold{{ConnectorType: "slack", SKU: "plus", Days: 14}}
	if !reflect.DeepEqual(cfg.SubscriptionThresholds, wantTh) {
		t.Errorf("SubscriptionThresholds = %#v, want %#v", cfg.SubscriptionThresholds, wantTh)
	}
	// Without the keys the transform's defaults stay in force: nil
	// patterns, not an empty list that would switch the guard off.
	plain, err := Parse([]byte(minimal), t.TempDir(), testTypes, envMap(testEnv))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if plain.Identity.SharedMailboxPatterns != nil || plain.Prices != nil || plain.SubscriptionThresholds != nil {
		t.Errorf("defaults = %#v %#v %#v, want all nil", plain.Identity, plain.Prices, plain.SubscriptionThresholds)
	}
}

func TestParseDefaults(t *testing.T) {
	data, err := os.ReadFile("testdata/config/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data, "/etc/saaspipe", testTypes, envMap(testEnv))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if cfg.DataDir != "/etc/saaspipe/saaspipe-data" || cfg.Concurrency != 4 || cfg.ActivityThresholdDays != 30 ||
		!reflect.DeepEqual(cfg.OrgSourcePriority, DefaultOrgSourcePriority) {
		t.Errorf("defaults: data_dir %q concurrency %d threshold %d priority %v", cfg.DataDir, cfg.Concurrency, cfg.ActivityThresholdDays, cfg.OrgSourcePriority)
	}
	if cc := cfg.Connectors[0]; !cc.Enabled || cc.Schedule != "" || cc.Line != 3 {
		t.Errorf("connector defaults: enabled %v schedule %q line %d", cc.Enabled, cc.Schedule, cc.Line)
	}
}

// TestParseProblems covers every class of problem. Each want Msg is a
// substring of the message; path, line and the number of problems are exact.
func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []Problem
	}{
		{"empty file", ``, []Problem{{"", 0, "the config is empty; start it with version: 1"}}},
		{"only comments", "# nothing\n", []Problem{{"", 0, "the config is empty"}}},
		{"syntax error", "version: 1\nconnectors: [\n", []Problem{{"", 2, "invalid YAML: did not find expected node content"}}},
		{"not a mapping", "- version: 1\n", []Problem{{"", 1, "must be a mapping of keys, starting with version: 1"}}},
		{"two documents", minimal + "---\nversion: 1\n", []Problem{{"", 8, "a config holds one YAML document; remove this second one (and its --- separator)"}}},
		{"version missing", `connectors:
  - {name: okta-prod, type: okta, settings: {org_url: "https://a.okta.com", api_token: "${OKTA_API_TOKEN}"}}
`, []Problem{{"version", 1, "missing; add version: 1 at the top of the file"}}},
		{"version unsupported", strings.Replace(minimal, "version: 1", "version: 2", 1),
			[]Problem{{"version", 1, "unsupported version 2; this saaspipe reads version: 1"}}},
		{"version not a number", strings.Replace(minimal, "version: 1", "version: one", 1),
			[]Problem{{"version", 1, "must be a whole number, e.g. version: 1"}}},
		{"unknown top-level key near miss", "concurency: 4\n" + minimal,
			[]Problem{{"concurency", 1, `unknown key "concurency"; did you mean "concurrency"?`}}},
		{"unknown top-level key", "owner: it-team\n" + minimal,
			[]Problem{{"owner", 1, `unknown key "owner"; allowed keys: version, data_dir, concurrency, activity_threshold_days, org_source_priority, identity, prices, subscription_thresholds, connectors`}}},
		{"identity not a mapping", "identity: yes\n" + minimal, []Problem{{"identity", 1, "must be a mapping"}}},
		{"identity unknown key", "identity: {strip_plus: true}\n" + minimal,
			[]Problem{{"identity.strip_plus", 1, `unknown key "strip_plus"; allowed keys: domain_aliases, shared_mailbox_patterns, strip_plus_addresses`}}},
		{"domain alias not a domain", "identity: {domain_aliases: {\"@acme.co.uk\": acme.com}}\n" + minimal,
			[]Problem{{"identity.domain_aliases.@acme.co.uk", 1, "is not a domain name"}}},
		{"domain alias to itself", "identity: {domain_aliases: {acme.com: ACME.com}}\n" + minimal,
			[]Problem{{"identity.domain_aliases.acme.com", 1, "maps acme.com to itself"}}},
		{"domain alias chain", "identity: {domain_aliases: {a.example: b.example, b.example: c.example}}\n" + minimal,
			[]Problem{{"identity.domain_aliases.a.example", 1, "map a.example to c.example directly"}}},
		{"shared pattern without @", "identity: {shared_mailbox_patterns: [helpdesk]}\n" + minimal,
			[]Problem{{"identity.shared_mailbox_patterns[0]", 1, "with its @"}}},
		{"strip not a bool", "identity: {strip_plus_addresses: maybe}\n" + minimal,
			[]Problem{{"identity.strip_plus_addresses", 1, "must be true or false"}}},
		{"prices not a list", "prices: {vendor: Slack}\n" + minimal, []Problem{{"prices", 1, "must be a list"}}},
		{"price names nothing", "prices: [{sku: plus, unit_cost: 8, currency: USD}]\n" + minimal,
			[]Problem{{"prices[0]", 1, "name the subscription's connector_type or vendor"}}},
		{"price of an unknown type", "prices: [{connector_type: slak, unit_cost: 8, currency: USD}]\n" + minimal,
			[]Problem{{"prices[0].connector_type", 1, "slak"}}},
		{"price negative", "prices: [{vendor: Slack, unit_cost: -1, currency: USD}]\n" + minimal,
			[]Problem{{"prices[0].unit_cost", 1, "0 or more"}}},
		{"price not a number", "prices: [{vendor: Slack, unit_cost: cheap, currency: USD}]\n" + minimal,
			[]Problem{{"prices[0].unit_cost", 1, "must be a number"}}},
		{"price without currency", "prices: [{vendor: Slack, unit_cost: 8}]\n" + minimal,
			[]Problem{{"prices[0].currency", 1, "missing; add the price's ISO currency"}}},
		{"price currency lowercase", "prices: [{vendor: Slack, unit_cost: 8, currency: usd}]\n" + minimal,
			[]Problem{{"prices[0].currency", 1, "not an ISO 4217 code"}}},
		{"threshold missing days", "subscription_thresholds: [{vendor: Slack}]\n" + minimal,
			[]Problem{{"subscription_thresholds[0].activity_threshold_days", 1, "missing"}}},
		{"threshold zero", "subscription_thresholds: [{vendor: Slack, activity_threshold_days: 0}]\n" + minimal,
			[]Problem{{"subscription_thresholds[0].activity_threshold_days", 1, "between 1 and 3650"}}},
		{"duplicate key", "version: 1\n" + minimal,
			[]Problem{{"version", 2, "duplicate key; version is already set on line 1, keep one"}}},
		{"concurrency too high", "concurrency: 33\n" + minimal,
			[]Problem{{"concurrency", 1, "must be between 1 and 32 connector instances at once, e.g. concurrency: 4"}}},
		{"concurrency zero", "concurrency: 0\n" + minimal, []Problem{{"concurrency", 1, "between 1 and 32"}}},
		{"concurrency not a number", "concurrency: lots\n" + minimal, []Problem{{"concurrency", 1, "must be a whole number, e.g. concurrency: 4"}}},
		{"threshold out of range", "activity_threshold_days: 0\n" + minimal,
			[]Problem{{"activity_threshold_days", 1, "must be between 1 and 3650 days, e.g. activity_threshold_days: 30"}}},
		{"data_dir tilde", "data_dir: ~/data\n" + minimal, []Problem{{"data_dir", 1, "~ is not expanded; write ${HOME}/data instead"}}},
		{"data_dir empty", "data_dir: ''\n" + minimal, []Problem{{"data_dir", 1, "must not be empty"}}},
		{"org_source_priority unknown type", "org_source_priority: [okta, slak]\n" + minimal,
			[]Problem{{"org_source_priority[1]", 1, `unknown connector type "slak"; did you mean "slack"?; known types: okta, slack`}}},
		{"org_source_priority duplicate", "org_source_priority: [okta, okta]\n" + minimal,
			[]Problem{{"org_source_priority[1]", 1, `"okta" is listed twice`}}},
		{"org_source_priority empty", "org_source_priority: []\n" + minimal,
			[]Problem{{"org_source_priority", 1, "remove it to use the default [ldap, entra, microsoft365, google_workspace]"}}},
		{"org_source_priority scalar", "org_source_priority: okta\n" + minimal,
			[]Problem{{"org_source_priority", 1, "must be a list of connector types"}}},
		{"connectors missing", "version: 1\n", []Problem{{"connectors", 1, "at least one connector is required"}}},
		{"connectors empty", "version: 1\nconnectors: []\n", []Problem{{"connectors", 2, "at least one connector is required"}}},
		{"connectors not a list", "version: 1\nconnectors:\n  okta-prod: {}\n", []Problem{{"connectors", 3, "must be a list of entries"}}},
		{"connector entry not a mapping", "version: 1\nconnectors:\n  - okta-prod\n", []Problem{{"connectors[0]", 3, "must be a mapping like {name: okta-prod"}}},
		{"name invalid", strings.Replace(minimal, "name: okta-prod", "name: Okta Prod!", 1),
			[]Problem{{"connectors[0].name", 3, `"Okta Prod!" is not a valid name: use 1 to 63 lowercase letters, digits, - or _, starting with a letter or digit, e.g. name: okta-prod`}}},
		{"name missing", strings.Replace(minimal, "name: okta-prod", "enabled: true", 1),
			[]Problem{{"connectors[0].name", 3, "missing; add a unique name such as name: okta-prod"}}},
		{"names duplicated", minimal + `  - name: okta-prod
    type: okta
    settings:
      org_url: https://b.okta.com
      api_token: ${OKTA_API_TOKEN}
`, []Problem{{"connectors[1].name", 8, `"okta-prod" is already the name of connectors[0] (line 3); give each instance a unique name`}}},
		{"type unknown near miss", strings.Replace(minimal, "type: okta", "type: okat", 1),
			[]Problem{{"connectors[0].type", 4, `unknown connector type "okat"; did you mean "okta"?; known types: okta, slack`}}},
		{"type unknown", strings.Replace(minimal, "type: okta", "type: jira", 1),
			[]Problem{{"connectors[0].type", 4, `unknown connector type "jira"; known types: okta, slack`}}},
		{"type missing", strings.Replace(minimal, "type: okta", "enabled: true", 1),
			[]Problem{{"connectors[0].type", 3, "missing; add type: <connector type> (known types: okta, slack)"}}},
		{"unknown connector key", strings.Replace(minimal, "type: okta", "type: okta\n    tags: [x]", 1),
			[]Problem{{"connectors[0].tags", 5, `unknown key "tags"; allowed keys: name, type, enabled, schedule, settings`}}},
		{"setting outside settings", strings.Replace(minimal, "type: okta", "type: okta\n    page_size: 10", 1),
			[]Problem{{"connectors[0].page_size", 5, `unknown key "page_size"; "page_size" is a setting of type okta; indent it under settings:`}}},
		{"enabled not a bool", strings.Replace(minimal, "type: okta", "type: okta\n    enabled: yes", 1),
			[]Problem{{"connectors[0].enabled", 5, "must be true or false, e.g. enabled: false"}}},
		{"schedule field count", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: \"0 3 * *\"", 1),
			[]Problem{{"connectors[0].schedule", 5, `has 4 fields, not 5; write hourly, daily, weekly (the default) or five cron fields in UTC (minute hour day-of-month month day-of-week), e.g. schedule: "0 3 * * *" for 03:00 UTC daily`}}},
		{"schedule out of range", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: \"0 24 * * *\"", 1),
			[]Problem{{"connectors[0].schedule", 5, `hour field "24": 24 is outside 0-23; write hourly, daily`}}},
		{"schedule Sunday as 7", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: \"0 3 * * 7\"", 1),
			[]Problem{{"connectors[0].schedule", 5, `day-of-week field "7": 7 is outside 0-6 or sun-sat (Sunday is 0); write 0 or sun for Sunday`}}},
		{"schedule word misspelt", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: dialy", 1),
			[]Problem{{"connectors[0].schedule", 5, `"dialy" is not a schedule; did you mean daily?`}}},
		{"schedule unknown word", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: nightly", 1),
			[]Problem{{"connectors[0].schedule", 5, `"nightly" is not a schedule; write hourly, daily or weekly; write hourly, daily, weekly (the default)`}}},
		{"schedule interval", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: \"@every 1h\"", 1),
			[]Problem{{"connectors[0].schedule", 5, `"@every 1h" is not accepted: an interval would restart with serve`}}},
		{"schedule time zone", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: \"CRON_TZ=Europe/Paris 0 3 * * *\"", 1),
			[]Problem{{"connectors[0].schedule", 5, "a time zone is not accepted: schedules run in UTC"}}},
		{"schedule never matches", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: \"0 3 30 feb *\"", 1),
			[]Problem{{"connectors[0].schedule", 5, "never matches a date (such as 30 February)"}}},
		{"schedule empty", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: ''", 1),
			[]Problem{{"connectors[0].schedule", 5, "is empty; remove it to run weekly, or write e.g. schedule: daily"}}},
		{"schedule not a string", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: [daily]", 1),
			[]Problem{{"connectors[0].schedule", 5, "must be a single value, e.g. schedule: daily"}}},
		{"schedule in disabled instance", strings.Replace(minimal, "type: okta", "type: okta\n    enabled: false\n    schedule: \"0 3 * * fri-mon\"", 1),
			[]Problem{{"connectors[0].schedule", 6, `day-of-week field "fri-mon": range fri-mon runs backwards`}}},
		{"settings not a mapping", strings.Replace(minimal, "settings:\n      org_url: https://acme.okta.com\n      api_token: ${OKTA_API_TOKEN}", "settings: [org_url]", 1),
			[]Problem{{"connectors[0].settings", 5, "must be a mapping of setting names to values, e.g. settings: {org_url: https://example.com, api_token: ${OKTA_API_TOKEN}}"}}},
		{"unknown setting near miss", strings.Replace(minimal, "org_url:", "org_ulr:", 1), []Problem{
			{"connectors[0].settings.org_url", 5, "required setting is missing; add org_url: https://example.com under settings: (the Okta org, e.g. https://acme.okta.com)"},
			{"connectors[0].settings.org_ulr", 6, `unknown key "org_ulr"; did you mean "org_url"?`},
		}},
		{"required setting missing without settings", "version: 1\nconnectors:\n  - name: slack-main\n    type: slack\n",
			[]Problem{{"connectors[0].settings.token", 3, "required setting is missing; add token: ${SLACK_TOKEN} under settings:"}}},
		{"required setting null", strings.Replace(minimal, "org_url: https://acme.okta.com", "org_url:", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "required setting is missing; add org_url:"}}},
		{"required setting empty", strings.Replace(minimal, "org_url: https://acme.okta.com", "org_url: ''", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "is required and must not be empty"}}},
		{"url http", strings.Replace(minimal, "https://acme.okta.com", "http://acme.okta.com", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "must be an https URL, e.g. org_url: https://acme.okta.com; to allow plain http (a loopback simulator or test gateway) also set allow_http: true"}}},
		{"url http where http cannot be allowed", slackDoc("api_url: http://slack.example.com/api"),
			[]Problem{{"connectors[0].settings.api_url", 7, "must be an https URL, e.g. api_url: https://slack.example.com/api"}}},
		{"url allow_http false", strings.Replace(minimal, "https://acme.okta.com", "http://127.0.0.1:8080\n      allow_http: false", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "also set allow_http: true"}}},
		{"url without scheme", strings.Replace(minimal, "https://acme.okta.com", "acme.okta.com", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "must be a full https URL with a scheme, e.g. org_url: https://acme.okta.com"}}},
		{"url other scheme", strings.Replace(minimal, "https://acme.okta.com", "ftp://acme.okta.com", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "must be an https URL, e.g. org_url: https://acme.okta.com"}}},
		{"url without host", strings.Replace(minimal, "https://acme.okta.com", "https:///path", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "must be an https URL with a host, e.g. org_url: https://example.com"}}},
		{"url with credentials", strings.Replace(minimal, "https://acme.okta.com", "https://admin:pw@acme.okta.com", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "must not carry credentials (user:password@); remove them and use the connector's secret settings, e.g. org_url: https://acme.okta.com"}}},
		{"int invalid", slackDoc("max_pages: ten"),
			[]Problem{{"connectors[0].settings.max_pages", 7, "must be a whole number, e.g. max_pages: 10"}}},
		{"int given as float", slackDoc("max_pages: 2.5"),
			[]Problem{{"connectors[0].settings.max_pages", 7, "must be a whole number"}}},
		{"float invalid", slackDoc("ratio: half"),
			[]Problem{{"connectors[0].settings.ratio", 7, "must be a finite number, e.g. ratio: 0.5"}}},
		{"float not finite", slackDoc("ratio: .inf"),
			[]Problem{{"connectors[0].settings.ratio", 7, "must be a finite number"}}},
		{"bool invalid", slackDoc("include_bots: yes"),
			[]Problem{{"connectors[0].settings.include_bots", 7, "must be true or false, e.g. include_bots: true"}}},
		{"duration in days", strings.Replace(minimal, "api_token:", "logs_lookback: 7d\n      api_token:", 1),
			[]Problem{{"connectors[0].settings.logs_lookback", 7, "must be a duration such as 90s, 15m or 24h, e.g. logs_lookback: 168h; there is no d unit, write logs_lookback: 168h"}}},
		{"duration without unit", strings.Replace(minimal, "api_token:", "request_timeout: 60\n      api_token:", 1),
			[]Problem{{"connectors[0].settings.request_timeout", 7, "must be a duration with a unit, e.g. request_timeout: 60s"}}},
		{"duration negative", strings.Replace(minimal, "api_token:", "logs_overlap: -5m\n      api_token:", 1),
			[]Problem{{"connectors[0].settings.logs_overlap", 7, "must not be negative, e.g. logs_overlap: 5m"}}},
		{"list given as scalar", slackDoc("channels: general"),
			[]Problem{{"connectors[0].settings.channels", 7, "must be a list, e.g. channels: [first, second]"}}},
		{"list element not a scalar", slackDoc("channels: [general, [x]]"),
			[]Problem{{"connectors[0].settings.channels[1]", 7, "must be a single value"}}},
		{"scalar given as list", strings.Replace(minimal, "api_token:", "client_id: [a]\n      api_token:", 1),
			[]Problem{{"connectors[0].settings.client_id", 7, "must be a single value, e.g. client_id: <text>"}}},
		{"env unset", strings.Replace(minimal, "OKTA_API_TOKEN", "OKTA_TOKEN_PROD", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "environment variable OKTA_TOKEN_PROD is not set; export it before running saaspipe"}}},
		{"env unset in plain string", strings.Replace(minimal, "https://acme.okta.com", "https://${OKTA_HOST}", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "environment variable OKTA_HOST is not set"}}},
		{"env several unset", strings.Replace(minimal, "https://acme.okta.com", "https://${ORG}.${DOMAIN}", 1),
			[]Problem{{"connectors[0].settings.org_url", 6, "environment variables ORG, DOMAIN are not set"}}},
		{"env unset in top-level value", "data_dir: ${DATA_ROOT}/saaspipe\n" + minimal,
			[]Problem{{"data_dir", 1, "environment variable DATA_ROOT is not set"}}},
		{"lone dollar in value", strings.Replace(minimal, "api_token:", "client_id: price$5\n      api_token:", 1),
			[]Problem{{"connectors[0].settings.client_id", 7, `a "$" must start ${NAME} (an environment variable) or be doubled as $$ for a literal $`}}},
		{"unterminated reference", strings.Replace(minimal, "${OKTA_API_TOKEN}", "${OKTA_API_TOKEN", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, `"${" is not closed`}}},
		{"default syntax", strings.Replace(minimal, "${OKTA_API_TOKEN}", "${OKTA_API_TOKEN:-x}", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "${NAME:-default} and similar forms are not supported"}}},
		{"bad variable name", strings.Replace(minimal, "${OKTA_API_TOKEN}", "${OKTA API TOKEN}", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "${…} must hold an environment variable name"}}},
		{"secret literal", strings.Replace(minimal, "${OKTA_API_TOKEN}", "00abcdef", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "is a secret and must not be written into the config; use api_token: ${OKTA_API_TOKEN}, api_token: {env: OKTA_API_TOKEN} or api_token: {file: /run/secrets/okta_api_token}"}}},
		{"secret literal number", strings.Replace(minimal, "${OKTA_API_TOKEN}", "12345", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "is a secret and must not be written into the config"}}},
		{"secret literal with escaped dollar", strings.Replace(minimal, "${OKTA_API_TOKEN}", "pa$$word", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "is a secret and must not be written into the config"}}},
		{"secret env unset", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{env: OKTA_MISSING}", 1),
			[]Problem{{"connectors[0].settings.api_token.env", 7, "environment variable OKTA_MISSING is not set; export it before running saaspipe"}}},
		{"secret env bad name", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{env: okta-token}", 1),
			[]Problem{{"connectors[0].settings.api_token.env", 7, "must be an environment variable name (letters, digits, _), e.g. {env: OKTA_API_TOKEN}"}}},
		{"secret file missing", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{file: secrets/none}", 1),
			[]Problem{{"connectors[0].settings.api_token.file", 7, "reading secret file /cfg/secrets/none: no such file or directory; check the path (a relative path is taken from /cfg)"}}},
		{"secret file is a directory", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{file: /}", 1),
			[]Problem{{"connectors[0].settings.api_token.file", 7, "secret file / is not a regular file"}}},
		{"secret both env and file", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{env: A, file: b}", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "give exactly one of env: or file:, not both"}}},
		{"secret reference empty", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{}", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "give exactly one of {env: OKTA_API_TOKEN} or {file: /run/secrets/okta_api_token}"}}},
		{"secret reference key typo", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{evn: OKTA_API_TOKEN}", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "unknown key in a secret reference; did you mean env:?"}}},
		{"secret reference other key", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{vault: okta}", 1),
			[]Problem{{"connectors[0].settings.api_token", 7, "a secret reference holds only env: or file:, e.g. {env: OKTA_API_TOKEN}"}}},
		{"secret reference duplicate key", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{env: A, env: B}", 1),
			[]Problem{{"connectors[0].settings.api_token.env", 7, "duplicate key; env is already set on line 7, keep one"}}},
		{"required secret empty", strings.Replace(minimal, "api_token: ${OKTA_API_TOKEN}", "api_token: ${EMPTY}", 1) + "  - name: slack-main\n    type: slack\n    settings: {token: '${EMPTY}'}\n",
			[]Problem{
				{"connectors[0].settings.api_token", 7, "is required and must not be empty"},
				{"connectors[1].settings.token", 10, "is required and must not be empty"},
			}},
		{"env reference on plain setting", strings.Replace(minimal, "api_token:", "client_id: {env: OKTA_CLIENT_ID}\n      api_token:", 1),
			[]Problem{{"connectors[0].settings.client_id", 7, "{env: …} is only for secret settings; write client_id: ${OKTA_CLIENT_ID}"}}},
		{"file reference on plain setting", strings.Replace(minimal, "api_token:", "client_id: {file: id.txt}\n      api_token:", 1),
			[]Problem{{"connectors[0].settings.client_id", 7, "{file: …} is only for secret settings"}}},
		{"disabled instance still validated", strings.Replace(minimal, "type: okta", "type: okta\n    enabled: false", 1) + "      page_size: many\n",
			[]Problem{{"connectors[0].settings.page_size", 9, "must be a whole number, e.g. page_size: 200"}}},
		{"problems collected across the file", `version: 3
concurrency: 99
connectors:
  - name: a
    type: nope
  - name: b
    type: slack
    settings: {token: plain, max_pages: x}
`, []Problem{
			{"version", 1, "unsupported version 3"},
			{"concurrency", 2, "between 1 and 32"},
			{"connectors[0].type", 5, `unknown connector type "nope"`},
			{"connectors[1].settings.token", 8, "is a secret"},
			{"connectors[1].settings.max_pages", 8, "must be a whole number"},
		}},
	}
	env := map[string]string{"OKTA_API_TOKEN": "tok", "EMPTY": ""}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml), "/cfg", testTypes, envMap(env))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Parse returned (%v, %v), want a *ValidationError", cfg, err)
			}
			if cfg != nil {
				t.Errorf("Parse returned a config along with problems")
			}
			if len(verr.Problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(verr.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				g := verr.Problems[i]
				if g.Path != w.Path || g.Line != w.Line || !strings.Contains(g.Msg, w.Msg) {
					t.Errorf("problem %d:\n got %s\nwant %s (message containing %q)", i, g, Problem{w.Path, w.Line, "…"}, w.Msg)
				}
			}
		})
	}
}

// minimal is a valid config whose lines the problem cases edit.
const minimal = `version: 1
connectors:
  - name: okta-prod
    type: okta
    settings:
      org_url: https://acme.okta.com
      api_token: ${OKTA_API_TOKEN}
`

// slackDoc is a valid slack config plus one setting, on line 7.
func slackDoc(setting string) string {
	return `version: 1
connectors:
  - name: slack-main
    type: slack
    settings:
      token: ${OKTA_API_TOKEN}
      ` + setting + "\n"
}

func TestProblemsFromTestdata(t *testing.T) {
	_, err := Load("testdata/config/problems.yaml", testTypes)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Load(problems.yaml) = %v, want a *ValidationError", err)
	}
	want := []string{
		`version (line 2): unsupported version 2`,
		`concurency (line 3): unknown key "concurency"; did you mean "concurrency"?`,
		`data_dir (line 4): ~ is not expanded; write ${HOME}/saaspipe instead`,
		`connectors[0].name (line 6): "Okta Prod" is not a valid name`,
		`connectors[0].type (line 7): unknown connector type "okat"; did you mean "okta"?`,
		`connectors[0].schedule (line 8): hour field "25": 25 is outside 0-23; write hourly, daily, weekly (the default) or five cron fields`,
		`connectors[1].enabled (line 13): must be true or false`,
		`connectors[1].settings.org_url (line 14): required setting is missing`,
		`connectors[1].settings.org_ulr (line 15): unknown key "org_ulr"; did you mean "org_url"?`,
		`connectors[1].settings.api_token (line 16): is a secret`,
		`connectors[1].settings.logs_lookback (line 17): must be a duration such as 90s, 15m or 24h, e.g. logs_lookback: 168h; there is no d unit, write logs_lookback: 168h`,
		`connectors[2].name (line 18): "okta-prod" is already the name of connectors[1] (line 11)`,
		`connectors[2].settings.api_token (line 22): environment variable UNSET_TOKEN_VARIABLE is not set`,
	}
	if len(verr.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(verr.Problems), len(want), err)
	}
	for i, w := range want {
		if got := verr.Problems[i].String(); !strings.HasPrefix(got, w) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got, w)
		}
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "loading config testdata/config/problems.yaml: 13 problems:\n  version (line 2): ") {
		t.Errorf("error text does not start with the file and count:\n%s", msg)
	}
}

func TestValidationErrorText(t *testing.T) {
	tests := []struct {
		problems []Problem
		want     string
	}{
		{[]Problem{{"connectors[2].settings.org_url", 9, "must be an https URL"}}, "connectors[2].settings.org_url (line 9): must be an https URL"},
		{[]Problem{{"", 4, "invalid YAML: x"}}, "line 4: invalid YAML: x"},
		{[]Problem{{"connectors", 0, "at least one"}}, "connectors: at least one"},
		{[]Problem{{"", 0, "the config is empty"}}, "the config is empty"},
		{[]Problem{{"a", 1, "x"}, {"b", 2, "y"}}, "2 problems:\n  a (line 1): x\n  b (line 2): y"},
	}
	for _, tt := range tests {
		if got := (&ValidationError{Problems: tt.problems}).Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// TestSecretsStayOutOfErrors feeds a distinctive secret through every route
// a secret can take, alongside problems, and checks no message carries it.
func TestSecretsStayOutOfErrors(t *testing.T) {
	const secret = "zz-SECRET-5f1c9b-zz"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TOKEN": secret, "EMPTY": ""}
	docs := map[string]string{
		"literal secret": strings.Replace(minimal, "${OKTA_API_TOKEN}", secret, 1),
		"quoted literal secret with other problems": strings.Replace(minimal, "${OKTA_API_TOKEN}", `"`+secret+`"`, 1) + "concurrency: 0\n",
		"literal secret under a misspelled key":     strings.Replace(minimal, "api_token: ${OKTA_API_TOKEN}", "api_tokn: "+secret, 1),
		"literal secret in a flow mapping":          strings.Replace(minimal, "${OKTA_API_TOKEN}", "{"+secret+": x}", 1),
		"literal secret as a list":                  strings.Replace(minimal, "${OKTA_API_TOKEN}", "["+secret+"]", 1),
		"literal secret with a dollar":              strings.Replace(minimal, "${OKTA_API_TOKEN}", secret+"$x", 1),
		"literal secret with an open reference":     strings.Replace(minimal, "${OKTA_API_TOKEN}", secret+"${x", 1),
		"env secret and an invalid url":             strings.Replace(strings.Replace(minimal, "${OKTA_API_TOKEN}", "${TOKEN}", 1), "https://acme", "http://acme", 1),
		"env reference secret and a bad setting":    strings.Replace(minimal, "${OKTA_API_TOKEN}", "{env: TOKEN}\n      page_size: x", 1),
		"file secret and a bad setting":             strings.Replace(minimal, "${OKTA_API_TOKEN}", "{file: token}\n      max_retries: x", 1),
		"env secret into a secret of another kind":  "version: 1\nconnectors:\n  - name: s\n    type: secretkinds\n    settings: {count: '${TOKEN}', wait: '${TOKEN}', addr: '${TOKEN}', rate: '${TOKEN}', on: '${TOKEN}'}\n",
		"file secret into a secret of another kind": "version: 1\nconnectors:\n  - name: s\n    type: secretkinds\n    settings: {count: {file: token}, wait: {file: token}, addr: {file: token}}\n",
	}
	types := append([]extract.Type{{Name: "secretkinds", Settings: []extract.Setting{
		{Name: "count", Kind: extract.KindInt, Secret: true},
		{Name: "wait", Kind: extract.KindDuration, Secret: true},
		{Name: "addr", Kind: extract.KindURL, Secret: true},
		{Name: "rate", Kind: extract.KindFloat, Secret: true},
		{Name: "on", Kind: extract.KindBool, Secret: true},
	}}}, testTypes...)
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(doc), dir, types, envMap(env))
			if err == nil {
				t.Fatal("Parse accepted a config meant to have problems")
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "SECRET-5f1c9b") {
				t.Errorf("error text reveals the secret:\n%v", err)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OKTA_API_TOKEN": "distinctive-secret-1", "OTHER_TOKEN": "distinctive-secret-2"}
	fingerprint := func(t *testing.T, doc string, env map[string]string, types []extract.Type) string {
		t.Helper()
		cfg, err := Parse([]byte(doc), dir, testTypes, envMap(env))
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		return cfg.Fingerprint(types)
	}
	base := fingerprint(t, minimal, env, testTypes)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(base) {
		t.Fatalf("Fingerprint = %q, want 64 hex digits", base)
	}
	tests := []struct {
		name  string
		doc   string
		env   map[string]string
		types []extract.Type
		same  bool
	}{
		{"identical", minimal, env, testTypes, true},
		{"secret value changes", minimal, map[string]string{"OKTA_API_TOKEN": "another-secret"}, testTypes, true},
		{"secret from another variable", strings.Replace(minimal, "${OKTA_API_TOKEN}", "${OTHER_TOKEN}", 1), env, testTypes, true},
		{"secret from a file", strings.Replace(minimal, "${OKTA_API_TOKEN}", "{file: token}", 1), env, testTypes, true},
		{"data_dir changes", "data_dir: /elsewhere\n" + minimal, env, testTypes, true},
		{"comments and layout change", "# a comment\n" + strings.ReplaceAll(minimal, "      ", "        "), env, testTypes, true},
		{"default written out", strings.Replace(minimal, "api_token:", "page_size: 200\n      api_token:", 1), env, testTypes, true},
		{"non-secret setting changes", strings.Replace(minimal, "acme.okta.com", "acme2.okta.com", 1), env, testTypes, false},
		{"defaulted setting changes", strings.Replace(minimal, "api_token:", "page_size: 100\n      api_token:", 1), env, testTypes, false},
		{"second secret set", strings.Replace(minimal, "api_token:", "private_key: ${OTHER_TOKEN}\n      api_token:", 1), env, testTypes, false},
		{"instance disabled", strings.Replace(minimal, "type: okta", "type: okta\n    enabled: false", 1), env, testTypes, false},
		{"instance renamed", strings.Replace(minimal, "okta-prod", "okta-main", 1), env, testTypes, false},
		{"schedule set", strings.Replace(minimal, "type: okta", "type: okta\n    schedule: '0 3 * * *'", 1), env, testTypes, false},
		{"concurrency changes", "concurrency: 5\n" + minimal, env, testTypes, false},
		{"threshold changes", "activity_threshold_days: 60\n" + minimal, env, testTypes, false},
		{"org priority changes", "org_source_priority: [okta]\n" + minimal, env, testTypes, false},
		{"identity set", "identity: {strip_plus_addresses: true}\n" + minimal, env, testTypes, false},
		{"identity written out as its defaults", "identity: {}\n" + minimal, env, testTypes, true},
		{"price set", "prices: [{vendor: Slack, unit_cost: 8, currency: USD}]\n" + minimal, env, testTypes, false},
		{"threshold set", "subscription_thresholds: [{vendor: Slack, activity_threshold_days: 9}]\n" + minimal, env, testTypes, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fingerprint(t, tt.doc, tt.env, tt.types)
			if (got == base) != tt.same {
				t.Errorf("fingerprint equal to the base: %v, want %v", got == base, tt.same)
			}
		})
	}

	// Without the type declarations nothing is known to be non-secret, so
	// every setting is masked and a changed org_url cannot show.
	masked := fingerprint(t, minimal, env, nil)
	if masked == base {
		t.Error("fingerprint without type declarations equals the one with them")
	}
	if other := fingerprint(t, strings.Replace(minimal, "acme.okta.com", "acme2.okta.com", 1), env, nil); other != masked {
		t.Error("fingerprint without type declarations hashed a setting value")
	}
}

func TestInstancesAndConnector(t *testing.T) {
	doc := minimal + `  - name: okta-off
    type: okta
    enabled: false
    settings: {org_url: "https://b.okta.com", api_token: "${OKTA_API_TOKEN}"}
  - name: slack-main
    type: slack
    settings: {token: "${OKTA_API_TOKEN}"}
`
	cfg, err := Parse([]byte(doc), "/cfg", testTypes, envMap(map[string]string{"OKTA_API_TOKEN": "t"}))
	if err != nil {
		t.Fatal(err)
	}
	insts := cfg.Instances()
	var names []string
	for _, in := range insts {
		names = append(names, in.Type+"/"+in.Name)
	}
	if want := []string{"okta/okta-prod", "slack/slack-main"}; !reflect.DeepEqual(names, want) {
		t.Errorf("Instances() = %v, want %v", names, want)
	}
	insts[0].Settings["org_url"] = "https://changed.example.com"
	if got := cfg.Connectors[0].Settings.String("org_url"); got != "https://acme.okta.com" {
		t.Errorf("changing an instance's settings changed the config: org_url = %q", got)
	}

	tests := []struct {
		name    string
		found   bool
		enabled bool
	}{
		{"okta-prod", true, true},
		{"okta-off", true, false},
		{"slack-main", true, true},
		{"okta", false, false},
	}
	for _, tt := range tests {
		cc, ok := cfg.Connector(tt.name)
		if ok != tt.found || (ok && (cc.Name != tt.name || cc.Enabled != tt.enabled)) {
			t.Errorf("Connector(%q) = %+v, %v; want found %v enabled %v", tt.name, cc, ok, tt.found, tt.enabled)
		}
	}
}

func TestLoad(t *testing.T) {
	for k, v := range testEnv {
		t.Setenv(k, v)
	}
	cfg, err := Load("testdata/config/valid.yaml", testTypes)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	abs, _ := filepath.Abs("testdata/config/valid.yaml")
	if cfg.Path != abs {
		t.Errorf("Path = %q, want %q", cfg.Path, abs)
	}
	if want := filepath.Join(filepath.Dir(abs), "out", "data"); cfg.DataDir != want {
		t.Errorf("DataDir = %q, want %q (relative to the config file)", cfg.DataDir, want)
	}
	if got := cfg.Connectors[0].Settings.String("private_key"); got != "line one of a key\nline two of a key" {
		t.Errorf("private_key from file = %q", got)
	}

	_, err = Load("testdata/config/absent.yaml", testTypes)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(absent) = %v, want a not-exist error", err)
	}
}

// TestExampleConfig keeps configs/example.yaml valid against an Okta type
// declaring the settings the real one does.
func TestExampleConfig(t *testing.T) {
	t.Setenv("OKTA_PROD_API_TOKEN", "t1")
	t.Setenv("OKTA_EMEA_API_TOKEN", "t2")
	cfg, err := Load("../configs/example.yaml", testTypes[:1])
	if err != nil {
		t.Fatalf("Load(example.yaml): %v", err)
	}
	insts := cfg.Instances()
	if len(insts) != 2 || insts[0].Type != "okta" || insts[1].Type != "okta" {
		t.Fatalf("example instances = %+v, want two okta instances", insts)
	}
	if insts[0].Settings.String("api_token") != "t1" || insts[1].Settings.String("api_token") != "t2" {
		t.Errorf("example secrets not read from the environment")
	}
	if insts[0].Settings.String("org_url") == insts[1].Settings.String("org_url") {
		t.Errorf("example instances read the same tenant")
	}
}

func TestExpandEnv(t *testing.T) {
	env := envMap(map[string]string{"A": "x", "B": "${A}", "E": ""})
	tests := []struct {
		in      string
		want    string
		refs    int
		wantErr string
	}{
		{"plain", "plain", 0, ""},
		{"${A}", "x", 1, ""},
		{"pre-${A}-${A}-post", "pre-x-x-post", 2, ""},
		{"${B}", "${A}", 1, ""}, // values are not expanded again
		{"${E}", "", 1, ""},
		{"$$", "$", 0, ""},
		{"$${A}", "${A}", 0, ""},
		{"$$$${A}", "$${A}", 0, ""},
		{"$$${A}", "$x", 1, ""},
		{"${_lower1}", "", 1, "environment variable _lower1 is not set"},
		{"${NOPE} ${A} ${NOPE2} ${NOPE}", "", 3, "environment variables NOPE, NOPE2 are not set"},
		{"$", "", 0, `a "$" must start ${NAME}`},
		{"$A", "", 0, `a "$" must start ${NAME}`},
		{"${A", "", 0, `"${" is not closed`},
		{"${}", "", 0, "must hold an environment variable name"},
		{"${1A}", "", 0, "must hold an environment variable name"},
		{"${A:=b}", "", 0, "not supported"},
	}
	for _, tt := range tests {
		got, refs, err := expandEnv(tt.in, env)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("expandEnv(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want || refs != tt.refs {
			t.Errorf("expandEnv(%q) = %q, %d, %v; want %q, %d", tt.in, got, refs, err, tt.want, tt.refs)
		}
	}
}

func TestNearest(t *testing.T) {
	keys := []string{"version", "data_dir", "concurrency", "org_url", "env", "file"}
	tests := []struct{ in, want string }{
		{"concurency", "concurrency"},
		{"Version", "version"},
		{"data-dir", "data_dir"},
		{"org_ulr", "org_url"},
		{"evn", "env"},
		{"fil", "file"},
		{"verison", "version"},
		{"owner", ""},
		{"en", "env"},
		{"xyz", ""},
	}
	for _, tt := range tests {
		if got := nearest(tt.in, keys); got != tt.want {
			t.Errorf("nearest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestUnusableDefault reports a type whose declared default does not fit its
// kind instead of passing a wrongly typed value to the connector.
func TestUnusableDefault(t *testing.T) {
	types := []extract.Type{{Name: "bad", Settings: []extract.Setting{
		{Name: "wait", Kind: extract.KindDuration, Default: "forever"},
		{Name: "n", Kind: extract.KindInt, Default: 1.5},
	}}}
	_, err := Parse([]byte("version: 1\nconnectors:\n  - name: b\n    type: bad\n"), "/cfg", types, nil)
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 2 {
		t.Fatalf("Parse = %v, want two problems", err)
	}
	for _, p := range verr.Problems {
		if p.Line != 3 || !strings.Contains(p.Msg, "connector type bad declares an unusable default") {
			t.Errorf("problem %s", p)
		}
	}
}

// TestURLSchemes: a url setting that declares its schemes (an LDAP server)
// takes exactly those, and says which when given another.
func TestURLSchemes(t *testing.T) {
	types := []extract.Type{{Name: "ldap", Settings: []extract.Setting{
		{Name: "url", Kind: extract.KindURL, Required: true, Schemes: []string{"ldaps", "ldap"}},
	}}}
	tests := []struct {
		url  string
		want string // "" = valid
	}{
		{"ldaps://dc1.corp.example", ""},
		{"ldap://127.0.0.1:3890", ""},
		{"LDAPS://dc1.corp.example:636", ""},
		{"https://dc1.corp.example", "must be a ldaps or ldap URL, e.g. url: ldaps://dc1.corp.example"},
		{"dc1.corp.example", "url"},
	}
	for _, tt := range tests {
		yaml := "version: 1\nconnectors:\n  - name: ad\n    type: ldap\n    settings:\n      url: " + tt.url + "\n"
		_, err := Parse([]byte(yaml), "/cfg", types, envMap(nil))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.url, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one containing %q", tt.url, err, tt.want)
		}
	}
}
