// Package extract defines the connector contract: what a connector type
// declares (settings, entities, capabilities) and what a configured instance
// does at run time (check its credentials, fetch each entity into a Sink).
//
// In: a connector instance's resolved settings and an Env holding the shared
// HTTP layer factory and a logger. Out: Records (source id + raw JSON exactly
// as the vendor sent it) pushed into a Sink per entity, and for incremental
// entities the cursor to store once the staged file is durably in place.
//
// Vendor packages live under extract/<type>/ and import this package; this
// package imports none of them. The explicit list of types is in
// extract/registry.
package extract
