package ldap_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/ldap"
	"github.com/saaspipe/saaspipe/extract/ldap/ldapsim"
	"github.com/saaspipe/saaspipe/synth"
)

var orgDate = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

// The org is generated once: several thousand people, so that a users
// listing takes several pages.
var testOrg = sync.OnceValue(func() *synth.Org {
	return synth.Generate(synth.Params{Seed: 7, People: 3000, Date: orgDate})
})

// startSim starts a simulated domain, skipping without slapd unless CI=true
// makes the LDAP tests mandatory.
func startSim(t testing.TB, opts ldapsim.Options) *ldapsim.Server {
	t.Helper()
	s, err := ldapsim.Start(testOrg(), opts)
	if errors.Is(err, ldapsim.ErrNoSlapd) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true makes the tests against a real LDAP server mandatory)", err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// settings points an instance at s over plain loopback LDAP.
func settings(s *ldapsim.Server, extra map[string]any) extract.Settings {
	m := extract.Settings{"url": s.URL(), "allow_insecure": true, "bind_dn": s.BindDN(),
		"bind_password": s.Password(), "base_dn": s.BaseDN()}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func newConnector(t testing.TB, s extract.Settings) extract.Connector {
	t.Helper()
	c, err := ldap.New(extract.Instance{Name: "ad", Type: "ldap", Settings: s}, extract.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type record struct {
	DN         string              `json:"dn"`
	Attributes map[string][]string `json:"attributes"`
	Binary     []string            `json:"binary"`
	Mapped     map[string]any      `json:"mapped"`
}

// fetch runs one entity and decodes its records by source id, failing on a
// source id emitted twice.
func fetch(t testing.TB, c extract.Connector, entity string) map[string]record {
	t.Helper()
	out := map[string]record{}
	for _, e := range c.Entities() {
		if e.Name != entity {
			continue
		}
		_, err := e.Fetch(context.Background(), "", extract.SinkFunc(func(_ context.Context, r extract.Record) error {
			if _, dup := out[r.SourceID]; dup {
				t.Errorf("source id %s emitted twice", r.SourceID)
			}
			var rec record
			if err := json.Unmarshal(r.Payload, &rec); err != nil {
				t.Fatalf("record %s: %v", r.SourceID, err)
			}
			out[r.SourceID] = rec
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("no entity %s", entity)
	return nil
}

// TestUsersPaged lists several thousand users in pages of 400 from a server
// that refuses more than 500 entries to an unpaged search, and checks every
// user against the simulator's truth.
func TestUsersPaged(t *testing.T) {
	s := startSim(t, ldapsim.Options{SizeLimit: 500})
	users := s.Users()
	if len(users) < 2000 {
		t.Fatalf("simulated domain holds %d users, want thousands", len(users))
	}

	// The server really limits an unpaged search: paging is what gets
	// everyone.
	conn, err := goldap.DialURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind(s.BindDN(), s.Password()); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Search(goldap.NewSearchRequest(s.BaseDN(), goldap.ScopeWholeSubtree, 0, 0, 0, false, ldap.DefaultUserFilter, []string{"cn"}, nil))
	if !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
		t.Fatalf("unpaged search of %d users: err = %v, want size limit exceeded", len(users), err)
	}

	const pageSize = 400
	c := newConnector(t, settings(s, map[string]any{"page_size": pageSize}))
	if got, want := c.Tenant(), s.Tenant(); got != want {
		t.Errorf("Tenant() = %q, want %q", got, want)
	}
	got := fetch(t, c, extract.Users)
	if len(got) != len(users) {
		t.Errorf("emitted %d users, want %d", len(got), len(users))
	}
	if pages, want := ldap.UserPages(c), (len(users)+pageSize-1)/pageSize; pages != want {
		t.Errorf("users listing took %d pages, want %d", pages, want)
	}
	var leavers, managed, noMail int
	for _, u := range users {
		r, ok := got[u.GUID]
		if !ok {
			t.Errorf("user %s (%s) not emitted", u.GUID, u.DN)
			continue
		}
		if !strings.EqualFold(r.DN, u.DN) {
			t.Errorf("user %s: dn %q, want %q", u.GUID, r.DN, u.DN)
		}
		if r.Mapped["objectGUID"] != u.GUID {
			t.Errorf("user %s: mapped objectGUID %v", u.GUID, r.Mapped["objectGUID"])
		}
		if mg, _ := r.Mapped["managerObjectGUID"].(string); mg != u.ManagerGUID {
			t.Errorf("user %s: managerObjectGUID %q, want %q", u.GUID, mg, u.ManagerGUID)
		}
		if u.ManagerGUID != "" {
			managed++
		}
		wantLeaver := u.Status == ldapsim.StatusDeprovisioned
		if r.Mapped["inLeaverOU"] != wantLeaver {
			t.Errorf("user %s (%s): inLeaverOU %v, want %v", u.GUID, u.DN, r.Mapped["inLeaverOU"], wantLeaver)
		}
		if wantLeaver {
			leavers++
		}
		if _, has := r.Mapped["mail"]; has != u.Mail {
			t.Errorf("user %s: mail present %v, want %v", u.GUID, has, u.Mail)
		}
		if !u.Mail {
			noMail++
		}
		if u.LastLogon.IsZero() != (r.Mapped["lastLogonTimestamp"] == nil) {
			t.Errorf("user %s: lastLogonTimestamp %v, truth %v", u.GUID, r.Mapped["lastLogonTimestamp"], u.LastLogon)
		} else if !u.LastLogon.IsZero() {
			at, err := time.Parse(time.RFC3339Nano, r.Mapped["lastLogonTimestamp"].(string))
			if err != nil || !at.Equal(u.LastLogon.Truncate(100*time.Nanosecond)) {
				t.Errorf("user %s: lastLogonTimestamp %v (%v), want %v", u.GUID, at, err, u.LastLogon)
			}
		}
		if len(r.Attributes["objectGUID"]) != 1 || !containsFold(r.Binary, "objectGUID") {
			t.Errorf("user %s: raw objectGUID %v not kept as binary (binary=%v)", u.GUID, r.Attributes["objectGUID"], r.Binary)
		}
	}
	// The truth must exercise each case, or the checks above prove little.
	if leavers == 0 || managed < len(users)/2 || noMail == 0 {
		t.Errorf("weak fixture: %d leavers, %d with managers, %d without mail", leavers, managed, noMail)
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func TestGroups(t *testing.T) {
	s := startSim(t, ldapsim.Options{})
	got := fetch(t, newConnector(t, settings(s, map[string]any{"page_size": 5})), extract.Groups)
	want := s.Groups()
	if len(got) != len(want) {
		t.Errorf("emitted %d groups, want %d", len(got), len(want))
	}
	for _, g := range want {
		r, ok := got[g.GUID]
		if !ok {
			t.Errorf("group %s (%s) not emitted", g.GUID, g.Name)
			continue
		}
		if r.Mapped["cn"] != g.Name || r.Mapped["groupType"] == nil || r.Mapped["whenCreated"] == nil {
			t.Errorf("group %s: mapped %v", g.Name, r.Mapped)
		}
	}
}

// TestAttributeMap reads the same domain as a non-AD directory would be
// read: ids from OpenLDAP's entryUUID, creation from createTimestamp.
func TestAttributeMap(t *testing.T) {
	s := startSim(t, ldapsim.Options{})
	c := newConnector(t, settings(s, map[string]any{
		"attribute_map": []string{"objectGUID=entryUUID", "whenCreated=createTimestamp", "sAMAccountName=cn"},
		"user_filter":   "(&(objectClass=organizationalPerson)(employeeID=*))",
	}))
	got := fetch(t, c, extract.Users)
	if len(got) != len(s.Users()) {
		t.Fatalf("emitted %d users, want %d", len(got), len(s.Users()))
	}
	guids := map[string]bool{}
	for _, u := range s.Users() {
		guids[u.GUID] = true
	}
	for id, r := range got {
		if guids[id] {
			t.Fatalf("source id %s is the objectGUID, not entryUUID", id)
		}
		if r.Mapped["objectGUID"] != id || len(r.Attributes["entryUUID"]) != 1 || r.Attributes["entryUUID"][0] != id {
			t.Fatalf("record %s: entryUUID %v, mapped id %v", id, r.Attributes["entryUUID"], r.Mapped["objectGUID"])
		}
		if r.Mapped["sAMAccountName"] != r.Attributes["cn"][0] {
			t.Fatalf("record %s: sAMAccountName %v, want cn %v", id, r.Mapped["sAMAccountName"], r.Attributes["cn"])
		}
		if _, err := time.Parse(time.RFC3339, r.Mapped["whenCreated"].(string)); err != nil {
			t.Fatalf("record %s: whenCreated from createTimestamp: %v", id, err)
		}
		if mg, ok := r.Mapped["managerObjectGUID"].(string); ok && got[mg].DN == "" {
			t.Fatalf("record %s: manager %s resolved to an entryUUID that was not emitted", id, mg)
		}
	}
}

// TestTLS connects over LDAPS and StartTLS with the certificate of a CA
// generated for the server: verified against ca_file, refused without it,
// accepted unverified only when insecure_skip_verify says so.
func TestTLS(t *testing.T) {
	s := startSim(t, ldapsim.Options{TLS: true})
	base := map[string]any{"bind_dn": s.BindDN(), "bind_password": s.Password(), "base_dn": s.BaseDN(), "allow_insecure": false}
	tests := []struct {
		name    string
		set     map[string]any
		wantErr string
	}{
		{"ldaps verified", map[string]any{"url": s.LDAPSURL(), "ca_file": s.CAFile()}, ""},
		{"starttls verified", map[string]any{"url": s.URL(), "start_tls": true, "ca_file": s.CAFile()}, ""},
		{"ldaps unknown CA", map[string]any{"url": s.LDAPSURL()}, "ca_file"},
		{"starttls unknown CA", map[string]any{"url": s.URL(), "start_tls": true}, "ca_file"},
		{"ldaps by host name", map[string]any{"url": strings.Replace(s.LDAPSURL(), "127.0.0.1", "localhost", 1), "ca_file": s.CAFile()}, ""},
		{"ldaps skip verify", map[string]any{"url": s.LDAPSURL(), "insecure_skip_verify": true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := extract.Settings{}
			for k, v := range base {
				set[k] = v
			}
			for k, v := range tt.set {
				set[k] = v
			}
			err := newConnector(t, set).Check(context.Background())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatal("Check succeeded; want a certificate error")
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Check: %v; want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

// TestWrongCredentials: a rejected bind names the server, the account and
// the settings to fix, and never the password; a fetch fails the same way.
func TestWrongCredentials(t *testing.T) {
	s := startSim(t, ldapsim.Options{})
	const wrong = "Tr0ub4dor&3-wrong"
	tests := []struct{ name, bindDN, password string }{
		{"wrong password", s.BindDN(), wrong},
		{"unknown account", "CN=nobody,OU=Service Accounts," + s.BaseDN(), wrong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConnector(t, settings(s, map[string]any{"bind_dn": tt.bindDN, "bind_password": tt.password}))
			errs := []error{c.Check(context.Background())}
			for _, e := range c.Entities() {
				_, err := e.Fetch(context.Background(), "", extract.SinkFunc(func(context.Context, extract.Record) error {
					t.Error("a record was emitted without a valid bind")
					return nil
				}))
				errs = append(errs, err)
			}
			for _, err := range errs {
				if err == nil {
					t.Fatal("no error with wrong credentials")
				}
				msg := err.Error()
				for _, want := range []string{s.URL(), tt.bindDN, "bind_password", "Invalid Credentials"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not mention %q", msg, want)
					}
				}
				if strings.Contains(msg, tt.password) || strings.Contains(msg, s.Password()) {
					t.Errorf("error %q reveals a password", msg)
				}
			}
		})
	}
}

// TestFetchStops: an error from the sink ends the fetch with that error,
// and a cancelled context ends it with the context's error.
func TestFetchStops(t *testing.T) {
	s := startSim(t, ldapsim.Options{})
	c := newConnector(t, settings(s, map[string]any{"page_size": 100}))
	users := c.Entities()[0]
	full := errors.New("disk full")
	n := 0
	_, err := users.Fetch(context.Background(), "", extract.SinkFunc(func(context.Context, extract.Record) error {
		n++
		if n == 150 {
			return full
		}
		return nil
	}))
	if !errors.Is(err, full) || n != 150 {
		t.Errorf("sink error: fetch returned %v after %d records", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n = 0
	_, err = users.Fetch(ctx, "", extract.SinkFunc(func(context.Context, extract.Record) error {
		n++
		if n == 10 {
			cancel()
		}
		return nil
	}))
	if !errors.Is(err, context.Canceled) || n > 100 {
		t.Errorf("cancelled: fetch returned %v after %d records", err, n)
	}
}

// TestCapabilityReport: the users fetch says last logon is available and
// why it may lag.
func TestCapabilityReport(t *testing.T) {
	s := startSim(t, ldapsim.Options{})
	var got []string
	c, err := ldap.New(extract.Instance{Name: "ad", Type: "ldap", Settings: settings(s, nil)}, extract.Env{
		Capability: func(name string, available bool, reason string) {
			if available && strings.Contains(reason, "14 days") {
				got = append(got, name)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	fetch(t, c, extract.Users)
	if len(got) != 1 || got[0] != extract.CapLastLogin {
		t.Errorf("capability reports %v, want [%s]", got, extract.CapLastLogin)
	}
}

func BenchmarkFetchUsers(b *testing.B) {
	s := startSim(b, ldapsim.Options{})
	c := newConnector(b, settings(s, nil))
	users := c.Entities()[0]
	n := 0
	b.ResetTimer()
	for b.Loop() {
		n = 0
		if _, err := users.Fetch(context.Background(), "", extract.SinkFunc(func(context.Context, extract.Record) error {
			n++
			return nil
		})); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "users/op")
}
