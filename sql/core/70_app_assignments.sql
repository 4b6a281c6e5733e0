-- Dataset app_assignments: one account assigned to one application,
-- deduplicated across pages and instances like accounts. application_id is
-- the merged application (int_application_sources), so two integrations of
-- one product in a tenant (a production and a sandbox Slack app) assigning
-- one account are one row: the earliest assignment, lineage united.
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
        ORDER BY extracted_at DESC, connector, hash(s)
    ) = 1
),
assignments AS (
    SELECT
        c.*,
        coalesce(a.application_id, application_id(c.connector_type, c.tenant, c.application_source_id)) AS application_id,
        account_id(c.connector_type, c.tenant, c.account_source_id)         AS account_id,
        l.connectors
    FROM chosen AS c
    JOIN lineage AS l USING (connector_type, tenant, source_id)
    LEFT JOIN int_application_sources AS a
      ON a.connector_type = c.connector_type AND a.tenant = c.tenant AND a.source_id = c.application_source_id
    WHERE c.account_source_id IS NOT NULL AND c.application_source_id IS NOT NULL
),
merged AS (
    SELECT application_id, account_id, list_sort(list_distinct(flatten(list(connectors)))) AS all_connectors,
           count(*) AS copies
    FROM assignments
    GROUP BY ALL
),
last_use AS (
    SELECT application_id, account_id, max(occurred_at) AS last_used_at
    FROM int_activity
    WHERE succeeded AND application_id IS NOT NULL
    GROUP BY ALL
),
assigned AS (
    SELECT
        p.snapshot_date,
        s.application_id,
        s.account_id,
        -- An assignment whose user the users listing did not return still
        -- names its account; its person is unknown rather than guessed.
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
        m.all_connectors AS connectors,
        s.source_id,
        m.copies
    FROM assignments AS s
    JOIN merged AS m USING (application_id, account_id)
    LEFT JOIN int_account_people AS ap USING (account_id)
    LEFT JOIN last_use AS u USING (application_id, account_id)
    CROSS JOIN params AS p
)
-- Most accounts hold an application through one integration: only those
-- holding it through several are ranked (ranking all was half this step).
SELECT * EXCLUDE (source_id, copies)
FROM assigned
WHERE copies = 1
UNION ALL
SELECT * EXCLUDE (source_id, copies)
FROM assigned
WHERE copies > 1
QUALIFY row_number() OVER (
    PARTITION BY application_id, account_id
    ORDER BY assigned_at NULLS LAST, application_source_id, source_id
) = 1
