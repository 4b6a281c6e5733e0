package simulate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/saaspipe/saaspipe/synth"
)

func TestConfigKeepsSecretsOut(t *testing.T) {
	conns := []Connector{
		{Name: "okta-main", Type: "okta", Settings: map[string]any{"org_url": "https://acme.okta.com", "page_size": 200},
			Secrets: map[string]string{"api_token": "s3cr3t-value"}},
		{Name: "m365-emea", Type: "microsoft365", Settings: map[string]any{"tenant_id": "t1"},
			Secrets: map[string]string{"client_secret": "other-s3cr3t"}},
	}
	text, env, err := Config(conns, map[string]any{"concurrency": 2})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(text), "s3cr3t") {
		t.Fatalf("a secret value is in the YAML:\n%s", text)
	}
	var doc struct {
		Version     int `yaml:"version"`
		Concurrency int `yaml:"concurrency"`
		Connectors  []struct {
			Name     string         `yaml:"name"`
			Type     string         `yaml:"type"`
			Settings map[string]any `yaml:"settings"`
		} `yaml:"connectors"`
	}
	if err := yaml.Unmarshal(text, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 || doc.Concurrency != 2 || len(doc.Connectors) != 2 {
		t.Fatalf("doc = %+v", doc)
	}
	ref := doc.Connectors[1].Settings["client_secret"].(string)
	name := strings.TrimSuffix(strings.TrimPrefix(ref, "${"), "}")
	if env[name] != "other-s3cr3t" || name != "SAASPIPE_SIM_M365_EMEA_CLIENT_SECRET" {
		t.Fatalf("reference %q resolves to %q", ref, env[name])
	}
	if doc.Connectors[0].Settings["page_size"] != 200 {
		t.Fatalf("settings not kept: %v", doc.Connectors[0].Settings)
	}
}

