package sql

import "embed"

// Catalog holds catalog/applications.csv: common SaaS applications with
// the names, domains and SSO integration keys (Okta OIN app names, Entra
// appIds) the transform merges discovered applications by. Data, not SQL:
// the transform parses it and loads it as the table app_catalog.
//
//go:embed catalog/*.csv
var Catalog embed.FS
