// Package oktasim is a simulated Okta org for tests, benchmarks and the demo.
//
// In: a *synth.Org (the shared synthetic organisation) and Options (token,
// OAuth service app, rate limit, clock, fault injection). Out: an HTTP server
// on loopback that answers the Okta Management API paths the okta connector
// calls — /api/v1/users, /api/v1/groups, /api/v1/apps,
// /api/v1/apps/{id}/users, /api/v1/logs and /oauth2/v1/token — with the
// shapes of Okta's published examples, SSWS token auth or service-app access
// tokens (client credentials with a private_key_jwt assertion it verifies),
// Link-header paging with opaque cursors, X-Rate-Limit-* headers from a
// per-endpoint window and Okta's error bodies; plus the ground truth (ids it
// serves, events in a window) and the requests it saw, so tests can score a
// client exactly and fail on any request a real org would reject.
//
// Everything it serves is a function of the Org and the clock, so two
// servers built from equal inputs answer identically.
package oktasim
