// Package okta is the connector type "okta": Okta Workforce Identity read
// through the Okta Management API.
//
// In: an instance's settings (org URL, API token, System Log window) and the
// pipeline's Env (HTTP layer factory, clock). Out: one Record per vendor
// record, its JSON exactly as Okta sent it, for the entities users (every
// status, DEPROVISIONED included), groups, applications, app_assignments
// (source id "<appId>/<userId>") and activity (System Log sign-in events,
// incremental, source id = event uuid), plus the activity cursor.
//
// Paging follows only Okta's Link rel="next" headers; the connector builds
// the first URL of each listing and never another. Field mapping is left to
// sql/staging/okta__<entity>.sql.
//
// The simulated org used by the tests and the demo is in oktasim.
package okta
