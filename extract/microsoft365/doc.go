// Package microsoft365 is the connector type "microsoft365": Microsoft 365
// licenses and usage of one tenant, read through Microsoft Graph.
//
// In: an instance's settings (msgraph.Settings plus report_period) and the
// pipeline's Env. Out: one Record per vendor record, its JSON as Graph sent
// it, for the entities
//
//   - users: GET /users with assignedLicenses, licenseAssignmentStates and,
//     where the tenant holds Entra ID P1/P2, signInActivity (source id = user
//     id). A tenant without premium answers 403
//     Authentication_RequestFromNonPremiumTenantOrB2CTenant; the connector
//     reports the last_login capability as unavailable and lists again
//     without it, so those accounts are not_monitored for sign-in rather
//     than inactive.
//   - subscriptions: GET /subscribedSkus (source id = skuId).
//   - license_assignments: derived in SQL from the users' records, one per
//     (user, SKU); no call of its own.
//   - activity: the Microsoft 365 active-user report, one record per CSV row
//     as a JSON object keyed by the header (source id = "<Report Refresh
//     Date>/<User Principal Name>", plus "/deleted/<Deleted Date>" for a
//     deleted user's row). Where the tenant conceals user names
//     in reports, the identifiers capability is reported unavailable and
//     the staging SQL leaves those rows unjoined to accounts.
//
// Field mapping is left to sql/staging/microsoft365__<entity>.sql. The
// simulated Graph used by the tests and the demo is msgraph/graphsim.
package microsoft365
