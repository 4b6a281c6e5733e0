// Package ldap is the connector type "ldap": Active Directory, or another
// LDAP directory through attribute_map, read with github.com/go-ldap/ldap/v3.
//
// In: an instance's settings (server URL and TLS policy, service account,
// base DN, filters, page size, attribute map, leaver OUs) and the pipeline's
// Env (logger, capability reports). Out: one Record per directory entry for
// the entities users and groups, source id = objectGUID in canonical form.
//
// Every search is a subtree search under base_dn with the RFC 2696
// paged-results control (page_size, default AD's 1000); none is unbounded.
// TLS (ldaps:// or start_tls) verifies the server's certificate unless
// insecure_skip_verify is set; plain ldap:// needs allow_insecure.
//
// A record's payload is the entry as the server returned it, plus the same
// entry read in AD's vocabulary:
//
//	{
//	  "dn": "CN=Ann Lee,OU=Sales,OU=People,DC=corp,DC=example",
//	  "attributes": {"sAMAccountName": ["ann.lee"], "objectGUID": ["rk8d+Ox90BGnZQCgyR5r9g=="], …},
//	  "binary": ["objectGUID", "objectSid"],
//	  "mapped": {
//	    "objectGUID": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
//	    "objectSid": "S-1-5-21-…",
//	    "sAMAccountName": "ann.lee", "proxyAddresses": ["SMTP:ann@corp.example", "smtp:al@corp.example"],
//	    "whenCreated": "2024-01-02T03:04:05Z", "userAccountControl": 514,
//	    "accountExpires": null, "lastLogonTimestamp": "2026-03-01T08:00:00.1234567Z",
//	    "manager": "CN=Bo Chan,OU=Sales,…", "managerObjectGUID": "…",
//	    "ouPath": "People/Sales", "inLeaverOU": false, …
//	  }
//	}
//
// attributes holds every returned attribute under the server's spelling,
// each value a string; values of binary attributes (those listed in
// "binary": objectGUID, objectSid, photos, certificates, and any value that
// is not UTF-8) are base64. mapped holds the fields of the entity's spec,
// each read from its AD attribute or the attribute attribute_map names, and
// converted: single-valued text as a string, proxyAddresses and memberOf as
// lists, integers as numbers, objectGUID as a canonical GUID (16 bytes in
// Microsoft's mixed-endian order, or a textual UUID such as entryUUID),
// objectSid as S-1-…, generalized time (whenCreated) and FILETIME
// (accountExpires, lastLogonTimestamp, lockoutTime, pwdLastSet) as RFC 3339
// UTC, FILETIME 0 and 0x7FFFFFFFFFFFFFFF ("never") as null. An attribute the
// entry lacks is absent. The connector adds managerObjectGUID (the manager
// DN resolved; absent when it names no entry), ouPath (the DN's OUs from the
// top, joined by '/') and, for users, inLeaverOU (an OU of the DN is one of
// leaver_ous). A value that does not convert fails the fetch, naming the
// entry and attribute. sql/staging/ldap__<entity>.sql maps mapped to the
// canonical contract; status and expiry are decided there.
//
// The simulated domain used by the tests and the demo is in ldapsim: a real
// slapd loaded with testdata/ad-schema.ldif (SchemaLDIF).
package ldap
