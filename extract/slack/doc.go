// Package slack is the connector type "slack": one Slack workspace read
// through the Slack Web API.
//
// In: an instance's settings (team id, OAuth token or a rotating refresh
// token, base URL, Tier 2 pace, access-log window) and the pipeline's Env
// (HTTP layer factory, clock, capability reports). Out: one Record per
// vendor record, its JSON exactly as Slack sent it, for the entities users
// (users.list members, deleted ones, guests and bots included; source id =
// user id), subscriptions (the workspace plan from team.billing.info, one
// record, source id "workspace-plan"), license_assignments (the
// team.billableInfo entries with billing_active true, source id = user id,
// the payload being the entry's value) and activity (team.accessLogs
// entries, incremental by date_last; source id "<user_id>:<date_first>:<hash
// of ip and user agent>"), plus the activity cursor.
//
// Slack answers most errors with HTTP 200 and {"ok": false, "error": "…"};
// the client turns them into *httpx.APIError values carrying the error code,
// refreshes a rotating token once on token_expired or invalid_auth, and
// reports paid_only (free plans have no access logs) as an unavailable
// capability instead of failing. Tier 2 and Tier 3 methods are paced by a
// limiter per method, because Slack's limits are per method and workspace.
// Field mapping is left to sql/staging/slack__<entity>.sql.
//
// The simulated workspace used by the tests and the demo is in slacksim.
package slack
