package pipeline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/transform"
)

// Config is a parsed and validated configuration file. Every field holds its
// final value: defaults applied, ${VAR} references expanded, secrets resolved.
type Config struct {
	Version int
	// DataDir is absolute; a relative data_dir is taken from the config
	// file's directory so a run does not depend on the working directory.
	DataDir               string
	Concurrency           int
	ActivityThresholdDays int
	// OrgSourcePriority lists connector types, most trusted first, whose
	// directory attributes win when sources disagree about a person.
	OrgSourcePriority []string
	// Identity tunes identity resolution (identity:); SharedMailboxPatterns
	// is nil unless the config lists patterns, leaving the transform's
	// defaults in force.
	Identity transform.IdentityOptions
	// Prices are monthly seat prices (prices:), in config order.
	Prices []transform.Price
	// SubscriptionThresholds override ActivityThresholdDays for matching
	// subscriptions (subscription_thresholds:), in config order.
	SubscriptionThresholds []transform.SubscriptionThreshold
	Connectors             []ConnectorConfig
	// Path is the absolute path of the file Load read; "" after Parse.
	Path string
}

// ConnectorConfig is one entry of connectors:.
type ConnectorConfig struct {
	Name    string
	Type    string
	Enabled bool
	// Schedule is as written, "" when absent (DefaultSchedule); it is
	// valid for ParseSchedule, which serve uses to run the instance.
	Schedule string
	// Settings are resolved, converted to the declared kinds and defaulted;
	// secret values are present in clear and must never be logged.
	Settings extract.Settings
	// Line is where the entry starts in the file, for messages about it.
	Line int
}

// Problem is one thing wrong with a config file.
type Problem struct {
	Path string // e.g. connectors[2].settings.org_url; "" for the whole file
	Line int    // 1-based; 0 when the file has no line for it
	Msg  string // says what to write instead
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Path)
	switch {
	case p.Line > 0 && p.Path != "":
		fmt.Fprintf(&b, " (line %d)", p.Line)
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d", p.Line)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ValidationError holds every problem found in a config file, so the user
// can fix them all in one pass.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems one per line, after a count when there are
// several, so that a caller's prefix ("loading config x.yaml: ") stands on a
// line of its own.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// DefaultOrgSourcePriority is the order in which directory sources provide a
// person's organisational attributes when org_source_priority is not set:
// Active Directory (over LDAP) and Entra ID first, then Microsoft 365, then
// Google Workspace; any other source comes after these.
var DefaultOrgSourcePriority = []string{"ldap", "entra", "microsoft365", "google_workspace"}

const (
	configVersion                = 1
	configDefaultDataDir         = "saaspipe-data"
	configDefaultConcurrency     = 4
	configMaxConcurrency         = 32
	configDefaultThresholdDays   = 30
	configMaxThresholdDays       = 3650
	configMaxSecretFileBytes     = 1 << 20
	configFingerprintFormat      = "saaspipe-config-fingerprint/v1"
	configFingerprintSecretValue = "<secret>"
)

var (
	connectorNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	envNamePattern       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	yamlErrorPattern     = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// Load reads the config file at path and parses it with the process
// environment; relative paths inside it are taken from its directory.
func Load(path string, types []extract.Type) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("locating config %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cfg, err := Parse(data, filepath.Dir(abs), types, os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("loading config %s: %w", path, err)
	}
	cfg.Path = abs
	return cfg, nil
}

// Parse parses and validates a config. baseDir anchors a relative data_dir
// and {file: …} paths; getenv resolves ${VAR} and {env: …} (nil: nothing is
// set). Problems are returned together as a *ValidationError.
func Parse(data []byte, baseDir string, types []extract.Type, getenv func(string) (string, bool)) (*Config, error) {
	base, err := filepath.Abs(baseDir)
	if err != nil {
		return nil, fmt.Errorf("locating config directory %s: %w", baseDir, err)
	}
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	p := &configParser{baseDir: base, getenv: getenv, types: map[string]extract.Type{}}
	for _, t := range types {
		p.types[t.Name] = t
		p.typeNames = append(p.typeNames, t.Name)
	}
	slices.Sort(p.typeNames)
	cfg := p.document(data)
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b Problem) int { return a.Line - b.Line })
		return nil, &ValidationError{Problems: p.problems}
	}
	return cfg, nil
}

// Instances returns the enabled connector instances in file order. Each gets
// its own copy of the settings map, so a connector cannot alter the config.
func (c *Config) Instances() []extract.Instance {
	var out []extract.Instance
	for _, cc := range c.Connectors {
		if cc.Enabled {
			out = append(out, extract.Instance{Name: cc.Name, Type: cc.Type, Settings: maps.Clone(cc.Settings)})
		}
	}
	return out
}

// Connector finds a connector instance by name, enabled or not.
func (c *Config) Connector(name string) (*ConnectorConfig, bool) {
	for i := range c.Connectors {
		if c.Connectors[i].Name == name {
			return &c.Connectors[i], true
		}
	}
	return nil, false
}

