// Package salesforce is the connector type "salesforce": one Salesforce org
// read through the REST API's SOQL query resource.
//
// In: an instance's settings (instance URL, API version, OAuth 2.0
// credentials for the client-credentials, JWT-bearer or refresh-token flow,
// login-history window) and the pipeline's Env (HTTP layer factory, clock,
// logger). Out: one Record per SOQL result record, its JSON exactly as
// Salesforce sent it (attributes included), for the entities users (User),
// subscriptions (UserLicense and PermissionSetLicense records),
// license_assignments (PermissionSetLicenseAssign records; the staging SQL
// adds each user's profile license from users) and activity (LoginHistory,
// incremental by LoginTime with an overlap; Salesforce keeps about six
// months), plus the activity cursor. Source ids are the records' 18-character
// Ids.
//
// Every query follows nextRecordsUrl while done is false. The org's rolling
// 24-hour API allocation is read from Sforce-Limit-Info on every response
// and logged; REQUEST_LIMIT_EXCEEDED (403) is never retried: the run fails
// saying the daily allocation is spent. Field mapping is left to
// sql/staging/salesforce__<entity>.sql.
//
// The simulated org used by the tests and the demo is in sfsim.
package salesforce
