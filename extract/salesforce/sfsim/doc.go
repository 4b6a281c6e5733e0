// Package sfsim is a simulated Salesforce org for tests, benchmarks and the
// demo.
//
// In: a *synth.Org (the shared synthetic organisation) and Options
// (connected app credentials, daily API allocation, batch size, clock,
// fault injection). Out: an HTTP server on loopback answering what the
// salesforce connector calls — POST /services/oauth2/token (client
// credentials, JWT bearer verified against the app's public key, refresh
// token) and GET /services/data/vNN.0/query?q=SOQL with its
// nextRecordsUrl locators — with the shapes of Salesforce's published
// examples: records with attributes{type,url}, nested relationship objects,
// done/nextRecordsUrl paging, Sforce-Limit-Info: api-usage=N/M on every
// response, 403 REQUEST_LIMIT_EXCEEDED once the daily allocation is spent,
// 401 INVALID_SESSION_ID, and the error array [{"message","errorCode"}]
// (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE) for any query it does not
// model, which it also records so tests fail loudly; plus the ground truth.
//
// The SOQL parser is deliberately minimal: SELECT <fields> FROM <object>,
// optionally WHERE LoginTime >= <datetime> AND LoginTime <= <datetime>
// ORDER BY LoginTime ASC, Id ASC for LoginHistory, and a LIMIT.
//
// Who has an account, which profile and license, the portal and community
// users, the integration and automated users and their logins are derived
// inside the simulator from the Org (hashes of person id and "salesforce"),
// and LoginHistory reaches back six months only, as Salesforce's does.
package sfsim
