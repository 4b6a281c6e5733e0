-- Dataset app_assignments: one account assigned to one SSO application,
-- deduplicated across pages and instances like accounts.
WITH lineage AS (
    SELECT
        connector_type,
        tenant,
        source_id,
        list(DISTINCT connector ORDER BY connector) AS connectors
    FROM stg_app_assignments
    GROUP BY ALL
),
chosen AS (
    SELECT *
    FROM stg_app_assignments AS s
    QUALIFY row_number() OVER (
        PARTITION BY connector_type, tenant, source_id
        ORDER BY extracted_at DESC, connector, CAST(s AS VARCHAR)
    ) = 1
),
assignments AS (
    SELECT
        c.*,
        application_id(c.connector_type, c.tenant, c.application_source_id) AS application_id,
        account_id(c.connector_type, c.tenant, c.account_source_id)         AS account_id,
        l.connectors
    FROM chosen AS c
    JOIN lineage AS l USING (connector_type, tenant, source_id)
    WHERE c.account_source_id IS NOT NULL AND c.application_source_id IS NOT NULL
),
last_use AS (
    SELECT application_id, account_id, max(occurred_at) AS last_used_at
    FROM int_activity
    WHERE succeeded AND application_id IS NOT NULL
    GROUP BY ALL
)
SELECT
    p.snapshot_date,
    s.application_id,
    s.account_id,
    -- An assignment whose user the users listing did not return still names
    -- its account; its person is unknown rather than guessed.
    ap.person_id,
    s.connector_type,
    s.tenant,
    s.application_source_id,
    s.account_source_id,
    s.user_name,
    s.email,
    s.status,
    s.scope,
    s.assigned_at,
    u.last_used_at,
    s.connectors
FROM assignments AS s
LEFT JOIN int_account_people AS ap USING (account_id)
LEFT JOIN last_use AS u USING (application_id, account_id)
CROSS JOIN params AS p