// Fingerprint identifies what the config asks for, for snapshot manifests.
// It hashes a canonical text of every field except the location-dependent
// DataDir and Path, so the same config gives the same fingerprint on any
// machine. A setting's value enters the hash only when types declare it
// non-secret; every other value, including settings of types not in types, is
// replaced by a fixed marker, so neither secrets nor their hashes leak.
func (c *Config) Fingerprint(types []extract.Type) string {
	declared := map[string]map[string]extract.Setting{}
	for _, t := range types {
		m := map[string]extract.Setting{}
		for _, s := range t.Settings {
			m[s.Name] = s
		}
		declared[t.Name] = m
	}
	h := sha256.New()
	line := func(key string, value string) { fmt.Fprintf(h, "%s=%s\n", key, value) }
	line("format", configFingerprintFormat)
	line("version", strconv.Itoa(c.Version))
	line("concurrency", strconv.Itoa(c.Concurrency))
	line("activity_threshold_days", strconv.Itoa(c.ActivityThresholdDays))
	line("org_source_priority", fingerprintValue(c.OrgSourcePriority))
	// The transform settings enter only when set, so that configs without
	// them keep the fingerprints they had before the keys existed.
	if id := c.Identity; id.StripPlusAddresses || len(id.DomainAliases) > 0 || id.SharedMailboxPatterns != nil {
		line("identity.strip_plus_addresses", strconv.FormatBool(id.StripPlusAddresses))
		for _, d := range slices.Sorted(maps.Keys(id.DomainAliases)) {
			line("identity.domain_aliases."+strconv.Quote(d), strconv.Quote(id.DomainAliases[d]))
		}
		if id.SharedMailboxPatterns != nil {
			line("identity.shared_mailbox_patterns", fingerprintValue(id.SharedMailboxPatterns))
		}
	}
	for i, pr := range c.Prices {
		line(fmt.Sprintf("prices[%d]", i), fingerprintValue([]string{pr.ConnectorType, pr.Vendor, pr.SKU,
			strconv.FormatFloat(pr.UnitCost, 'g', -1, 64), pr.Currency}))
	}
	for i, st := range c.SubscriptionThresholds {
		line(fmt.Sprintf("subscription_thresholds[%d]", i), fingerprintValue([]string{st.ConnectorType, st.Vendor, st.SKU,
			strconv.Itoa(st.Days)}))
	}
	for i, cc := range c.Connectors {
		prefix := fmt.Sprintf("connectors[%d].", i)
		line(prefix+"name", strconv.Quote(cc.Name))
		line(prefix+"type", strconv.Quote(cc.Type))
		line(prefix+"enabled", strconv.FormatBool(cc.Enabled))
		line(prefix+"schedule", strconv.Quote(cc.Schedule))
		for _, name := range slices.Sorted(maps.Keys(cc.Settings)) {
			value := configFingerprintSecretValue
			if s, ok := declared[cc.Type][name]; ok && !s.Secret {
				value = fingerprintValue(cc.Settings[name])
			}
			line(prefix+"settings."+strconv.Quote(name), value)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fingerprintValue renders a setting value with its kind, quoting strings so
// no value can imitate the line structure of the canonical text.
func fingerprintValue(v any) string {
	switch v := v.(type) {
	case string:
		return "s:" + strconv.Quote(v)
	case bool:
		return "b:" + strconv.FormatBool(v)
	case int:
		return "i:" + strconv.Itoa(v)
	case float64:
		return "f:" + strconv.FormatFloat(v, 'g', -1, 64)
	case time.Duration:
		return "d:" + v.String()
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = strconv.Quote(s)
		}
		return "l:[" + strings.Join(q, ",") + "]"
	default:
		return "v:" + strconv.Quote(fmt.Sprintf("%T:%v", v, v))
	}
}

// configParser walks the YAML node tree, collecting problems instead of
// stopping at the first, and builds the Config as it goes.
type configParser struct {
	baseDir   string
	getenv    func(string) (string, bool)
	types     map[string]extract.Type
	typeNames []string
	problems  []Problem
}

func (p *configParser) addf(path string, n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.problems = append(p.problems, Problem{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

var configTopKeys = []string{"version", "data_dir", "concurrency", "activity_threshold_days", "org_source_priority",
	"identity", "prices", "subscription_thresholds", "connectors"}

func (p *configParser) document(data []byte) *Config {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.addf("", nil, "the config is empty; start it with version: 1")
		} else {
			p.yamlError(err)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.addf("", &extra, "a config holds one YAML document; remove this second one (and its --- separator)")
	} else if !errors.Is(err, io.EOF) {
		p.yamlError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	root = resolveAlias(root)
	if root.Kind != yaml.MappingNode {
		if isNull(root) {
			p.addf("", root, "the config is empty; start it with version: 1")
		} else {
			p.addf("", root, "the config must be a mapping of keys, starting with version: 1")
		}
		return nil
	}
	top := p.fields(root, "", configTopKeys, nil)
	cfg := &Config{
		Concurrency:           configDefaultConcurrency,
		ActivityThresholdDays: configDefaultThresholdDays,
		OrgSourcePriority:     slices.Clone(DefaultOrgSourcePriority),
	}

	if f, ok := top["version"]; ok && !isNull(f.val) {
		if v, ok := p.intValue(f.val, "version", "version: 1"); ok {
			cfg.Version = v
			if v != configVersion {
				p.addf("version", f.val, "unsupported version %d; this saaspipe reads version: %d", v, configVersion)
			}
		}
	} else {
		p.addf("version", keyNode(f, root), "missing; add version: %d at the top of the file", configVersion)
	}

	dataDir := configDefaultDataDir
	if f, ok := top["data_dir"]; ok && !isNull(f.val) {
		if s, ok := p.stringValue(f.val, "data_dir", "data_dir: ./saaspipe-data"); ok {
			switch {
			case s == "":
				p.addf("data_dir", f.val, "must not be empty; e.g. data_dir: ./saaspipe-data, or remove it to use ./%s", configDefaultDataDir)
			case strings.HasPrefix(s, "~"):
				p.addf("data_dir", f.val, "~ is not expanded; write ${HOME}%s instead", strings.TrimPrefix(s, "~"))
			default:
				dataDir = s
			}
		}
	}
	if !filepath.IsAbs(dataDir) {
		dataDir = filepath.Join(p.baseDir, dataDir)
	}
	cfg.DataDir = filepath.Clean(dataDir)

	if f, ok := top["concurrency"]; ok && !isNull(f.val) {
		if v, ok := p.intValue(f.val, "concurrency", "concurrency: 4"); ok {
			if v < 1 || v > configMaxConcurrency {
				p.addf("concurrency", f.val, "must be between 1 and %d connector instances at once, e.g. concurrency: %d", configMaxConcurrency, configDefaultConcurrency)
			}
			cfg.Concurrency = v
		}
	}

	if f, ok := top["activity_threshold_days"]; ok && !isNull(f.val) {
		if v, ok := p.intValue(f.val, "activity_threshold_days", "activity_threshold_days: 30"); ok {
			if v < 1 || v > configMaxThresholdDays {
				p.addf("activity_threshold_days", f.val, "must be between 1 and %d days, e.g. activity_threshold_days: %d", configMaxThresholdDays, configDefaultThresholdDays)
			}
			cfg.ActivityThresholdDays = v
		}
	}

	if f, ok := top["org_source_priority"]; ok && !isNull(f.val) {
		if list, ok := p.orgSourcePriority(f.val); ok {
			cfg.OrgSourcePriority = list
		}
	}

	if f, ok := top["identity"]; ok && !isNull(f.val) {
		cfg.Identity = p.identity(f.val)
	}
	if f, ok := top["prices"]; ok && !isNull(f.val) {
		cfg.Prices = p.prices(f.val)
	}
	if f, ok := top["subscription_thresholds"]; ok && !isNull(f.val) {
		cfg.SubscriptionThresholds = p.subscriptionThresholds(f.val)
	}

	f, ok := top["connectors"]
	switch {
	case !ok || isNull(f.val):
		p.addf("connectors", keyNode(f, root), "at least one connector is required; add connectors: with entries like - {name: okta-prod, type: okta, settings: {…}}")
	case resolveAlias(f.val).Kind != yaml.SequenceNode:
		p.addf("connectors", f.val, "must be a list of entries, each starting with - name: …")
	case len(resolveAlias(f.val).Content) == 0:
		p.addf("connectors", f.val, "at least one connector is required; add an entry like - {name: okta-prod, type: okta, settings: {…}}")
	default:
		type use struct{ index, line int }
		firstUse := map[string]use{}
		for i, item := range resolveAlias(f.val).Content {
			cc := p.connector(item, i)
			if cc.Name == "" {
				continue
			}
			if u, dup := firstUse[cc.Name]; dup {
				p.addf(fmt.Sprintf("connectors[%d].name", i), item, "%q is already the name of connectors[%d] (line %d); give each instance a unique name", cc.Name, u.index, u.line)
			} else {
				firstUse[cc.Name] = use{i, cc.Line}
			}
			cfg.Connectors = append(cfg.Connectors, cc)
		}
	}
	return cfg
}

func (p *configParser) yamlError(err error) {
	if m := yamlErrorPattern.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		p.problems = append(p.problems, Problem{Line: line, Msg: "invalid YAML: " + m[2]})
		return
	}
	p.problems = append(p.problems, Problem{Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")})
}

func (p *configParser) orgSourcePriority(n *yaml.Node) ([]string, bool) {
	const path = "org_source_priority"
	seq := resolveAlias(n)
	if seq.Kind != yaml.SequenceNode {
		p.addf(path, n, "must be a list of connector types, e.g. org_source_priority: [%s]", strings.Join(DefaultOrgSourcePriority, ", "))
		return nil, false
	}
	if len(seq.Content) == 0 {
		p.addf(path, n, "must list at least one connector type; remove it to use the default [%s]", strings.Join(DefaultOrgSourcePriority, ", "))
		return nil, false
	}
	out := make([]string, 0, len(seq.Content))
	seen := map[string]bool{}
	ok := true
	for i, item := range seq.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		s, good := p.stringValue(item, ip, "- okta")
		if !good {
			ok = false
			continue
		}
		if _, known := p.types[s]; !known {
			p.addf(ip, item, "%s", p.unknownTypeMsg(s))
			ok = false
			continue
		}
		if seen[s] {
			p.addf(ip, item, "%q is listed twice; keep only its first position", s)
			ok = false
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, ok
}

var configConnectorKeys = []string{"name", "type", "enabled", "schedule", "settings"}

// connector parses one entry; the result is only used when no problem was
// found anywhere, but its Name is set whenever the name itself is valid so
// that duplicates are still reported.
func (p *configParser) connector(item *yaml.Node, i int) ConnectorConfig {
	path := fmt.Sprintf("connectors[%d]", i)
	n := resolveAlias(item)
	if n.Kind != yaml.MappingNode {
		p.addf(path, item, "must be a mapping like {name: okta-prod, type: okta, settings: {…}}")
		return ConnectorConfig{}
	}
	cc := ConnectorConfig{Enabled: true, Line: n.Line}

	// The raw type, looked up before the keys are checked, lets a setting
	// written one level too high be pointed to settings: by name.
	var typ extract.Type
	var typeKnown bool
	for j := 0; j+1 < len(n.Content); j += 2 {
		if k := resolveAlias(n.Content[j]); k.Kind == yaml.ScalarNode && k.Value == "type" {
			if v := resolveAlias(n.Content[j+1]); v.Kind == yaml.ScalarNode {
				typ, typeKnown = p.types[v.Value]
			}
		}
	}
	hint := func(key string) string {
		if typeKnown && slices.ContainsFunc(typ.Settings, func(s extract.Setting) bool { return s.Name == key }) {
			return fmt.Sprintf("%q is a setting of type %s; indent it under settings:", key, typ.Name)
		}
		return ""
	}
	f := p.fields(n, path, configConnectorKeys, hint)

	if nf, ok := f["name"]; ok && !isNull(nf.val) {
		if s, ok := p.stringValue(nf.val, path+".name", "name: okta-prod"); ok {
			if connectorNamePattern.MatchString(s) {
				cc.Name = s
			} else {
				p.addf(path+".name", nf.val, "%q is not a valid name: use 1 to 63 lowercase letters, digits, - or _, starting with a letter or digit, e.g. name: %s", s, suggestName(s))
			}
		}
	} else {
		p.addf(path+".name", keyNode(nf, n), "missing; add a unique name such as name: %s-prod", suggestTypePrefix(typ.Name, typeKnown))
	}

	if tf, ok := f["type"]; ok && !isNull(tf.val) {
		if s, ok := p.stringValue(tf.val, path+".type", "type: okta"); ok {
			if t, known := p.types[s]; known {
				cc.Type = s
				typ, typeKnown = t, true
			} else {
				p.addf(path+".type", tf.val, "%s", p.unknownTypeMsg(s))
				typeKnown = false
			}
		}
	} else {
		p.addf(path+".type", keyNode(tf, n), "missing; add type: <connector type> (known types: %s)", p.knownTypes())
		typeKnown = false
	}

	if ef, ok := f["enabled"]; ok && !isNull(ef.val) {
		if b, ok := p.boolValue(ef.val, path+".enabled"); ok {
			cc.Enabled = b
		}
	}

	if sf, ok := f["schedule"]; ok && !isNull(sf.val) {
		if s, ok := p.stringValue(sf.val, path+".schedule", `schedule: daily`); ok {
			if strings.TrimSpace(s) == "" {
				p.addf(path+".schedule", sf.val, "is empty; remove it to run %s, or write e.g. schedule: daily", DefaultSchedule)
			} else if _, err := ParseSchedule(s); err != nil {
				p.addf(path+".schedule", sf.val, "%v; write hourly, daily, weekly (the default) or five cron fields in UTC "+
					"(minute hour day-of-month month day-of-week), e.g. schedule: \"0 3 * * *\" for 03:00 UTC daily", err)
			} else {
				cc.Schedule = s
			}
		}
	}

	sf, hasSettings := f["settings"]
	switch {
	case typeKnown:
		var sn *yaml.Node
		if hasSettings {
			sn = sf.val
		}
		cc.Settings = p.settings(sn, path+".settings", typ, keyNode(sf, n))
	case hasSettings && !isNull(sf.val) && resolveAlias(sf.val).Kind != yaml.MappingNode:
		p.addf(path+".settings", sf.val, "must be a mapping of setting names to values")
	}
	return cc
}

// settings checks n, the settings: mapping (nil when absent), against the
// settings t declares. at is where to report settings that are missing.
func (p *configParser) settings(n *yaml.Node, path string, t extract.Type, at *yaml.Node) extract.Settings {
	names := make([]string, len(t.Settings))
	for i, s := range t.Settings {
		names[i] = s.Name
	}
	var given map[string]yamlField
	if n != nil && !isNull(n) {
		if m := resolveAlias(n); m.Kind != yaml.MappingNode {
			p.addf(path, n, "must be a mapping of setting names to values, e.g. settings: {%s}", settingsExample(t))
			return extract.Settings{}
		} else {
			given = p.fields(m, path, names, nil)
		}
	}
	out := extract.Settings{}
	userURLs := map[string]*yaml.Node{}
	for _, s := range t.Settings {
		sp := path + "." + s.Name
		if f, ok := given[s.Name]; ok && !isNull(f.val) {
			v, ok := p.settingValue(f.val, sp, s, t.Name)
			if !ok {
				continue
			}
			if s.Required && isEmptyValue(v) {
				p.addf(sp, f.val, "is required and must not be empty")
				continue
			}
			out[s.Name] = v
			if s.Kind == extract.KindURL {
				userURLs[s.Name] = f.val
			}
			continue
		}
		if s.Required {
			at := at
			if f, ok := given[s.Name]; ok {
				at = f.key
			}
			p.addf(sp, at, "required setting is missing; add %s under settings:%s", settingExample(s, t.Name), helpSuffix(s))
			continue
		}
		if s.Default != nil && !s.Secret {
			v, err := convertDefault(s)
			if err != nil {
				p.addf(sp, at, "connector type %s declares an unusable default (%v); this is a bug in saaspipe, set %s explicitly meanwhile", t.Name, err, s.Name)
				continue
			}
			out[s.Name] = v
		}
	}

	// URLs are checked last because allow_http, wherever it sits in the
	// mapping, decides whether http:// is acceptable.
	declaresAllowHTTP := slices.Contains(names, "allow_http")
	allowHTTP := declaresAllowHTTP && out.Bool("allow_http")
	for _, s := range t.Settings {
		if n, ok := userURLs[s.Name]; ok {
			if msg := checkURL(out.String(s.Name), s, allowHTTP, declaresAllowHTTP); msg != "" {
				if s.Secret {
					// The corrected URL the message suggests would quote the secret.
					msg = "must be an https URL with a host (the value is secret, so it is not shown)"
				}
				p.addf(path+"."+s.Name, n, "%s", msg)
				delete(out, s.Name)
			}
		}
	}
	return out
}

func isEmptyValue(v any) bool {
	switch v := v.(type) {
	case string:
		return v == ""
	case []string:
		return len(v) == 0
	}
	return false
}

// settingValue converts one given setting to its declared kind. Secret values
// come only from the environment or a file; no message quotes them.
func (p *configParser) settingValue(n *yaml.Node, path string, s extract.Setting, typeName string) (any, bool) {
	r := resolveAlias(n)
	if s.Secret {
		text, ok := p.secretText(n, path, s, typeName)
		if !ok {
			return nil, false
		}
		return p.convert(text, nil, n, path, s, true)
	}
	if r.Kind == yaml.MappingNode {
		if env, ok := refName(r, "env"); ok {
			p.addf(path, n, "{env: …} is only for secret settings; write %s: ${%s}", s.Name, env)
		} else if _, ok := refName(r, "file"); ok {
			p.addf(path, n, "{file: …} is only for secret settings; write the value itself, e.g. %s", settingExample(s, typeName))
		} else {
			p.addf(path, n, "must be a single value, e.g. %s", settingExample(s, typeName))
		}
		return nil, false
	}
	if s.Kind == extract.KindList {
		if r.Kind != yaml.SequenceNode {
			p.addf(path, n, "must be a list, e.g. %s", settingExample(s, typeName))
			return nil, false
		}
		out := make([]string, 0, len(r.Content))
		ok := true
		for i, item := range r.Content {
			v, good := p.stringValue(item, fmt.Sprintf("%s[%d]", path, i), "- value")
			if !good {
				ok = false
				continue
			}
			out = append(out, v)
		}
		return out, ok
	}
	if r.Kind != yaml.ScalarNode {
		p.addf(path, n, "must be a single value, e.g. %s", settingExample(s, typeName))
		return nil, false
	}
	if r.ShortTag() == "!!str" {
		text, ok := p.expand(r, path)
		if !ok {
			return nil, false
		}
		return p.convert(text, nil, n, path, s, false)
	}
	return p.convert(r.Value, r, n, path, s, false)
}

// secretText resolves a secret setting from ${VAR}, {env: NAME} or
// {file: PATH}, refusing a value written into the file itself.
func (p *configParser) secretText(n *yaml.Node, path string, s extract.Setting, typeName string) (string, bool) {
	r := resolveAlias(n)
	envName := suggestEnvName(typeName, s.Name)
	literal := fmt.Sprintf("is a secret and must not be written into the config; use %s: ${%s}, %s: {env: %s} or %s: {file: /run/secrets/%s}",
		s.Name, envName, s.Name, envName, s.Name, strings.ToLower(envName))
	switch r.Kind {
	case yaml.ScalarNode:
		if r.ShortTag() != "!!str" {
			p.addf(path, n, "%s", literal)
			return "", false
		}
		out, refs, err := expandEnv(r.Value, p.getenv)
		if err != nil {
			p.addf(path, n, "%v", err)
			return "", false
		}
		if refs == 0 {
			p.addf(path, n, "%s", literal)
			return "", false
		}
		return out, true
	case yaml.MappingNode:
		f, ok := p.secretRef(r, path, envName)
		if !ok {
			return "", false
		}
		if ef, ok := f["env"]; ok {
			name, ok := p.stringValue(ef.val, path+".env", "env: "+envName)
			if !ok {
				return "", false
			}
			if !envNamePattern.MatchString(name) {
				p.addf(path+".env", ef.val, "must be an environment variable name (letters, digits, _), e.g. {env: %s}", envName)
				return "", false
			}
			v, set := p.getenv(name)
			if !set {
				p.addf(path+".env", ef.val, "environment variable %s is not set; export it before running saaspipe", name)
				return "", false
			}
			return v, true
		}
		ff := f["file"]
		name, ok := p.stringValue(ff.val, path+".file", "file: /run/secrets/"+strings.ToLower(envName))
		if !ok {
			return "", false
		}
		if name == "" {
			p.addf(path+".file", ff.val, "must be a file path, e.g. {file: /run/secrets/%s}", strings.ToLower(envName))
			return "", false
		}
		v, err := p.readSecretFile(name)
		if err != nil {
			p.addf(path+".file", ff.val, "%v", err)
			return "", false
		}
		return v, true
	default:
		p.addf(path, n, "%s", literal)
		return "", false
	}
}

// secretRef reads a {env: NAME} or {file: PATH} mapping. Unlike fields it
// never quotes a key, because a key here may be a secret pasted in by mistake.
func (p *configParser) secretRef(n *yaml.Node, path, envName string) (map[string]yamlField, bool) {
	out := map[string]yamlField{}
	ok := true
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := resolveAlias(n.Content[j]), n.Content[j+1]
		key := ""
		if k.Kind == yaml.ScalarNode {
			key = k.Value
		}
		switch {
		case key != "env" && key != "file":
			msg := fmt.Sprintf("a secret reference holds only env: or file:, e.g. {env: %s}", envName)
			if best := nearest(key, []string{"env", "file"}); best != "" {
				msg = fmt.Sprintf("unknown key in a secret reference; did you mean %s:?", best)
			}
			p.addf(path, n.Content[j], "%s", msg)
			ok = false
		case out[key].key != nil:
			p.addf(path+"."+key, k, "duplicate key; %s is already set on line %d, keep one", key, out[key].key.Line)
			ok = false
		default:
			out[key] = yamlField{key: k, val: v}
		}
	}
	if !ok {
		return nil, false
	}
	if len(out) != 1 {
		if len(out) == 0 {
			p.addf(path, n, "give exactly one of {env: %s} or {file: /run/secrets/%s}", envName, strings.ToLower(envName))
		} else {
			p.addf(path, n, "give exactly one of env: or file:, not both")
		}
		return nil, false
	}
	return out, true
}

// readSecretFile reads a small regular file and drops one final line ending,
// which editors and `echo` add but no credential contains. Devices and pipes
// are refused so a mistyped path cannot block or read forever.
func (p *configParser) readSecretFile(name string) (string, error) {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.baseDir, path)
	}
	cause := func(err error) error {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("reading secret file %s: %v; check the path (a relative path is taken from %s)", path, err, p.baseDir)
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", cause(err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("secret file %s is not a regular file; point file: at the file holding the secret", path)
	}
	if info.Size() > configMaxSecretFileBytes {
		return "", fmt.Errorf("secret file %s is larger than %d bytes; point file: at the file holding only the secret", path, configMaxSecretFileBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", cause(err)
	}
	s := string(data)
	if strings.HasSuffix(s, "\n") {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	}
	return s, nil
}

// convert turns a scalar's text into the setting's kind. typed is the YAML
// node when the value is a non-string YAML scalar (10, 2.5, true), nil when
// text is a string. Messages quote the value only when it is not secret.
func (p *configParser) convert(text string, typed *yaml.Node, at *yaml.Node, path string, s extract.Setting, secret bool) (any, bool) {
	fail := func(format string, args ...any) (any, bool) {
		p.addf(path, at, format, args...)
		return nil, false
	}
	switch s.Kind {
	case extract.KindString, extract.KindURL:
		if typed != nil && typed.ShortTag() == "!!binary" {
			return fail("must be plain text, not !!binary")
		}
		return text, true
	case extract.KindInt:
		var v int
		var err error
		if typed != nil && typed.ShortTag() == "!!int" {
			err = typed.Decode(&v)
		} else if typed == nil {
			v, err = strconv.Atoi(strings.TrimSpace(text))
		} else {
			err = errors.New("not an integer")
		}
		if err != nil {
			return fail("must be a whole number, e.g. %s: %s", s.Name, kindExample(s))
		}
		return v, true
	case extract.KindFloat:
		var v float64
		var err error
		if typed != nil && (typed.ShortTag() == "!!int" || typed.ShortTag() == "!!float") {
			err = typed.Decode(&v)
		} else if typed == nil {
			v, err = strconv.ParseFloat(strings.TrimSpace(text), 64)
		} else {
			err = errors.New("not a number")
		}
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fail("must be a finite number, e.g. %s: %s", s.Name, kindExample(s))
		}
		return v, true
	case extract.KindBool:
		if typed != nil && typed.ShortTag() == "!!bool" {
			var b bool
			if err := typed.Decode(&b); err == nil {
				return b, true
			}
		} else if typed == nil {
			switch strings.ToLower(strings.TrimSpace(text)) {
			case "true":
				return true, true
			case "false":
				return false, true
			}
		}
		return fail("must be true or false, e.g. %s: true", s.Name)
	case extract.KindDuration:
		if typed != nil {
			return fail("must be a duration with a unit, e.g. %s: %s", s.Name, kindExample(s))
		}
		d, err := time.ParseDuration(strings.TrimSpace(text))
		if err != nil {
			hint := ""
			if days, ok := strings.CutSuffix(strings.TrimSpace(text), "d"); ok && !secret {
				if n, err := strconv.Atoi(days); err == nil && n >= 0 && n <= 100000 {
					hint = fmt.Sprintf("; there is no d unit, write %s: %dh", s.Name, 24*n)
				}
			}
			return fail("must be a duration such as 90s, 15m or 24h, e.g. %s: %s%s", s.Name, kindExample(s), hint)
		}
		if d < 0 {
			return fail("must not be negative, e.g. %s: %s", s.Name, kindExample(s))
		}
		return d, true
	case extract.KindList:
		// Only secrets reach here with text; a list is a YAML sequence.
		return fail("must be a list, which cannot come from a secret reference")
	default:
		return fail("connector type declares unknown setting kind %q; this is a bug in saaspipe", s.Kind)
	}
}

// checkURL returns what is wrong with a URL setting, or "". The message
// suggests the corrected URL when the value has a recognisable host.
func checkURL(raw string, s extract.Setting, allowHTTP, canAllowHTTP bool) string {
	u, err := url.Parse(raw)
	suggestion := "https://example.com"
	if d, ok := s.Default.(string); ok && strings.HasPrefix(d, "https://") {
		suggestion = d
	}
	if err == nil && u.Host == "" && u.Scheme == "" && u.Path != "" && !strings.HasPrefix(u.Path, "/") {
		// "acme.okta.com" parses as a bare path.
		if v, err := url.Parse("https://" + raw); err == nil && v.Host != "" && v.User == nil {
			return fmt.Sprintf("must be a full https URL with a scheme, e.g. %s: %s", s.Name, v.String())
		}
	}
	if err != nil || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return fmt.Sprintf("must be an https URL with a host, e.g. %s: %s", s.Name, suggestion)
	}
	if u.User != nil {
		return fmt.Sprintf("must not carry credentials (user:password@); remove them and use the connector's secret settings, e.g. %s: %s://%s%s", s.Name, u.Scheme, u.Host, u.EscapedPath())
	}
	if len(s.Schemes) > 0 {
		for _, sc := range s.Schemes {
			if strings.EqualFold(u.Scheme, sc) {
				return ""
			}
		}
		return fmt.Sprintf("must be a %s URL, e.g. %s: %s://%s", strings.Join(s.Schemes, " or "), s.Name, s.Schemes[0], u.Host)
	}
	fixed := *u
	fixed.Scheme = "https"
	switch strings.ToLower(u.Scheme) {
	case "https":
		return ""
	case "http":
		if allowHTTP {
			return ""
		}
		if canAllowHTTP {
			return fmt.Sprintf("must be an https URL, e.g. %s: %s; to allow plain http (a loopback simulator or test gateway) also set allow_http: true", s.Name, fixed.String())
		}
		return fmt.Sprintf("must be an https URL, e.g. %s: %s", s.Name, fixed.String())
	default:
		return fmt.Sprintf("must be an https URL, e.g. %s: %s", s.Name, fixed.String())
	}
}

// convertDefault converts a type's declared default the way a value in the
// file would be, so connectors see one Go type per kind.
func convertDefault(s extract.Setting) (any, error) {
	switch s.Kind {
	case extract.KindString, extract.KindURL:
		if v, ok := s.Default.(string); ok {
			return v, nil
		}
	case extract.KindInt:
		switch v := s.Default.(type) {
		case int:
			return v, nil
		case int32:
			return int(v), nil
		case int64:
			return int(v), nil
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				return int(v), nil
			}
		case string:
			if n, err := strconv.Atoi(v); err == nil {
				return n, nil
			}
		}
	case extract.KindFloat:
		switch v := s.Default.(type) {
		case float64:
			return v, nil
		case float32:
			return float64(v), nil
		case int:
			return float64(v), nil
		case int64:
			return float64(v), nil
		case string:
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return f, nil
			}
		}
	case extract.KindBool:
		switch v := s.Default.(type) {
		case bool:
			return v, nil
		case string:
			if b, err := strconv.ParseBool(v); err == nil {
				return b, nil
			}
		}
	case extract.KindDuration:
		switch v := s.Default.(type) {
		case time.Duration:
			return v, nil
		case string:
			if d, err := time.ParseDuration(v); err == nil {
				return d, nil
			}
		}
	case extract.KindList:
		switch v := s.Default.(type) {
		case []string:
			return slices.Clone(v), nil
		case []any:
			out := make([]string, len(v))
			for i, e := range v {
				str, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("list default holds %T, want strings", e)
				}
				out[i] = str
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("%T %v is not a %s", s.Default, s.Default, s.Kind)
}

// yamlField is one key of a mapping and its value.
type yamlField struct{ key, val *yaml.Node }

// fields returns the known keys of mapping n, reporting duplicate keys and
// keys not in allowed. hint may add advice for an unknown key; otherwise a
// near miss gets "did you mean" and anything else the list of allowed keys.
func (p *configParser) fields(n *yaml.Node, path string, allowed []string, hint func(string) string) map[string]yamlField {
	out := map[string]yamlField{}
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := resolveAlias(n.Content[j]), n.Content[j+1]
		if k.Kind != yaml.ScalarNode {
			p.addf(path, n.Content[j], "keys must be plain names")
			continue
		}
		kp := joinPath(path, k.Value)
		if prev, dup := out[k.Value]; dup {
			p.addf(kp, k, "duplicate key; %s is already set on line %d, keep one", k.Value, prev.key.Line)
			continue
		}
		if !slices.Contains(allowed, k.Value) {
			msg := ""
			if hint != nil {
				msg = hint(k.Value)
			}
			if msg == "" {
				if best := nearest(k.Value, allowed); best != "" {
					msg = fmt.Sprintf("did you mean %q?", best)
				} else if len(allowed) > 0 {
					msg = "allowed keys: " + strings.Join(allowed, ", ")
				} else {
					msg = "nothing may be set here"
				}
			}
			p.addf(kp, k, "unknown key %q; %s", k.Value, msg)
			continue
		}
		out[k.Value] = yamlField{key: k, val: v}
	}
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// keyNode is where to report a missing or empty key: its own line when the
// key is present with no value, else the enclosing mapping's line.
func keyNode(f yamlField, parent *yaml.Node) *yaml.Node {
	if f.key != nil {
		return f.key
	}
	return parent
}

// stringValue reads a scalar as text, expanding ${VAR} in YAML strings.
func (p *configParser) stringValue(n *yaml.Node, path, example string) (string, bool) {
	r := resolveAlias(n)
	if r.Kind != yaml.ScalarNode || isNull(r) {
		p.addf(path, n, "must be a single value, e.g. %s", example)
		return "", false
	}
	if r.ShortTag() != "!!str" {
		return r.Value, true
	}
	return p.expand(r, path)
}

func (p *configParser) intValue(n *yaml.Node, path, example string) (int, bool) {
	r := resolveAlias(n)
	if r.Kind == yaml.ScalarNode && r.ShortTag() == "!!int" {
		var v int
		if err := r.Decode(&v); err == nil {
			return v, true
		}
	} else if r.Kind == yaml.ScalarNode && r.ShortTag() == "!!str" {
		s, ok := p.expand(r, path)
		if !ok {
			return 0, false
		}
		if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			return v, true
		}
	}
	p.addf(path, n, "must be a whole number, e.g. %s", example)
	return 0, false
}

func (p *configParser) boolValue(n *yaml.Node, path string) (bool, bool) {
	r := resolveAlias(n)
	if r.Kind == yaml.ScalarNode && r.ShortTag() == "!!bool" {
		var b bool
		if err := r.Decode(&b); err == nil {
			return b, true
		}
	} else if r.Kind == yaml.ScalarNode && r.ShortTag() == "!!str" {
		s, ok := p.expand(r, path)
		if !ok {
			return false, false
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	p.addf(path, n, "must be true or false, e.g. %s: false", path[strings.LastIndex(path, ".")+1:])
	return false, false
}

func (p *configParser) expand(n *yaml.Node, path string) (string, bool) {
	out, _, err := expandEnv(n.Value, p.getenv)
	if err != nil {
		p.addf(path, n, "%v", err)
		return "", false
	}
	return out, true
}

// expandEnv replaces ${NAME} with the variable's value and $$ with $, and
// counts the references so a secret can insist on having one. Values are not
// expanded again. Errors name variables but never quote s, which may hold a
// secret.
func expandEnv(s string, getenv func(string) (string, bool)) (string, int, error) {
	if !strings.Contains(s, "$") {
		return s, 0, nil
	}
	var b strings.Builder
	var unset []string
	refs := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if i+1 >= len(s) || s[i+1] != '{' {
			return "", 0, errors.New(`a "$" must start ${NAME} (an environment variable) or be doubled as $$ for a literal $`)
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", 0, errors.New(`"${" is not closed; write ${NAME}, or $$ for a literal $`)
		}
		name := s[i+2 : i+2+end]
		if !envNamePattern.MatchString(name) {
			if strings.ContainsAny(name, ":-=?") {
				return "", 0, errors.New("${NAME:-default} and similar forms are not supported; write ${NAME} and set the variable")
			}
			return "", 0, errors.New("${…} must hold an environment variable name of letters, digits and _, e.g. ${OKTA_API_TOKEN}")
		}
		refs++
		if v, ok := getenv(name); ok {
			b.WriteString(v)
		} else if !slices.Contains(unset, name) {
			unset = append(unset, name)
		}
		i += 2 + end
	}
	switch len(unset) {
	case 0:
		return b.String(), refs, nil
	case 1:
		return "", refs, fmt.Errorf("environment variable %s is not set; export it before running saaspipe (write $$ for a literal $)", unset[0])
	default:
		return "", refs, fmt.Errorf("environment variables %s are not set; export them before running saaspipe", strings.Join(unset, ", "))
	}
}

// resolveAlias follows *alias references to the anchored node. The walk
// never recurses into arbitrary structure, so alias-bomb documents cost no
// more than the schema's fixed depth.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolveAlias(n)
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// refName returns the value of key in a {env: …}/{file: …} style mapping.
func refName(n *yaml.Node, key string) (string, bool) {
	for j := 0; j+1 < len(n.Content); j += 2 {
		if k := resolveAlias(n.Content[j]); k.Kind == yaml.ScalarNode && k.Value == key {
			if v := resolveAlias(n.Content[j+1]); v.Kind == yaml.ScalarNode {
				return v.Value, true
			}
			return "", true
		}
	}
	return "", false
}

func (p *configParser) unknownTypeMsg(name string) string {
	if len(p.typeNames) == 0 {
		return fmt.Sprintf("unknown connector type %q; this build has no connector types registered", name)
	}
	msg := fmt.Sprintf("unknown connector type %q", name)
	if best := nearest(name, p.typeNames); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return msg + "; known types: " + p.knownTypes()
}

func (p *configParser) knownTypes() string {
	if len(p.typeNames) == 0 {
		return "none registered"
	}
	return strings.Join(p.typeNames, ", ")
}

func kindExample(s extract.Setting) string {
	switch s.Kind {
	case extract.KindURL:
		if d, ok := s.Default.(string); ok && strings.HasPrefix(d, "https://") {
			return d
		}
		return "https://example.com"
	case extract.KindInt:
		if d, err := convertDefault(s); err == nil && d.(int) != 0 {
			return strconv.Itoa(d.(int))
		}
		return "10"
	case extract.KindFloat:
		if d, err := convertDefault(s); err == nil && d.(float64) != 0 {
			return strconv.FormatFloat(d.(float64), 'g', -1, 64)
		}
		return "2.5"
	case extract.KindBool:
		return "true"
	case extract.KindDuration:
		if d, ok := s.Default.(string); ok && d != "" {
			return d
		}
		if d, err := convertDefault(s); err == nil && d.(time.Duration) > 0 {
			return formatDuration(d.(time.Duration))
		}
		return "90s"
	case extract.KindList:
		return "[first, second]"
	default:
		return "<text>"
	}
}

// formatDuration drops the zero minute and second units time.Duration.String
// prints ("168h0m0s"), as a user would write it.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func settingExample(s extract.Setting, typeName string) string {
	if s.Secret {
		return fmt.Sprintf("%s: ${%s}", s.Name, suggestEnvName(typeName, s.Name))
	}
	return s.Name + ": " + kindExample(s)
}

func settingsExample(t extract.Type) string {
	var parts []string
	for _, s := range t.Settings {
		if s.Required {
			parts = append(parts, settingExample(s, t.Name))
		}
	}
	if len(parts) == 0 && len(t.Settings) > 0 {
		parts = append(parts, settingExample(t.Settings[0], t.Name))
	}
	return strings.Join(parts, ", ")
}

func helpSuffix(s extract.Setting) string {
	if s.Help == "" {
		return ""
	}
	return " (" + s.Help + ")"
}

// suggestEnvName is the conventional variable for a secret: OKTA_API_TOKEN.
func suggestEnvName(typeName, setting string) string {
	name := strings.ToUpper(typeName + "_" + setting)
	return strings.Map(func(r rune) rune {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_' {
			return r
		}
		return '_'
	}, name)
}

func suggestTypePrefix(typeName string, known bool) string {
	if known {
		return typeName
	}
	return "okta"
}

// suggestName turns an invalid instance name into a valid one for the
// message: "Okta Prod" becomes "okta-prod".
func suggestName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-_")
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-_")
	}
	if out == "" {
		return "okta-prod"
	}
	return out
}

