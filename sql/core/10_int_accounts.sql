-- One row per account at a vendor tenant: the users of every connector type,
-- deduplicated across pages and across instances that read the same tenant.
-- The freshest copy wins; the rest of the ordering only breaks ties so that
-- the same staged input always picks the same copy.
WITH lineage AS (
    SELECT
        connector_type,
        tenant,
        source_id,
        list(DISTINCT connector ORDER BY connector) AS connectors
    FROM stg_users
    GROUP BY ALL
),
chosen AS (
    SELECT *
    FROM stg_users AS u
    QUALIFY row_number() OVER (
        PARTITION BY connector_type, tenant, source_id
        ORDER BY extracted_at DESC, connector, CAST(u AS VARCHAR)
    ) = 1
)
SELECT
    account_id(c.connector_type, c.tenant, c.source_id) AS account_id,
    c.connector_type,
    t.vendor,
    t.product,
    c.tenant,
    c.source_id,
    c.login,
    c.email,
    c.secondary_email,
    c.first_name,
    c.last_name,
    c.display_name,
    c.department,
    c.job_title,
    c.employee_number,
    c.cost_center,
    c.manager_source_id,
    c.user_type,
    c.organization,
    c.status,
    c.vendor_status,
    c.is_admin,
    c.created_at,
    never_as_null(c.last_login_at)    AS last_login_at,
    never_as_null(c.last_activity_at) AS source_last_activity_at,
    identity_email(c.email, c.login)  AS identity_email,
    t.has_last_login OR t.has_activity AS activity_measurable,
    t.is_directory,
    l.connectors
FROM chosen AS c
JOIN lineage AS l USING (connector_type, tenant, source_id)
JOIN connector_types AS t USING (connector_type)
