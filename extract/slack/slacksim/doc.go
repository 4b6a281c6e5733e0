// Package slacksim is a simulated Slack workspace for tests, benchmarks and
// the demo.
//
// In: a *synth.Org (the shared synthetic organisation) and Options (token,
// token rotation, plan, Tier 2 limit, clock, fault injection). Out: an HTTP
// server on loopback answering the Web API methods the slack connector
// calls — auth.test, team.info, team.billing.info, users.list,
// team.billableInfo, team.accessLogs and oauth.v2.access — with the shapes
// of Slack's published examples: Bearer auth, HTTP 200 {"ok": false,
// "error"} answers, cursor paging through response_metadata.next_cursor
// with short pages that are not the last, classic page/count paging with
// before for access logs (100 pages at most), 429 ratelimited with
// Retry-After per method, and paid_only on a free plan; plus the ground
// truth and every request it did not expect, so tests can score a client
// exactly and fail loudly.
//
// Who has an account, who is a guest, an admin or a bot, and who is billed
// are derived inside the simulator from the Org (a hash of the person id and
// "slack"), so synth stays vendor-neutral and equal inputs give equal
// answers.
package slacksim
