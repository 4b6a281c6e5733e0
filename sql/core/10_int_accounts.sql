-- One row per account at a vendor tenant: the users of every connector type,
-- deduplicated across pages and across instances that read the same tenant.
-- The freshest copy wins; the rest of the ordering only breaks ties so that
-- the same staged input always picks the same copy.
-- Almost every account was staged once: what "all copies" say is then what
-- its one row says. Only accounts with several copies are aggregated and
-- ranked (aggregating every account with list aggregates, and joining that
-- back, was most of this step).
-- Copies are found by the hash of their key (as in int_activity): a
-- collision only sends a single-copy account down the grouped path, which
-- gives it the same row.
WITH copied AS (
    SELECT hash(connector_type, tenant, source_id) AS key_hash
    FROM stg_users
    GROUP BY ALL
    HAVING count(*) > 1
),
-- What all copies of an account staged several times say together.
-- Activity is measurable when any instance that listed the account can
-- measure it, and the latest sign-in any copy reports is kept: an instance
-- whose tenant withholds sign-in data lists the account with no date,
-- which must not hide the date another instance read.
copies AS (
    SELECT
        u.connector_type,
        u.tenant,
        u.source_id,
        list_sort(list_distinct(list(u.connector)))     AS connectors,
        bool_or(c.activity_measurable)                  AS activity_measurable,
        bool_or(c.is_directory)                         AS is_directory,
        max(never_as_null(u.last_login_at))             AS last_login_at,
        max(never_as_null(u.last_activity_at))          AS source_last_activity_at
    FROM (FROM stg_users AS s SEMI JOIN copied AS c ON hash(s.connector_type, s.tenant, s.source_id) = c.key_hash) AS u
    JOIN int_connectors AS c ON c.connector = u.connector
    GROUP BY u.connector_type, u.tenant, u.source_id
),
-- The copy that describes the account, with what all its copies say.
chosen AS (
    SELECT
        u.*,
        [u.connector]                     AS lineage_connectors,
        c.activity_measurable             AS lineage_activity_measurable,
        c.is_directory                    AS lineage_is_directory,
        never_as_null(u.last_login_at)    AS lineage_last_login_at,
        never_as_null(u.last_activity_at) AS lineage_source_last_activity_at
    FROM stg_users AS u
    ANTI JOIN copied AS k ON hash(u.connector_type, u.tenant, u.source_id) = k.key_hash
    JOIN int_connectors AS c ON c.connector = u.connector
    UNION ALL
    SELECT
        u.*,
        l.connectors,
        l.activity_measurable,
        l.is_directory,
        l.last_login_at,
        l.source_last_activity_at
    FROM stg_users AS u
    JOIN copies AS l USING (connector_type, tenant, source_id)
    QUALIFY row_number() OVER (
        PARTITION BY u.connector_type, u.tenant, u.source_id
        ORDER BY u.extracted_at DESC, u.connector, hash(u)
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
    canonical_user_type(c.user_type) AS user_type,
    c.organization,
    c.status,
    c.vendor_status,
    c.is_admin,
    c.created_at,
    c.lineage_last_login_at           AS last_login_at,
    c.lineage_source_last_activity_at AS source_last_activity_at,
    identity_email(c.email, c.login)  AS identity_email,
    coalesce(c.aliases, [])           AS aliases,
    c.lineage_activity_measurable     AS activity_measurable,
    c.lineage_is_directory            AS is_directory,
    c.lineage_connectors              AS connectors
FROM chosen AS c
JOIN connector_types AS t USING (connector_type)
