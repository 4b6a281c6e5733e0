-- Google Workspace users (Directory users.list) -> canonical users.
-- Google has no status field: suspended and archived are booleans. Archived
-- users are leavers kept for their data (they hold an Archived User license
-- and cannot sign in), so they read as deprovisioned. lastLoginTime
-- 1970-01-01T00:00:00.000Z means never (core's never_as_null). The primary
-- organization (else the first) gives department, title and cost center;
-- relations of type manager hold the manager's e-mail address, which is the
-- manager's login in this tenant. The Directory has no user type.
WITH parsed AS (
    -- The payload parsed once, into the fields used.
    SELECT
        *,
        json_transform(payload, '{
            "primaryEmail": "VARCHAR",
            "aliases": ["VARCHAR"],
            "nonEditableAliases": ["VARCHAR"],
            "name": {"givenName": "VARCHAR", "familyName": "VARCHAR", "fullName": "VARCHAR"},
            "organizations": [{"primary": "BOOLEAN", "name": "VARCHAR", "title": "VARCHAR", "department": "VARCHAR", "costCenter": "VARCHAR"}],
            "addresses": [{"primary": "BOOLEAN", "type": "VARCHAR", "locality": "VARCHAR", "countryCode": "VARCHAR"}],
            "relations": [{"type": "VARCHAR", "value": "VARCHAR"}],
            "externalIds": [{"type": "VARCHAR", "value": "VARCHAR"}],
            "locations": [{"buildingId": "VARCHAR"}],
            "archived": "VARCHAR",
            "suspended": "VARCHAR",
            "isAdmin": "VARCHAR",
            "isDelegatedAdmin": "VARCHAR",
            "creationTime": "VARCHAR",
            "lastLoginTime": "VARCHAR"
        }') AS j
    FROM raw_google_workspace__users
),
users AS (
    SELECT
        *,
        j.organizations                                     AS orgs,
        j.addresses                                         AS addrs,
        j.relations                                         AS rels,
        j.externalIds                                       AS ext,
        coalesce(CAST(j.archived AS BOOLEAN), false)        AS is_archived,
        coalesce(CAST(j.suspended AS BOOLEAN), false)       AS is_suspended
    FROM parsed
),
picked AS (
    SELECT
        *,
        coalesce(list_filter(orgs, lambda o: coalesce(o.primary, false))[1], orgs[1])   AS org,
        coalesce(list_filter(addrs, lambda a: coalesce(a.primary, false))[1], addrs[1]) AS addr
    FROM users
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    blank_as_null(j.primaryEmail)                         AS login,
    blank_as_null(j.primaryEmail)                         AS email,
    blank_as_null(j.aliases[1])                           AS secondary_email,
    blank_as_null(j.name.givenName)                       AS first_name,
    blank_as_null(j.name.familyName)                      AS last_name,
    blank_as_null(j.name.fullName)                        AS display_name,
    blank_as_null(org.department)                         AS department,
    blank_as_null(org.title)                              AS job_title,
    blank_as_null(list_filter(ext, lambda e: e.type = 'organization')[1].value) AS employee_number,
    blank_as_null(org.costCenter)                         AS cost_center,
    blank_as_null(list_filter(rels, lambda r: r.type = 'manager')[1].value)     AS manager_source_id,
    CAST(NULL AS VARCHAR)                                 AS user_type,
    blank_as_null(org.name)                               AS organization,
    CASE
        WHEN is_archived  THEN 'deprovisioned'
        WHEN is_suspended THEN 'suspended'
        ELSE 'active'
    END                                                   AS status,
    CASE
        WHEN is_archived  THEN 'archived'
        WHEN is_suspended THEN 'suspended'
        ELSE 'active'
    END                                                   AS vendor_status,
    coalesce(CAST(j.isAdmin AS BOOLEAN), false)
        OR coalesce(CAST(j.isDelegatedAdmin AS BOOLEAN), false) AS is_admin,
    text_ts(j.creationTime)                               AS created_at,
    text_ts(j.lastLoginTime)                              AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                             AS last_activity_at,
    list_filter(
        list_concat(coalesce(j.aliases, []),
                    coalesce(j.nonEditableAliases, [])),
        lambda a: a IS NOT NULL AND trim(a) <> '')       AS aliases,
    blank_as_null(addr.countryCode)                       AS country,
    coalesce(blank_as_null(addr.locality), blank_as_null(j.locations[1].buildingId)) AS office_location
FROM picked
