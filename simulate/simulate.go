package simulate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/saaspipe/saaspipe/synth"
)

// Connector is one connector instance configured against a simulated vendor.
type Connector struct {
	Name string
	Type string
	// Settings are the non-secret settings, as they would be written in YAML.
	Settings map[string]any
	// Secrets are the secret settings; configs reference them as ${ENV}.
	Secrets map[string]string
}

// Vendor is a running set of simulated tenants of one vendor.
type Vendor interface {
	Connectors() []Connector
	Close()
}

// Starter starts a vendor's simulated tenants serving org on loopback.
type Starter func(org *synth.Org) (Vendor, error)

// Config renders a saaspipe config for connectors: secrets become ${ENV}
// references, returned with their values in env, so the YAML itself holds
// no secret and goes through the same loader as a user's file.
func Config(connectors []Connector, extra map[string]any) (yamlText []byte, env map[string]string, err error) {
	env = map[string]string{}
	var entries []map[string]any
	for _, c := range connectors {
		settings := map[string]any{}
		for k, v := range c.Settings {
			settings[k] = v
		}
		keys := make([]string, 0, len(c.Secrets))
		for k := range c.Secrets {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := envName(c.Name, k)
			env[name] = c.Secrets[k]
			settings[k] = "${" + name + "}"
		}
		entries = append(entries, map[string]any{"name": c.Name, "type": c.Type, "settings": settings})
	}
	doc := map[string]any{"version": 1, "connectors": entries}
	for k, v := range extra {
		doc[k] = v
	}
	yamlText, err = yaml.Marshal(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("rendering the simulated vendors' config: %w", err)
	}
	return yamlText, env, nil
}

func envName(connector, setting string) string {
	up := strings.ToUpper(connector + "_" + setting)
	return "SAASPIPE_SIM_" + strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, up)
}

// ErrUnavailable is wrapped by a Starter whose simulator needs software this
// machine lacks (the LDAP simulator runs a real slapd): Start skips it and
// reports why instead of failing.
var ErrUnavailable = errors.New("simulator unavailable on this machine")

// Group runs several vendors and closes them together.
type Group struct {
	Vendors []Vendor
	// Skipped explains each starter that was unavailable here.
	Skipped []error
}

// Readier is a Vendor that finishes starting in the background: its
// Connectors answer at once, and Ready blocks until it serves them, or
// says why it cannot (the LDAP simulator loading and starting slapd).
type Readier interface {
	Ready() error
}

// Start starts every starter, all at once (each builds its tenants from
// org, and the LDAP one waits for a slapd to load them), and lists the
// vendors in the starters' order, each serving. On error the ones started
// are closed and the first error in that order is returned. A starter
// failing with ErrUnavailable is skipped and listed in Skipped.
func Start(org *synth.Org, starters ...Starter) (*Group, error) {
	g, err := Launch(org, starters...)
	if err != nil {
		return nil, err
	}
	for _, v := range g.Vendors {
		if r, ok := v.(Readier); ok {
			if err := r.Ready(); err != nil {
				g.Close()
				return nil, err
			}
		}
	}
	return g, nil
}

// Launch is Start without waiting for the vendors that finish starting in
// the background (Readier): a caller connects an instance after Ready
// returns nil for it. The demo extracts the other vendors meanwhile.
func Launch(org *synth.Org, starters ...Starter) (*Group, error) {
	vendors := make([]Vendor, len(starters))
	errs := make([]error, len(starters))
	var wg sync.WaitGroup
	for i, s := range starters {
		wg.Go(func() { vendors[i], errs[i] = s(org) })
	}
	wg.Wait()
	g := &Group{}
	var failed error
	for i, err := range errs {
		switch {
		case errors.Is(err, ErrUnavailable):
			g.Skipped = append(g.Skipped, err)
		case err != nil:
			failed = cmp.Or(failed, err)
		default:
			g.Vendors = append(g.Vendors, vendors[i])
		}
	}
	if failed != nil {
		g.Close()
		return nil, failed
	}
	return g, nil
}

// Ready waits until the vendor serving the connector instance named
// connector serves it, or ctx ends. Instances of vendors that are not a
// Readier, and names no vendor serves, are ready at once.
func (g *Group) Ready(ctx context.Context, connector string) error {
	for _, v := range g.Vendors {
		r, ok := v.(Readier)
		if !ok || !slices.ContainsFunc(v.Connectors(), func(c Connector) bool { return c.Name == connector }) {
			continue
		}
		done := make(chan error, 1)
		go func() { done <- r.Ready() }()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Connectors lists every vendor's connector instances.
func (g *Group) Connectors() []Connector {
	var out []Connector
	for _, v := range g.Vendors {
		out = append(out, v.Connectors()...)
	}
	return out
}

// Close stops every vendor.
func (g *Group) Close() {
	for _, v := range g.Vendors {
		v.Close()
	}
}

// AccountKey names one account a simulated vendor serves: its connector
// type and its source id (unique within the type across the simulated
// tenants of one org).
type AccountKey struct {
	ConnectorType string
	SourceID      string
}

// Owners is implemented by vendors that know whose each account they serve
// is: the index of its person in the synthetic org, or -1 for an account
// that is no person (a bot, an integration, a shared mailbox, an external
// guest). Tests score identity resolution against it.
type Owners interface {
	AccountOwners() map[AccountKey]int
}

// Seats is a subscription's truth: seats bought (-1 when the vendor states
// none) and seats held.
type Seats struct {
	Purchased, Assigned int
}

// SeatCounter is implemented by vendors that know the seats of each
// subscription they serve, keyed by connector type and the subscription's
// source id. Tests check published utilisation against it.
type SeatCounter interface {
	SeatTruth() map[AccountKey]Seats
}

// Burst is the simulators' deterministic fault schedule: Count consecutive
// faults at the end of every window of Every requests (Every 5, Count 2:
// requests 4, 5, 9, 10 … fail), so the first request of a run succeeds and a
// client retrying at least Count times gets through. Zero Every disables it.
type Burst struct {
	Every int
	Count int
}

// Hit reports whether the nth request (1-based) falls in a burst.
func (b Burst) Hit(n int) bool {
	return b.Every > 0 && b.Count > 0 && (n-1)%b.Every >= b.Every-b.Count
}
