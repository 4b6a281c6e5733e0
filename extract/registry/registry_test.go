package registry

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"github.com/saaspipe/saaspipe/extract"
	sqlfiles "github.com/saaspipe/saaspipe/sql"
)

var (
	typeName   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	knownEnt   = []string{extract.Users, extract.Groups, extract.Applications, extract.AppAssignments, extract.Subscriptions, extract.LicenseAssignments, extract.Activity, extract.Org}
	knownKinds = []extract.SettingKind{extract.KindString, extract.KindURL, extract.KindInt, extract.KindFloat, extract.KindBool, extract.KindDuration, extract.KindList}
)

// TestRegistry walks every registered type and checks its declaration: this
// is what "one line in the registry" relies on.
func TestRegistry(t *testing.T) {
	types := Types()
	if len(types) == 0 {
		t.Fatal("no connector types registered")
	}
	seen := map[string]bool{}
	for _, typ := range types {
		t.Run(typ.Name, func(t *testing.T) {
			if !typeName.MatchString(typ.Name) || seen[typ.Name] {
				t.Fatalf("type name %q is not a unique lower_snake name", typ.Name)
			}
			seen[typ.Name] = true
			if typ.Vendor == "" || typ.Product == "" || typ.Doc == "" || typ.New == nil {
				t.Errorf("vendor, product, doc and New must all be set: %+v", typ)
			}
			names := map[string]bool{}
			hasURL := false
			for _, s := range typ.Settings {
				hasURL = hasURL || s.Kind == extract.KindURL
				if names[s.Name] {
					t.Errorf("setting %q declared twice", s.Name)
				}
				names[s.Name] = true
				if !slices.Contains(knownKinds, s.Kind) {
					t.Errorf("setting %q has unknown kind %q", s.Name, s.Kind)
				}
				if s.Help == "" {
					t.Errorf("setting %q has no help text", s.Name)
				}
				if s.Secret && s.Default != nil {
					t.Errorf("secret setting %q has a default", s.Name)
				}
			}
			// Every connector can be pointed elsewhere: regions, sovereign
			// clouds, gateways, simulators (base_url via extract.HTTPSettings,
			// graph_url, an LDAP url).
			if !hasURL {
				t.Errorf("no url setting saying where the connector connects")
			}
			if len(typ.Entities) == 0 {
				t.Fatal("no entities declared")
			}
			for _, e := range typ.Entities {
				if !slices.Contains(knownEnt, e.Name) {
					t.Errorf("entity %q is not one of %v", e.Name, knownEnt)
				}
				if len(e.Calls) == 0 || len(e.Fields) == 0 {
					t.Errorf("entity %q must list its API calls and the fields it keeps", e.Name)
				}
				file := "staging/" + typ.Name + "__" + e.Name + ".sql"
				if _, err := fs.Stat(sqlfiles.FS, file); err != nil {
					t.Errorf("entity %q has no staging SQL %s", e.Name, file)
				}
			}
			if len(typ.Permissions) == 0 {
				t.Error("no permissions declared: say what the vendor account must be granted")
			}
			if typ.Capabilities == (extract.Capabilities{}) {
				t.Error("no capabilities declared")
			}
		})
	}
}

func TestLookup(t *testing.T) {
	for _, typ := range Types() {
		got, ok := Lookup(typ.Name)
		if !ok || got.Name != typ.Name {
			t.Errorf("Lookup(%q) = %v, %v", typ.Name, got.Name, ok)
		}
	}
	if _, ok := Lookup("no_such_vendor"); ok {
		t.Error("Lookup of an unknown type succeeded")
	}
}

// TestNoOrphanStagingSQL: every staging SQL file belongs to a declared entity
// of a registered type, so dead SQL cannot linger after a rename.
func TestNoOrphanStagingSQL(t *testing.T) {
	declared := map[string]bool{}
	for _, typ := range Types() {
		for _, e := range typ.Entities {
			declared["staging/"+typ.Name+"__"+e.Name+".sql"] = true
		}
	}
	files, err := fs.Glob(sqlfiles.FS, "staging/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !declared[f] {
			t.Errorf("%s matches no declared entity of a registered type", f)
		}
	}
}
