-- The latest activity of each account: the latest of every signal for it.
-- What the source reports (last login, last activity), its own successful
-- events, and successful SSO events into the application the account's
-- vendor is (an Okta sign-on into Slack is use of the person's Slack
-- account), matched through the merged application's catalogue connector
-- type and the person. Failed sign-ins are attempts, not use. A
-- deprovisioned or suspended account cannot have been the one used, so SSO
-- events do not revive it.
WITH events AS (
    SELECT account_id, max(occurred_at) AS last_event_at
    FROM int_activity
    WHERE succeeded
    GROUP BY account_id
),
sso AS (
    SELECT ap.person_id, e.app_connector_type AS connector_type, max(e.occurred_at) AS last_sso_at
    FROM int_activity AS e
    JOIN int_account_people AS ap USING (account_id)
    WHERE e.succeeded AND e.app_connector_type IS NOT NULL AND ap.person_id IS NOT NULL
    GROUP BY ALL
),
sso_accounts AS (
    SELECT a.account_id, s.last_sso_at
    FROM int_accounts AS a
    JOIN int_account_people AS ap USING (account_id)
    JOIN sso AS s ON s.person_id = ap.person_id AND s.connector_type = a.connector_type
    WHERE coalesce(a.status, 'unknown') NOT IN ('deprovisioned', 'suspended')
)
SELECT
    a.account_id,
    greatest(a.last_login_at, a.source_last_activity_at, never_as_null(e.last_event_at),
             never_as_null(s.last_sso_at)) AS last_activity_at
FROM int_accounts AS a
LEFT JOIN events AS e USING (account_id)
LEFT JOIN sso_accounts AS s USING (account_id)
