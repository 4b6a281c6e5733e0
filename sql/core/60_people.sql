-- Dataset people: one resolved person (int_account_people). Organisational
-- attributes come from one account, chosen by source priority (the input
-- table org_source_priority: the configured ranking, by default LDAP, Entra
-- ID, Microsoft 365, Google Workspace, then every other type by name), then
-- by how alive the account is and how recently it was used, then by key so
-- the choice is deterministic. Accounts without a person (bots, services,
-- portal users) are not here.
-- person_accounts carries only what ranking and the rollup read; the org
-- account's other columns are fetched for the one chosen account of each
-- person. Carrying every account column through the joins (and ranking or
-- grouping those wide rows) cost half the step: 6.8-7.4 s against 3.3-4.8 s
-- on one thread at 100,000 people.
WITH person_accounts AS (
    SELECT
        ap.person_id,
        a.account_id,
        a.vendor,
        a.product,
        a.tenant,
        a.source_id,
        a.connectors,
        aa.last_activity_at,
        sp.priority AS org_priority,
        CASE a.status
            WHEN 'active' THEN 1 WHEN 'locked' THEN 2 WHEN 'pending' THEN 3
            WHEN 'suspended' THEN 4 ELSE 5
        END AS status_rank
    FROM int_accounts AS a
    JOIN int_account_people AS ap USING (account_id)
    JOIN int_account_activity AS aa USING (account_id)
    JOIN org_source_priority AS sp USING (connector_type)
    WHERE ap.person_id IS NOT NULL
),
org_choice AS (
    SELECT person_id, account_id
    FROM person_accounts
    QUALIFY row_number() OVER (
        PARTITION BY person_id
        ORDER BY org_priority, status_rank, last_activity_at DESC NULLS LAST,
                 vendor, product, tenant, source_id
    ) = 1
),
org AS (
    SELECT c.person_id, ap.primary_email, a.*
    FROM org_choice AS c
    JOIN int_accounts AS a USING (account_id)
    JOIN int_account_people AS ap USING (account_id)
),
-- The manager named by the org account, looked up in the same tenant: Okta's
-- managerId holds a user id, a login or an employee number, by convention of
-- the organisation; an id match is preferred over a login, a login over an
-- employee number. Three equi-joins rather than one OR join, which DuckDB
-- could only run as a nested loop over the tenant.
manager_candidates AS (
    SELECT o.person_id, m.account_id, 1 AS match_rank, m.source_id
    FROM org AS o
    JOIN int_accounts AS m
      ON m.connector_type = o.connector_type AND m.tenant = o.tenant
     AND m.source_id = o.manager_source_id
    UNION ALL
    SELECT o.person_id, m.account_id, 2 AS match_rank, m.source_id
    FROM org AS o
    JOIN int_accounts AS m
      ON m.connector_type = o.connector_type AND m.tenant = o.tenant
     AND lower(m.login) = lower(o.manager_source_id)
    UNION ALL
    SELECT o.person_id, m.account_id, 3 AS match_rank, m.source_id
    FROM org AS o
    JOIN int_accounts AS m
      ON m.connector_type = o.connector_type AND m.tenant = o.tenant
     AND m.employee_number = o.manager_source_id
),
manager AS (
    SELECT c.person_id, mp.person_id AS manager_person_id
    FROM manager_candidates AS c
    JOIN int_account_people AS mp ON mp.account_id = c.account_id
    -- A manager that is a service account names nobody.
    WHERE mp.person_id IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY c.person_id ORDER BY c.match_rank, c.source_id) = 1
),
rollup AS (
    SELECT
        person_id,
        count(*)                                             AS account_count,
        list(DISTINCT vendor ORDER BY vendor)                AS vendors,
        max(last_activity_at)                                AS last_activity_at,
        min(status_rank)                                     AS best_status_rank,
        flatten(list(connectors))                            AS all_connectors
    FROM person_accounts
    GROUP BY person_id
)
SELECT
    p.snapshot_date,
    o.person_id,
    o.primary_email,
    coalesce(o.display_name,
             nullif(concat_ws(' ', o.first_name, o.last_name), ''),
             o.login) AS display_name,
    o.first_name,
    o.last_name,
    o.department,
    o.job_title,
    o.cost_center,
    o.employee_number,
    o.user_type,
    m.manager_person_id,
    -- The most alive of the person's accounts: one active account anywhere
    -- means the person is still around.
    CASE r.best_status_rank
        WHEN 1 THEN 'active' WHEN 2 THEN 'active' WHEN 3 THEN 'pending'
        WHEN 4 THEN 'suspended' ELSE 'terminated'
    END AS employment_status,
    o.connector_type AS org_source,
    o.account_id AS org_account_id,
    r.account_count,
    r.vendors,
    r.last_activity_at,
    list_sort(list_distinct(r.all_connectors)) AS connectors
FROM org AS o
JOIN rollup AS r USING (person_id)
LEFT JOIN manager AS m USING (person_id)
CROSS JOIN params AS p
