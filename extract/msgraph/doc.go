// Package msgraph is the Microsoft Graph client shared by the connector types
// microsoft365 and entra.
//
// In: an instance's settings (tenant_id, client_id, client_secret, domains,
// graph_url, login_url and the HTTP limits), parsed by ParseSettings, and the
// pipeline's Env. Out: a Client whose requests carry an OAuth 2.0
// client-credentials token for the tenant (fetched from
// {login_url}/{tenant}/oauth2/v2.0/token with scope {graph_url}/.default,
// refreshed before it expires and once more when Graph answers 401), whose
// listings follow only @odata.nextLink and hand each page's records over as
// the bytes Graph sent, and whose report downloads follow Graph's 302 to a
// pre-authenticated URL without sending the token there. Report CSVs become
// one JSON object per row (ReportRows).
//
// Throttling (429 and 503, Retry-After in possibly fractional seconds,
// exponential backoff when it is missing) is the shared httpx layer's job;
// Policy tells it what Graph's answers mean.
//
// It imports nothing of the pipeline beyond the connector contract's
// settings and Env types. The simulated Graph is in graphsim.
package msgraph
