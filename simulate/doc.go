// Package simulate is the contract between simulated vendors and the demo
// (and any test that wants every vendor at once): a vendor's simulator
// package exports a Starter that serves the synthetic organisation on
// loopback and says which connector instances read it.
//
// In: a *synth.Org. Out: running loopback servers and the connector
// instances (type, settings, secrets) that point at them.
package simulate
