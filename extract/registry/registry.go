package registry

import (
	"sort"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/entra"
	"github.com/saaspipe/saaspipe/extract/googleworkspace"
	"github.com/saaspipe/saaspipe/extract/ldap"
	"github.com/saaspipe/saaspipe/extract/microsoft365"
	"github.com/saaspipe/saaspipe/extract/okta"
	"github.com/saaspipe/saaspipe/extract/salesforce"
	"github.com/saaspipe/saaspipe/extract/slack"
	"github.com/saaspipe/saaspipe/extract/zoom"
)

// Types returns every connector type, sorted by name.
func Types() []extract.Type {
	types := []extract.Type{
		okta.Type,
		ldap.Type,
		googleworkspace.Type,
		zoom.Type,
		salesforce.Type,
		slack.Type,
		microsoft365.Type,
		entra.Type,
	}
	sort.Slice(types, func(i, j int) bool { return types[i].Name < types[j].Name })
	return types
}

// Lookup finds a type by name.
func Lookup(name string) (extract.Type, bool) {
	for _, t := range Types() {
		if t.Name == name {
			return t, true
		}
	}
	return extract.Type{}, false
}
