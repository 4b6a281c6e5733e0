// Package vendors is the one list of simulated vendors: the demo, the bench
// command and whole-system tests start them from here. A new connector type
// adds its simulator's Starter here, beside its line in extract/registry.
//
// In: nothing. Out: All, the starters in a fixed order.
package vendors

import (
	"github.com/saaspipe/saaspipe/extract/googleworkspace/gwsim"
	"github.com/saaspipe/saaspipe/extract/ldap/ldapsim"
	"github.com/saaspipe/saaspipe/extract/msgraph/graphsim"
	"github.com/saaspipe/saaspipe/extract/okta/oktasim"
	"github.com/saaspipe/saaspipe/extract/salesforce/sfsim"
	"github.com/saaspipe/saaspipe/extract/slack/slacksim"
	"github.com/saaspipe/saaspipe/extract/zoom/zoomsim"
	"github.com/saaspipe/saaspipe/simulate"
)

// All starts every simulated vendor.
var All = []simulate.Starter{
	oktasim.Demo,
	ldapsim.Demo,
	gwsim.Demo,
	zoomsim.Demo,
	sfsim.Demo,
	slacksim.Demo,
	graphsim.Demo,
}
