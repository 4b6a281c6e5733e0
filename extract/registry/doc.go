// Package registry is the one explicit list of connector types. Adding a
// connector type is one line here; TestRegistry walks the list and checks
// every declaration (settings, entities, staging SQL, capabilities).
//
// In: nothing. Out: []extract.Type in a fixed order, and lookup by name.
package registry
