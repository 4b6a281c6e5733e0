// Package ldapsim runs a simulated Active Directory domain for tests,
// benchmarks and the demo: a real OpenLDAP slapd on loopback.
//
// In: a *synth.Org (the shared synthetic organisation) and Options (TLS,
// server limits). Out: a running slapd with a temporary cn=config and mdb
// database, the AD schema subset of package ldap loaded, and the org laid
// out as a domain (users under OU=<department>,OU=People, contractors under
// OU=Contractors,OU=People, long-gone leavers under OU=Leavers, groups under
// OU=Groups, a service account to bind as); plus the ground truth (every
// user's objectGUID, status, manager) so tests can score the connector and
// the staging SQL exactly.
//
// The server enforces what a domain controller does to clients: no
// anonymous reads, at most Options.SizeLimit entries per search without the
// paged-results control, pages of at most Options.MaxPageSize. With
// Options.TLS it serves ldaps:// and StartTLS with a certificate from a CA
// generated for the server.
//
// slapd and slapadd come from the Debian packages slapd and ldap-utils;
// without them Start returns ErrNoSlapd. Launch returns before slapd serves
// (its ports held for it meanwhile) and Ready waits for it: the demo
// extracts the other vendors while slapd loads the directory. Everything the server holds is a
// function of the Org, so two servers built from equal orgs answer
// identically but for the service account's password, which is random.
package ldapsim