// nearest returns the candidate closest to s when it is a plausible typo:
// the same up to case, or at most one edit away (two for longer words).
func nearest(s string, candidates []string) string {
	best, bestDist := "", math.MaxInt
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := editDistance(ls, strings.ToLower(c))
		limit := 1
		if len(c) >= 5 {
			limit = 2
		}
		if d <= limit && d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and adjacent transpositions each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		// Keys this long are never near misses; skip the quadratic table.
		if a == b {
			return 0
		}
		return math.MaxInt / 2
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

var (
	configIdentityKeys  = []string{"domain_aliases", "shared_mailbox_patterns", "strip_plus_addresses"}
	configPriceKeys     = []string{"connector_type", "vendor", "sku", "unit_cost", "currency"}
	configThresholdKeys = []string{"connector_type", "vendor", "sku", "activity_threshold_days"}
	domainPattern       = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	currencyPattern     = regexp.MustCompile(`^[A-Z]{3}$`)
)

// identity reads identity: {domain_aliases: {acme.co.uk: acme.com},
// shared_mailbox_patterns: [it@*], strip_plus_addresses: true}.
func (p *configParser) identity(n *yaml.Node) transform.IdentityOptions {
	const path = "identity"
	var out transform.IdentityOptions
	m := resolveAlias(n)
	if m.Kind != yaml.MappingNode {
		p.addf(path, n, "must be a mapping, e.g. identity: {domain_aliases: {acme.co.uk: acme.com}, strip_plus_addresses: true}")
		return out
	}
	fields := p.fields(m, path, configIdentityKeys, nil)
	if f, ok := fields["strip_plus_addresses"]; ok && !isNull(f.val) {
		out.StripPlusAddresses, _ = p.boolValue(f.val, path+".strip_plus_addresses")
	}
	if f, ok := fields["domain_aliases"]; ok && !isNull(f.val) {
		dp := path + ".domain_aliases"
		dm := resolveAlias(f.val)
		if dm.Kind != yaml.MappingNode {
			p.addf(dp, f.val, "must map an alias domain to the domain it stands for, e.g. domain_aliases: {acme.co.uk: acme.com}")
		} else {
			out.DomainAliases = map[string]string{}
			for j := 0; j+1 < len(dm.Content); j += 2 {
				k := resolveAlias(dm.Content[j])
				alias := strings.ToLower(strings.TrimSpace(k.Value))
				kp := dp + "." + alias
				target, ok := p.stringValue(dm.Content[j+1], kp, alias+": acme.com")
				if !ok {
					continue
				}
				target = strings.ToLower(strings.TrimSpace(target))
				switch {
				case k.Kind != yaml.ScalarNode || !domainPattern.MatchString(alias):
					p.addf(kp, k, "%q is not a domain name; write the domain after the @, e.g. acme.co.uk", k.Value)
				case !domainPattern.MatchString(target):
					p.addf(kp, dm.Content[j+1], "%q is not a domain name; write the domain after the @, e.g. acme.com", target)
				case alias == target:
					p.addf(kp, k, "maps %s to itself; remove it", alias)
				case out.DomainAliases[alias] != "":
					p.addf(kp, k, "%s is listed twice; keep one", alias)
				default:
					out.DomainAliases[alias] = target
				}
			}
			// A chain (a → b, b → c) would resolve differently depending on
			// the order of lookups; ask for the final domain instead.
			for _, alias := range slices.Sorted(maps.Keys(out.DomainAliases)) {
				if next, ok := out.DomainAliases[out.DomainAliases[alias]]; ok {
					p.addf(dp+"."+alias, f.val, "maps to %s, which is itself an alias; map %s to %s directly", out.DomainAliases[alias], alias, next)
				}
			}
		}
	}
	if f, ok := fields["shared_mailbox_patterns"]; ok && !isNull(f.val) {
		sp := path + ".shared_mailbox_patterns"
		seq := resolveAlias(f.val)
		if seq.Kind != yaml.SequenceNode {
			p.addf(sp, f.val, "must be a list of address patterns, e.g. shared_mailbox_patterns: [\"it@*\", \"*-team@*\"]")
		} else {
			out.SharedMailboxPatterns = []string{}
			for i, item := range seq.Content {
				ip := fmt.Sprintf("%s[%d]", sp, i)
				s, ok := p.stringValue(item, ip, "\"it@*\"")
				if !ok {
					continue
				}
				if s = strings.ToLower(strings.TrimSpace(s)); s == "" || !strings.Contains(s, "@") {
					p.addf(ip, item, "%q must be a pattern over a whole address, with its @, e.g. it@* or *-team@acme.com", s)
					continue
				}
				out.SharedMailboxPatterns = append(out.SharedMailboxPatterns, s)
			}
		}
	}
	return out
}

// matchFields reads the connector_type / vendor / sku a price or threshold
// applies to; at least one of connector_type and vendor is required.
func (p *configParser) matchFields(fields map[string]yamlField, path string, at *yaml.Node) (connectorType, vendor, sku string, ok bool) {
	ok = true
	if f, has := fields["connector_type"]; has && !isNull(f.val) {
		if connectorType, ok = p.stringValue(f.val, path+".connector_type", "connector_type: slack"); ok {
			if _, known := p.types[connectorType]; !known {
				p.addf(path+".connector_type", f.val, "%s", p.unknownTypeMsg(connectorType))
				ok = false
			}
		}
	}
	if f, has := fields["vendor"]; has && !isNull(f.val) {
		var good bool
		if vendor, good = p.stringValue(f.val, path+".vendor", "vendor: Slack"); !good {
			ok = false
		}
		vendor = strings.TrimSpace(vendor)
	}
	if f, has := fields["sku"]; has && !isNull(f.val) {
		var good bool
		if sku, good = p.stringValue(f.val, path+".sku", "sku: plus"); !good {
			ok = false
		}
		sku = strings.TrimSpace(sku)
	}
	if connectorType == "" && vendor == "" && ok {
		p.addf(path, at, "name the subscription's connector_type or vendor, e.g. {vendor: Slack, sku: plus, …}")
		ok = false
	}
	return connectorType, vendor, sku, ok
}

// prices reads prices: [{vendor: Slack, sku: plus, unit_cost: 8.75, currency: USD}].
func (p *configParser) prices(n *yaml.Node) []transform.Price {
	const path = "prices"
	seq := resolveAlias(n)
	if seq.Kind != yaml.SequenceNode {
		p.addf(path, n, "must be a list of entries like - {vendor: Slack, sku: plus, unit_cost: 8.75, currency: USD}")
		return nil
	}
	var out []transform.Price
	for i, item := range seq.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		m := resolveAlias(item)
		if m.Kind != yaml.MappingNode {
			p.addf(ip, item, "must be a mapping like {vendor: Slack, sku: plus, unit_cost: 8.75, currency: USD}")
			continue
		}
		fields := p.fields(m, ip, configPriceKeys, nil)
		ct, vendor, sku, ok := p.matchFields(fields, ip, item)
		pr := transform.Price{ConnectorType: ct, Vendor: vendor, SKU: sku}
		if f, has := fields["unit_cost"]; has && !isNull(f.val) {
			v, good := p.floatValue(f.val, ip+".unit_cost", "unit_cost: 8.75")
			switch {
			case !good:
				ok = false
			case v < 0 || math.IsInf(v, 0) || math.IsNaN(v):
				p.addf(ip+".unit_cost", f.val, "must be a monthly price of one seat, 0 or more, e.g. unit_cost: 8.75")
				ok = false
			}
			pr.UnitCost = v
		} else {
			p.addf(ip+".unit_cost", keyNode(f, item), "missing; add the monthly price of one seat, e.g. unit_cost: 8.75")
			ok = false
		}
		if f, has := fields["currency"]; has && !isNull(f.val) {
			c, good := p.stringValue(f.val, ip+".currency", "currency: USD")
			c = strings.TrimSpace(c)
			if good && !currencyPattern.MatchString(c) {
				p.addf(ip+".currency", f.val, "%q is not an ISO 4217 code; write three capital letters, e.g. currency: USD", c)
				good = false
			}
			ok = ok && good
			pr.Currency = c
		} else {
			p.addf(ip+".currency", keyNode(f, item), "missing; add the price's ISO currency, e.g. currency: USD")
			ok = false
		}
		if ok {
			out = append(out, pr)
		}
	}
	return out
}

