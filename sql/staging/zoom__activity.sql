-- Zoom Sign In / Sign Out report entries (GET /report/activities) ->
-- canonical activity. Entries name the user by e-mail only, so the account
-- is the user of the same tenant with that e-mail (NULL when that user was
-- not staged, e.g. deleted since). Both kinds are a completed use of Zoom:
-- "Sign in" is a sign_in, "Sign out" a sign_out (vendor_event_type keeps
-- Zoom's words).
WITH users_by_email AS (
    SELECT tenant, lower(payload ->> '$.email') AS email, min(source_id) AS account_source_id
    FROM raw_zoom__users
    GROUP BY ALL
),
entries AS (
    -- The payload parsed once, into the fields used.
    SELECT *, json_transform(payload, '{"time": "VARCHAR", "type": "VARCHAR", "email": "VARCHAR"}') AS j
    FROM raw_zoom__activity
)
SELECT
    e.connector,
    e.connector_type,
    e.tenant,
    e.source_id,
    e.extracted_at,
    text_ts(e.j.time)                                AS occurred_at,
    CASE blank_as_null(e.j.type)
        WHEN 'Sign in'  THEN 'sign_in'
        WHEN 'Sign out' THEN 'sign_out'
        ELSE blank_as_null(e.j.type)
    END                                              AS event_type,
    blank_as_null(e.j.type)                          AS vendor_event_type,
    a.account_source_id,
    blank_as_null(e.j.email)                         AS actor_login,
    CAST(NULL AS VARCHAR)                            AS application_source_id,
    'Zoom'                                           AS application_name,
    blank_as_null(e.j.type) IN ('Sign in', 'Sign out') AS succeeded,
    e.snapshot_id
FROM entries AS e
LEFT JOIN users_by_email AS a
    ON a.tenant = e.tenant AND a.email = lower(e.j.email)
