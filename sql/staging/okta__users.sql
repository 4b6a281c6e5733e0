-- Okta users (GET /api/v1/users) -> canonical users.
-- Every lifecycle status is listed by the connector; lastLogin null means the
-- user never signed in. Okta's user list does not say who is an admin, so
-- is_admin is NULL (unknown), never false. The payload is parsed once, into
-- the fields used.
WITH users AS (
    SELECT
        *,
        json_transform(payload, '{
            "status": "VARCHAR",
            "created": "VARCHAR",
            "lastLogin": "VARCHAR",
            "profile": {"login": "VARCHAR", "email": "VARCHAR", "secondEmail": "VARCHAR",
                        "firstName": "VARCHAR", "lastName": "VARCHAR", "displayName": "VARCHAR",
                        "department": "VARCHAR", "title": "VARCHAR", "employeeNumber": "VARCHAR",
                        "costCenter": "VARCHAR", "managerId": "VARCHAR", "userType": "VARCHAR",
                        "organization": "VARCHAR", "countryCode": "VARCHAR", "city": "VARCHAR"}
        }') AS j
    FROM raw_okta__users
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    blank_as_null(j.profile.login)                 AS login,
    blank_as_null(j.profile.email)                 AS email,
    blank_as_null(j.profile.secondEmail)           AS secondary_email,
    blank_as_null(j.profile.firstName)             AS first_name,
    blank_as_null(j.profile.lastName)              AS last_name,
    blank_as_null(j.profile.displayName)           AS display_name,
    blank_as_null(j.profile.department)            AS department,
    blank_as_null(j.profile.title)                 AS job_title,
    blank_as_null(j.profile.employeeNumber)        AS employee_number,
    blank_as_null(j.profile.costCenter)            AS cost_center,
    blank_as_null(j.profile.managerId)             AS manager_source_id,
    blank_as_null(j.profile.userType)              AS user_type,
    blank_as_null(j.profile.organization)          AS organization,
    -- Okta lifecycle -> canonical status. RECOVERY and PASSWORD_EXPIRED users
    -- still hold a working account; STAGED and PROVISIONED never activated.
    CASE blank_as_null(j.status)
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
    blank_as_null(j.status)                        AS vendor_status,
    CAST(NULL AS BOOLEAN)                          AS is_admin,
    text_ts(j.created)                             AS created_at,
    text_ts(j.lastLogin)                           AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                      AS last_activity_at,
    list_filter([blank_as_null(j.profile.secondEmail)], lambda a: a IS NOT NULL AND a <> '')
                                                   AS aliases,
    blank_as_null(j.profile.countryCode)           AS country,
    blank_as_null(j.profile.city)                  AS office_location
FROM users
