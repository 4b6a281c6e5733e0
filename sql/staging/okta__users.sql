-- Okta users (GET /api/v1/users) -> canonical users.
-- Every lifecycle status is listed by the connector; lastLogin null means the
-- user never signed in. Okta's user list does not say who is an admin, so
-- is_admin is NULL (unknown), never false.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.profile.login')          AS login,
    json_text(payload, '$.profile.email')          AS email,
    json_text(payload, '$.profile.secondEmail')    AS secondary_email,
    json_text(payload, '$.profile.firstName')      AS first_name,
    json_text(payload, '$.profile.lastName')       AS last_name,
    json_text(payload, '$.profile.displayName')    AS display_name,
    json_text(payload, '$.profile.department')     AS department,
    json_text(payload, '$.profile.title')          AS job_title,
    json_text(payload, '$.profile.employeeNumber') AS employee_number,
    json_text(payload, '$.profile.costCenter')     AS cost_center,
    json_text(payload, '$.profile.managerId')      AS manager_source_id,
    json_text(payload, '$.profile.userType')       AS user_type,
    json_text(payload, '$.profile.organization')   AS organization,
    -- Okta lifecycle -> canonical status. RECOVERY and PASSWORD_EXPIRED users
    -- still hold a working account; STAGED and PROVISIONED never activated.
    CASE json_text(payload, '$.status')
        WHEN 'ACTIVE'           THEN 'active'
        WHEN 'RECOVERY'         THEN 'active'
        WHEN 'PASSWORD_EXPIRED' THEN 'active'
        WHEN 'LOCKED_OUT'       THEN 'locked'
        WHEN 'STAGED'           THEN 'pending'
        WHEN 'PROVISIONED'      THEN 'pending'
        WHEN 'SUSPENDED'        THEN 'suspended'
        WHEN 'DEPROVISIONED'    THEN 'deprovisioned'
        ELSE 'unknown'
    END                                            AS status,
    json_text(payload, '$.status')                 AS vendor_status,
    CAST(NULL AS BOOLEAN)                          AS is_admin,
    json_ts(payload, '$.created')                  AS created_at,
    json_ts(payload, '$.lastLogin')                AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                      AS last_activity_at,
    list_filter([json_text(payload, '$.profile.secondEmail')], lambda a: a IS NOT NULL AND a <> '')
                                                   AS aliases,
    json_text(payload, '$.profile.countryCode')    AS country,
    json_text(payload, '$.profile.city')           AS office_location
FROM raw_okta__users
