-- The latest activity of each account: what the source reports (last login,
-- last activity) and its successful events, whichever is later. Failed
-- sign-ins are attempts, not use.
WITH events AS (
    SELECT account_id, max(occurred_at) AS last_event_at
    FROM int_activity
    WHERE succeeded
    GROUP BY account_id
)
SELECT
    a.account_id,
    greatest(a.last_login_at, a.source_last_activity_at, never_as_null(e.last_event_at)) AS last_activity_at
FROM int_accounts AS a
LEFT JOIN events AS e USING (account_id)
