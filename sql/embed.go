package sql

import "embed"

// FS holds macros.sql, staging/*.sql, core/*.sql and history/*.sql (the
// snapshot history and diffs load builds from published snapshots).
//
//go:embed macros.sql staging/*.sql core/*.sql history/*.sql
var FS embed.FS
