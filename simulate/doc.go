// Package simulate is the contract between simulated vendors and the demo
// (and any test that wants every vendor at once): a vendor's simulator
// package exports a Starter that serves the synthetic organisation on
// loopback and says which connector instances read it.
//
// In: a *synth.Org. Out: running loopback servers and the connector
// instances (type, settings, secrets) that point at them. Start returns
// with every vendor serving; Launch returns as soon as every vendor's
// instances are known, and a vendor that finishes starting in the
// background (a Readier: the LDAP simulator's slapd) serves an instance
// once Group.Ready returns nil for it.
package simulate