func TestBurst(t *testing.T) {
	tests := []struct {
		b    Burst
		hits []int // of requests 1..10
	}{
		{Burst{Every: 5, Count: 2}, []int{4, 5, 9, 10}},
		{Burst{Every: 3, Count: 1}, []int{3, 6, 9}},
		{Burst{}, nil},
		{Burst{Every: 4}, nil},
	}
	for _, tt := range tests {
		var got []int
		for n := 1; n <= 10; n++ {
			if tt.b.Hit(n) {
				got = append(got, n)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.hits) {
			t.Errorf("%+v hits %v, want %v", tt.b, got, tt.hits)
		}
	}
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "<a&b>", "tab\there", "Zoë Ångström", "\u2028", "bad\xffutf8", "ctl\x01"} {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	for _, f := range []float64{0, 1, -0.1276, 40.7128, -74.006, 1e-7, 1e21, 123456789.125} {
		want, _ := json.Marshal(f)
		if got := AppendFloat(nil, f); string(got) != string(want) {
			t.Errorf("AppendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

type fakeVendor struct {
	name   string
	closed *atomic.Int32
}

func (v fakeVendor) Connectors() []Connector { return []Connector{{Name: v.name}} }
func (v fakeVendor) Close()                  { v.closed.Add(1) }

func TestStartKeepsOrderSkipsAndClosesOnError(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 1, People: 5, Date: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
	var closed atomic.Int32
	ok := func(name string, delay time.Duration) Starter {
		return func(*synth.Org) (Vendor, error) {
			time.Sleep(delay) // the later starter finishes first
			return fakeVendor{name, &closed}, nil
		}
	}
	fail := func(err error) Starter { return func(*synth.Org) (Vendor, error) { return nil, err } }
	unavailable := fmt.Errorf("no slapd: %w", ErrUnavailable)

	g, err := Start(org, ok("a", 20*time.Millisecond), fail(unavailable), ok("b", 0))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range g.Connectors() {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"a", "b"}) || len(g.Skipped) != 1 || !errors.Is(g.Skipped[0], ErrUnavailable) {
		t.Fatalf("connectors %v, skipped %v; want [a b] and the unavailable one", names, g.Skipped)
	}
	g.Close()
	if closed.Load() != 2 {
		t.Fatalf("%d vendors closed, want 2", closed.Load())
	}

	closed.Store(0)
	first, second := errors.New("first"), errors.New("second")
	if _, err := Start(org, ok("a", 0), fail(first), ok("b", 0), fail(second)); err != first {
		t.Fatalf("Start error %v, want the first starter's in order", err)
	}
	if closed.Load() != 2 {
		t.Fatalf("%d started vendors closed after the failure, want 2", closed.Load())
	}
}

// TestPageBuffers: a returned page buffer builds a later page of at most its
// size, a larger page gets a new one, a huge one is not kept, and Get and
// Put are safe from many handlers at once (run under -race in CI).
func TestPageBuffers(t *testing.T) {
	for len(pageBuffers) > 0 {
		<-pageBuffers
	}
	b := append(PageBuffer(100), "page one"...)
	PutPageBuffer(b)
	if c := PageBuffer(64); len(c) != 0 || cap(c) < 100 || &c[:1][0] != &b[:1][0] {
		t.Fatalf("PageBuffer(64) after a 100-byte page was returned: len %d cap %d, not the returned buffer", len(c), cap(c))
	}
	PutPageBuffer(b)
	if c := PageBuffer(1000); cap(c) < 1000 || len(c) != 0 {
		t.Fatalf("PageBuffer(1000) = len %d cap %d", len(c), cap(c))
	}
	PutPageBuffer(make([]byte, 0, maxPooledPage+1))
	if len(pageBuffers) != 0 {
		t.Fatalf("a %d-byte buffer was kept", maxPooledPage+1)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				p := PageBuffer(64 + j)
				p = append(p, byte(i))
				if len(p) != 1 || p[0] != byte(i) {
					t.Errorf("buffer shared while in use")
				}
				PutPageBuffer(p)
			}
		})
	}
	wg.Wait()
}

// slowVendor finishes starting in the background: Ready waits for ready and
// returns err.
type slowVendor struct {
	fakeVendor
	ready chan struct{}
	err   error
}

func (v *slowVendor) Ready() error {
	<-v.ready
	return v.err
}

// TestLaunchAndReady: Launch returns while a Readier vendor is still
// starting; Group.Ready waits for the vendor serving the named instance
// only, gives up when its context ends, and passes the vendor's failure
// on; Start waits for every Readier and fails, closing the vendors, when
// one cannot start.
func TestLaunchAndReady(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 1, People: 5, Date: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
	var closed atomic.Int32
	slow := &slowVendor{fakeVendor: fakeVendor{"ad", &closed}, ready: make(chan struct{})}
	starters := []Starter{
		func(*synth.Org) (Vendor, error) { return fakeVendor{"okta", &closed}, nil },
		func(*synth.Org) (Vendor, error) { return slow, nil },
	}
	g, err := Launch(org, starters...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := g.Ready(ctx, "okta"); err != nil {
		t.Errorf("Ready(okta) = %v; a vendor without Ready serves from Launch", err)
	}
	if err := g.Ready(ctx, "nobody"); err != nil {
		t.Errorf("Ready(nobody) = %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.Ready(short, "ad"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Ready(ad) while starting = %v, want the context's deadline", err)
	}
	close(slow.ready)
	if err := g.Ready(ctx, "ad"); err != nil {
		t.Errorf("Ready(ad) once started = %v", err)
	}
	g.Close()

	failed := &slowVendor{fakeVendor: fakeVendor{"ad", &closed}, ready: make(chan struct{}), err: errors.New("slapd exited")}
	close(failed.ready)
	closed.Store(0)
	if _, err := Start(org, starters[0], func(*synth.Org) (Vendor, error) { return failed, nil }); err != failed.err {
		t.Fatalf("Start with a vendor failing to start: %v", err)
	}
	if closed.Load() != 2 {
		t.Errorf("%d vendors closed after the failure, want 2", closed.Load())
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote`, "<a&b>", "Zoë", "\u2028", "bad\xff", "ctl\x01", "\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// BenchmarkAppendString appends the kinds of strings the simulators write
// most: ids, e-mail addresses, timestamps and display names.
func BenchmarkAppendString(b *testing.B) {
	strs := []string{"00u1dnq5S0CfjlkpABCD", "alice.johnson@acme.example", "2026-11-28T10:00:00.123Z", "Alice Johnson", "user.authentication.sso", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"}
	n := 0
	for _, s := range strs {
		n += len(s)
	}
	b.SetBytes(int64(n))
	buf := make([]byte, 0, 1024)
	for b.Loop() {
		buf = buf[:0]
		for _, s := range strs {
			buf = AppendString(buf, s)
		}
	}
}
