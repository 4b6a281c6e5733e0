package ldap

import _ "embed"

// SchemaLDIF is the Active Directory attribute subset this connector reads,
// as an OpenLDAP cn=schema entry: the simulated domain loads it into slapd,
// and for other directories it spells out what the default attribute
// names expect.
//
//go:embed testdata/ad-schema.ldif
var SchemaLDIF []byte
