package sql

import "embed"

// FS holds macros.sql, staging/*.sql and core/*.sql.
//
//go:embed macros.sql staging/*.sql core/*.sql
var FS embed.FS
