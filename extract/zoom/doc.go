// Package zoom is the connector type "zoom": Zoom Workplace read through the
// Zoom REST API v2 with a Server-to-Server OAuth app.
//
// In: an instance's settings (account id, the app's client id and secret,
// the activity window) and the pipeline's Env (HTTP layer factory, clock,
// logger, capability reports). Out: one Record per vendor record, its JSON
// exactly as Zoom sent it, for users (GET /users for each of the statuses
// active, inactive and pending; a user's type is its license), subscriptions
// (each plan of GET /accounts/me/plans/usage, source id the plan's key,
// "plan_base" or "plan_webinar/<type>"), and activity (sign-in and sign-out
// events of GET /report/activities, incremental with an overlap window,
// source id composed from the event's fields since Zoom gives it none).
// license_assignments are mapped in SQL from the users' records (type 2 =
// licensed holds a seat of the base plan), so they have no call of their own.
//
// Paging follows next_page_token. Zoom expires a token after 15 minutes; a
// listing whose token expired (error code 300) restarts from its first page
// and emits only records it has not emitted yet. Rate limits are read from
// X-RateLimit-* and Retry-After (httpx.ZoomPolicy). Field mapping is left to
// sql/staging/zoom__<entity>.sql.
//
// The simulated account used by the tests and the demo is in zoomsim.
package zoom
