-- Dataset applications: one application merged across its discovery
-- sources (int_application_sources): SSO integrations in any tenant, and the
-- connector that reads the product itself (a Slack workspace read by the
-- slack connector discovers Slack). Descriptive columns come from the
-- catalogue when it knows the application, else from the first source in
-- (connector_type, tenant, source_id) order. user_count and
-- active_user_count count distinct people (unresolved accounts count
-- alone): those assigned through SSO or holding a live account at the
-- product's own connector, and those of them active within the threshold.
WITH connector_sources AS (
    -- The product's own connector discovers it when it listed any account.
    SELECT
        stable_id('application', ['catalog', k.catalog_key]) AS application_id,
        k.catalog_key,
        a.connector_type,
        min(a.tenant) AS tenant,
        list_sort(list_distinct(flatten(list(a.connectors)))) AS connectors
    FROM int_accounts AS a
    JOIN app_catalog AS k ON k.connector_type = a.connector_type
    GROUP BY ALL
),
sources AS (
    SELECT
        application_id, catalog_key, connector_type, tenant, source_id, name, app_key, status,
        sign_on_mode, created_at,
        CASE WHEN is_sso THEN connector_type || '_sso' ELSE connector_type END AS discovery_type,
        connectors
    FROM int_application_sources
    UNION ALL
    SELECT
        application_id, catalog_key, connector_type, tenant, NULL, NULL, NULL, NULL,
        NULL, NULL, 'connector', connectors
    FROM connector_sources
),
first_source AS (
    SELECT *
    FROM sources
    QUALIFY row_number() OVER (
        PARTITION BY application_id
        ORDER BY source_id IS NULL, connector_type, tenant, source_id
    ) = 1
),
merged AS (
    SELECT
        application_id,
        list(DISTINCT discovery_type ORDER BY discovery_type)                    AS discovery_types,
        list_sort(list_distinct(flatten(list(connectors))))                      AS connectors,
        CASE WHEN bool_or(status = 'active') THEN 'active' END                   AS any_active,
        min(sign_on_mode ORDER BY connector_type, tenant, source_id)
            FILTER (WHERE sign_on_mode IS NOT NULL)                              AS sign_on_mode,
        min(created_at)                                                          AS created_at
    FROM sources
    GROUP BY application_id
),
live_accounts AS (
    -- Accounts at the product's own connector, when it has one.
    SELECT c.application_id, a.account_id, ap.person_id, a.activity_status
    FROM connector_sources AS c
    JOIN accounts AS a ON a.connector_type = c.connector_type
    JOIN int_account_people AS ap USING (account_id)
    WHERE a.status NOT IN ('deprovisioned')
),
users AS (
    SELECT application_id, count(DISTINCT coalesce(person_id, account_id)) AS user_count
    FROM (
        SELECT application_id, person_id, account_id FROM app_assignments
        UNION ALL
        SELECT application_id, person_id, account_id FROM live_accounts
    )
    GROUP BY application_id
),
active_users AS (
    SELECT application_id, count(DISTINCT coalesce(person_id, account_id)) AS active_user_count
    FROM (
        SELECT e.application_id, ap.person_id, e.account_id
        FROM int_activity AS e
        LEFT JOIN int_account_people AS ap USING (account_id)
        CROSS JOIN params AS p
        WHERE e.succeeded
          AND e.application_id IS NOT NULL
          AND days_before(e.occurred_at, p.snapshot_date) <= p.activity_threshold_days
        UNION ALL
        SELECT application_id, person_id, account_id
        FROM live_accounts
        WHERE activity_status = 'active'
    )
    GROUP BY application_id
)
SELECT
    p.snapshot_date,
    f.application_id,
    coalesce(k.name, f.name) AS name,
    f.app_key,
    f.catalog_key,
    k.vendor,
    coalesce(m.any_active, f.status) AS status,
    m.discovery_types,
    m.connectors AS discovered_by,
    m.sign_on_mode AS sso_sign_on_mode,
    f.connector_type,
    f.tenant,
    f.source_id,
    m.created_at,
    coalesce(u.user_count, 0) AS user_count,
    coalesce(au.active_user_count, 0) AS active_user_count,
    m.connectors
FROM first_source AS f
JOIN merged AS m USING (application_id)
LEFT JOIN app_catalog AS k USING (catalog_key)
LEFT JOIN users AS u USING (application_id)
LEFT JOIN active_users AS au USING (application_id)
CROSS JOIN params AS p
