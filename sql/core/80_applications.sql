-- Dataset applications: one application per discovering source. Merging one
-- product seen by several sources (SSO, expense, browser) happens here later;
-- application_id is the SSO source's id until then.
WITH lineage AS (
    SELECT
        connector_type,
        tenant,
        source_id,
        list(DISTINCT connector ORDER BY connector) AS connectors
    FROM stg_applications
    GROUP BY ALL
),
chosen AS (
    SELECT *
    FROM stg_applications AS s
    QUALIFY row_number() OVER (
        PARTITION BY connector_type, tenant, source_id
        ORDER BY extracted_at DESC, connector, CAST(s AS VARCHAR)
    ) = 1
),
users AS (
    SELECT application_id, count(DISTINCT coalesce(person_id, account_id)) AS user_count
    FROM app_assignments
    GROUP BY application_id
),
active_users AS (
    SELECT e.application_id, count(DISTINCT coalesce(ap.person_id, e.account_id)) AS active_user_count
    FROM int_activity AS e
    LEFT JOIN int_account_people AS ap USING (account_id)
    CROSS JOIN params AS p
    WHERE e.succeeded
      AND e.application_id IS NOT NULL
      AND days_before(e.occurred_at, p.snapshot_date) <= p.activity_threshold_days
    GROUP BY e.application_id
)
SELECT
    p.snapshot_date,
    application_id(c.connector_type, c.tenant, c.source_id) AS application_id,
    c.name,
    c.app_key,
    -- The application's maker; SSO catalogues do not state it.
    CAST(NULL AS VARCHAR) AS vendor,
    c.status,
    CASE WHEN t.is_sso THEN [c.connector_type || '_sso'] ELSE [c.connector_type] END AS discovery_types,
    l.connectors AS discovered_by,
    c.sign_on_mode AS sso_sign_on_mode,
    c.connector_type,
    c.tenant,
    c.source_id,
    c.created_at,
    coalesce(u.user_count, 0) AS user_count,
    coalesce(au.active_user_count, 0) AS active_user_count,
    l.connectors
FROM chosen AS c
JOIN lineage AS l USING (connector_type, tenant, source_id)
JOIN connector_types AS t USING (connector_type)
LEFT JOIN users AS u ON u.application_id = application_id(c.connector_type, c.tenant, c.source_id)
LEFT JOIN active_users AS au ON au.application_id = application_id(c.connector_type, c.tenant, c.source_id)
CROSS JOIN params AS p
