// Package entra is the connector type "entra": the Microsoft Entra ID
// directory of one tenant, read through Microsoft Graph.
//
// In: an instance's settings (msgraph.Settings) and the pipeline's Env.
// Out: one Record per vendor record, its JSON as Graph sent it, for the
// entities
//
//   - users: GET /users with organisational attributes (department, job
//     title, company, employee id, cost center, office, country), the
//     manager's id ($expand=manager($select=id)), account state, member or
//     guest, creation, on-premises sync fields, and proxyAddresses and
//     otherMails as aliases (source id = user id);
//   - groups: GET /groups (source id = group id);
//   - applications: the service principals that are single sign-on
//     applications, the Entra counterpart of Okta's app catalogue (source
//     id = service principal id);
//   - app_assignments: GET /servicePrincipals/{id}/appRoleAssignedTo for
//     each of them (source id = "<servicePrincipalId>/<assignmentId>").
//
// Check reads the organization resource and fails unless it is the
// configured tenant. Field mapping is left to sql/staging/entra__<entity>.sql;
// the simulated Graph is msgraph/graphsim.
package entra
