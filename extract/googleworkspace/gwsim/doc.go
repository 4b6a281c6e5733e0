// Package gwsim is a simulated Google Workspace customer for tests,
// benchmarks and the demo.
//
// In: a *synth.Org (the shared synthetic organisation) and Options (admin to
// impersonate, report lag, fault injection). Out: an HTTP server on loopback
// that answers the paths the google_workspace connector calls — the OAuth
// 2.0 token endpoint (/token, JWT bearer grant whose RS256 assertion it
// verifies against the service account key it issues: issuer, subject,
// audience, scopes, expiry), Directory users.list, License Manager
// licenseAssignments.listForProduct, Reports activities.list for the login
// application and the user usage report — with Google's resource shapes,
// pageToken/nextPageToken paging, Google's error envelope, 403
// rateLimitExceeded/userRateLimitExceeded and 429 bursts; plus the ground
// truth (ids it serves, events in a window) and the requests it saw, so
// tests can score a client exactly and fail on any request Google would
// reject.
//
// Who has a Google account is the org's assignment of the Google Workspace
// app; suspension, archiving, deletion, admin rights and SKUs are derived
// from each person's id, so two servers built from equal inputs answer
// identically.
package gwsim
