-- Google Workspace users (Directory users.list) -> canonical users.
-- Google has no status field: suspended and archived are booleans. Archived
-- users are leavers kept for their data (they hold an Archived User license
-- and cannot sign in), so they read as deprovisioned. lastLoginTime
-- 1970-01-01T00:00:00.000Z means never (core's never_as_null). The primary
-- organization (else the first) gives department, title and cost center;
-- relations of type manager hold the manager's e-mail address, which is the
-- manager's login in this tenant. The Directory has no user type.
WITH users AS (
    SELECT
        *,
        from_json(payload -> '$.organizations',
                  '[{"primary": "BOOLEAN", "name": "VARCHAR", "title": "VARCHAR", "department": "VARCHAR", "costCenter": "VARCHAR"}]') AS orgs,
        from_json(payload -> '$.addresses',
                  '[{"primary": "BOOLEAN", "type": "VARCHAR", "locality": "VARCHAR", "countryCode": "VARCHAR"}]') AS addrs,
        from_json(payload -> '$.relations', '[{"type": "VARCHAR", "value": "VARCHAR"}]') AS rels,
        from_json(payload -> '$.externalIds', '[{"type": "VARCHAR", "value": "VARCHAR"}]') AS ext,
        coalesce(CAST(payload ->> '$.archived' AS BOOLEAN), false)  AS is_archived,
        coalesce(CAST(payload ->> '$.suspended' AS BOOLEAN), false) AS is_suspended
    FROM raw_google_workspace__users
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
    json_text(payload, '$.primaryEmail')                  AS login,
    json_text(payload, '$.primaryEmail')                  AS email,
    json_text(payload, '$.aliases[0]')                    AS secondary_email,
    json_text(payload, '$.name.givenName')                AS first_name,
    json_text(payload, '$.name.familyName')               AS last_name,
    json_text(payload, '$.name.fullName')                 AS display_name,
    nullif(trim(org.department), '')                      AS department,
    nullif(trim(org.title), '')                           AS job_title,
    nullif(trim(list_filter(ext, lambda e: e.type = 'organization')[1].value), '') AS employee_number,
    nullif(trim(org.costCenter), '')                      AS cost_center,
    nullif(trim(list_filter(rels, lambda r: r.type = 'manager')[1].value), '')     AS manager_source_id,
    CAST(NULL AS VARCHAR)                                 AS user_type,
    nullif(trim(org.name), '')                            AS organization,
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
    coalesce(CAST(payload ->> '$.isAdmin' AS BOOLEAN), false)
        OR coalesce(CAST(payload ->> '$.isDelegatedAdmin' AS BOOLEAN), false) AS is_admin,
    json_ts(payload, '$.creationTime')                    AS created_at,
    json_ts(payload, '$.lastLoginTime')                   AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                             AS last_activity_at,
    list_filter(
        list_concat(coalesce(from_json(payload -> '$.aliases', '["VARCHAR"]'), []),
                    coalesce(from_json(payload -> '$.nonEditableAliases', '["VARCHAR"]'), [])),
        lambda a: a IS NOT NULL AND trim(a) <> '')       AS aliases,
    nullif(trim(addr.countryCode), '')                    AS country,
    coalesce(nullif(trim(addr.locality), ''), json_text(payload, '$.locations[0].buildingId')) AS office_location
FROM picked
