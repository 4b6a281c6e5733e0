// Package zoomsim is a simulated Zoom account for tests, benchmarks and the
// demo.
//
// In: a *synth.Org (the shared synthetic organisation) and Options (account
// and app credentials, per-second rate limit, page-token lifetime, clock,
// fault injection). Out: an HTTP server on loopback that answers the paths
// the zoom connector calls — POST /oauth/token (account_credentials grant
// with HTTP Basic client credentials), GET /v2/users, GET
// /v2/accounts/me/plans/usage and GET /v2/report/activities — with Zoom's
// resource shapes, next_page_token paging whose tokens expire (error code
// 300), X-RateLimit-Category/-Type/-Limit/-Remaining headers, 429 with
// Retry-After and Zoom's {"code","message"} error bodies; plus the ground
// truth (ids it serves, events in a window) and the requests it saw, so
// tests can score a client exactly and fail on any request Zoom would
// reject.
//
// Who has a Zoom account, its status, license type and role are derived
// from each person's id, so two servers built from equal inputs answer
// identically.
package zoomsim
