// Package configs holds the example and demo configurations; the demo
// configuration is embedded into the binary.
//
// In: nothing. Out: Demo, the YAML `saaspipe demo` runs.
package configs
