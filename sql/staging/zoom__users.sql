-- Zoom users (GET /users, statuses active, inactive and pending) ->
-- canonical users. inactive is Zoom's deactivated user (cannot sign in,
-- keeps its data): suspended; pending is an invitation not yet accepted.
-- The user type is the license: 1 Basic, 2 Licensed, 4 Unassigned without
-- Meetings Basic, 99 None. role_id 0 is the owner and 1 the admin role.
-- last_login_time is absent for users who never signed in. The listing
-- carries no title, manager or cost center.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.email')                    AS login,
    json_text(payload, '$.email')                    AS email,
    CAST(NULL AS VARCHAR)                            AS secondary_email,
    json_text(payload, '$.first_name')               AS first_name,
    json_text(payload, '$.last_name')                AS last_name,
    coalesce(json_text(payload, '$.display_name'),
             nullif(trim(concat_ws(' ', json_text(payload, '$.first_name'), json_text(payload, '$.last_name'))), '')) AS display_name,
    json_text(payload, '$.dept')                     AS department,
    CAST(NULL AS VARCHAR)                            AS job_title,
    json_text(payload, '$.employee_unique_id')       AS employee_number,
    CAST(NULL AS VARCHAR)                            AS cost_center,
    CAST(NULL AS VARCHAR)                            AS manager_source_id,
    CASE json_text(payload, '$.type')
        WHEN '1'  THEN 'basic'
        WHEN '2'  THEN 'licensed'
        WHEN '3'  THEN 'on_prem'
        WHEN '4'  THEN 'unassigned_without_meetings_basic'
        WHEN '99' THEN 'none'
        ELSE json_text(payload, '$.type')
    END                                              AS user_type,
    CAST(NULL AS VARCHAR)                            AS organization,
    CASE json_text(payload, '$.status')
        WHEN 'active'   THEN 'active'
        WHEN 'inactive' THEN 'suspended'
        WHEN 'pending'  THEN 'pending'
        ELSE 'unknown'
    END                                              AS status,
    json_text(payload, '$.status')                   AS vendor_status,
    json_text(payload, '$.role_id') IN ('0', '1')    AS is_admin,
    coalesce(json_ts(payload, '$.user_created_at'), json_ts(payload, '$.created_at')) AS created_at,
    json_ts(payload, '$.last_login_time')            AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                        AS last_activity_at,
    CAST([] AS VARCHAR[])                            AS aliases,
    CAST(NULL AS VARCHAR)                            AS country,
    CAST(NULL AS VARCHAR)                            AS office_location
FROM raw_zoom__users