// subscriptionThresholds reads subscription_thresholds:
// [{vendor: Slack, sku: plus, activity_threshold_days: 14}].
func (p *configParser) subscriptionThresholds(n *yaml.Node) []transform.SubscriptionThreshold {
	const path = "subscription_thresholds"
	seq := resolveAlias(n)
	if seq.Kind != yaml.SequenceNode {
		p.addf(path, n, "must be a list of entries like - {vendor: Slack, sku: plus, activity_threshold_days: 14}")
		return nil
	}
	var out []transform.SubscriptionThreshold
	for i, item := range seq.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		m := resolveAlias(item)
		if m.Kind != yaml.MappingNode {
			p.addf(ip, item, "must be a mapping like {vendor: Slack, sku: plus, activity_threshold_days: 14}")
			continue
		}
		fields := p.fields(m, ip, configThresholdKeys, nil)
		ct, vendor, sku, ok := p.matchFields(fields, ip, item)
		st := transform.SubscriptionThreshold{ConnectorType: ct, Vendor: vendor, SKU: sku}
		if f, has := fields["activity_threshold_days"]; has && !isNull(f.val) {
			v, good := p.intValue(f.val, ip+".activity_threshold_days", "activity_threshold_days: 14")
			if good && (v < 1 || v > configMaxThresholdDays) {
				p.addf(ip+".activity_threshold_days", f.val, "must be between 1 and %d days, e.g. activity_threshold_days: 14", configMaxThresholdDays)
				good = false
			}
			ok = ok && good
			st.Days = v
		} else {
			p.addf(ip+".activity_threshold_days", keyNode(f, item), "missing; add the days within which a seat counts as used, e.g. activity_threshold_days: 14")
			ok = false
		}
		if ok {
			out = append(out, st)
		}
	}
	return out
}

func (p *configParser) floatValue(n *yaml.Node, path, example string) (float64, bool) {
	r := resolveAlias(n)
	text := ""
	switch {
	case r.Kind == yaml.ScalarNode && (r.ShortTag() == "!!int" || r.ShortTag() == "!!float"):
		text = r.Value
	case r.Kind == yaml.ScalarNode && r.ShortTag() == "!!str":
		s, ok := p.expand(r, path)
		if !ok {
			return 0, false
		}
		text = strings.TrimSpace(s)
	}
	if v, err := strconv.ParseFloat(text, 64); text != "" && err == nil {
		return v, true
	}
	p.addf(path, n, "must be a number, e.g. %s", example)
	return 0, false
}
