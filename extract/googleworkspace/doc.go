// Package googleworkspace is the connector type "google_workspace": Google
// Workspace read through the Admin SDK (Directory and Reports APIs) and the
// Enterprise License Manager API.
//
// In: an instance's settings (customer id or domain, a service account's
// JSON key with domain-wide delegation, the administrator it impersonates,
// the licensing products and purchased seats) and the pipeline's Env (HTTP
// layer factory, clock, logger). Out: one Record per vendor record, its JSON
// exactly as Google sent it, for users (Directory users.list, every account
// including suspended and archived ones), license_assignments
// (licenseAssignments.listForProduct per product, source id
// "<productId>/<skuId>/<userId>") and activity (Reports login audit events,
// source id "<id.time>/<id.uniqueQualifier>", plus per-user last-activity
// observations from the user usage report, source id
// "usage/<profileId>/<time>"), incremental with an overlap window; plus
// subscriptions, one record per SKU that the connector composes from the
// license listing and the configured purchased seats (Google's customer API
// does not state seat counts outside the Reseller API), marked
// "kind": "saaspipe#googleSku" so the evidence never passes for a Google
// payload.
//
// Authentication is the two-legged JWT bearer grant (RS256) with the
// service account's key, impersonating admin_email; paging follows only
// nextPageToken. Google's 403 rateLimitExceeded, userRateLimitExceeded and
// quotaExceeded and 429 answers are retried; every other 403 is final.
// Field mapping is left to sql/staging/google_workspace__<entity>.sql.
//
// The simulated tenant used by the tests and the demo is in gwsim.
package googleworkspace
