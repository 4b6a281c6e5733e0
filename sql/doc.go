// Package sql holds the transform's SQL, embedded so the binary carries the
// exact statements that built a snapshot.
//
// In: nothing at run time; the files are compiled in. Out: FS, read by
// package transform, which runs macros.sql, then each
// staging/<type>__<entity>.sql over the raw_<type>__<entity> table of that
// entity's staged records, then core/*.sql in file-name order. README.md
// documents the layering and the canonical staging contract.
package sql
