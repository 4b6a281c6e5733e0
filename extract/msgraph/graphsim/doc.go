// Package graphsim is a simulated Microsoft Graph serving several Entra
// tenants drawn from one synthetic organisation, for the microsoft365 and
// entra connectors' tests and for `saaspipe demo`.
//
// In: a *synth.Org and Options (tenants with their people, premium or not,
// concealed reports or not, credentials, token lifetimes; injected faults).
// Out: a loopback HTTP server answering what the connectors call, with real
// paths, query options, headers, paging and error bodies:
//
//	POST /{tenant}/oauth2/v2.0/token                   client credentials; tokens are bound to their tenant
//	GET  /v1.0/users                                    $select, $top, $skiptoken, $expand=manager($select=id), $filter endswith(userPrincipalName,…) with $count and ConsistencyLevel
//	GET  /v1.0/groups, /v1.0/servicePrincipals          $select, $top, $skiptoken
//	GET  /v1.0/servicePrincipals/{id}/appRoleAssignedTo $top, $skiptoken
//	GET  /v1.0/subscribedSkus, /v1.0/organization       $select
//	GET  /v1.0/reports/getOffice365ActiveUserDetail(period='D7|D30|D90|D180')
//	                                                    302 to a pre-authenticated CSV on a second listener that refuses an Authorization header
//
// A tenant without Entra ID P1/P2 answers a selection of signInActivity
// with 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant; a tenant
// with concealed reports hashes user names in the report. Anything a real
// tenant would reject or the simulator does not model is answered with
// Graph's error and recorded in Unexpected, so tests fail loudly; Expected
// is the ground truth in the connectors' source-id conventions.
//
// Payload shapes follow ../shared/vendor-samples/msgraph/. Which people hold
// an account in a tenant, their user principal names, licenses, groups and
// assignments are derived deterministically from the org inside this package.
package graphsim
