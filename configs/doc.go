// Package configs holds example configurations (YAML, not code): example.yaml
// is the starting point README.md describes. `saaspipe demo` renders its own
// configuration from the simulated vendors it starts (simulate.Config) and
// writes it beside its data as demo-config.yaml.
package configs
