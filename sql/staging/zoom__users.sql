-- Zoom users (GET /users, statuses active, inactive and pending) ->
-- canonical users. inactive is Zoom's deactivated user (cannot sign in,
-- keeps its data): suspended; pending is an invitation not yet accepted.
-- The user type is the license: 1 Basic, 2 Licensed, 4 Unassigned without
-- Meetings Basic, 99 None. role_id 0 is the owner and 1 the admin role.
-- last_login_time is absent for users who never signed in. The listing
-- carries no title, manager or cost center. The payload is parsed once,
-- into the fields used (type and role_id are numbers: read as their JSON
-- text, as ->> did).
WITH users AS (
    SELECT
        *,
        json_transform(payload, '{
            "email": "VARCHAR", "first_name": "VARCHAR", "last_name": "VARCHAR",
            "display_name": "VARCHAR", "dept": "VARCHAR", "employee_unique_id": "VARCHAR",
            "type": "VARCHAR", "status": "VARCHAR", "role_id": "VARCHAR",
            "user_created_at": "VARCHAR", "created_at": "VARCHAR", "last_login_time": "VARCHAR"
        }') AS j
    FROM raw_zoom__users
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    blank_as_null(j.email)                           AS login,
    blank_as_null(j.email)                           AS email,
    CAST(NULL AS VARCHAR)                            AS secondary_email,
    blank_as_null(j.first_name)                      AS first_name,
    blank_as_null(j.last_name)                       AS last_name,
    coalesce(blank_as_null(j.display_name),
             nullif(trim(concat_ws(' ', blank_as_null(j.first_name), blank_as_null(j.last_name))), '')) AS display_name,
    blank_as_null(j.dept)                            AS department,
    CAST(NULL AS VARCHAR)                            AS job_title,
    blank_as_null(j.employee_unique_id)              AS employee_number,
    CAST(NULL AS VARCHAR)                            AS cost_center,
    CAST(NULL AS VARCHAR)                            AS manager_source_id,
    CASE blank_as_null(j.type)
        WHEN '1'  THEN 'basic'
        WHEN '2'  THEN 'licensed'
        WHEN '3'  THEN 'on_prem'
        WHEN '4'  THEN 'unassigned_without_meetings_basic'
        WHEN '99' THEN 'none'
        ELSE blank_as_null(j.type)
    END                                              AS user_type,
    CAST(NULL AS VARCHAR)                            AS organization,
    CASE blank_as_null(j.status)
        WHEN 'active'   THEN 'active'
        WHEN 'inactive' THEN 'suspended'
        WHEN 'pending'  THEN 'pending'
        ELSE 'unknown'
    END                                              AS status,
    blank_as_null(j.status)                          AS vendor_status,
    blank_as_null(j.role_id) IN ('0', '1')           AS is_admin,
    coalesce(text_ts(j.user_created_at), text_ts(j.created_at)) AS created_at,
    text_ts(j.last_login_time)                       AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                        AS last_activity_at,
    CAST([] AS VARCHAR[])                            AS aliases,
    CAST(NULL AS VARCHAR)                            AS country,
    CAST(NULL AS VARCHAR)                            AS office_location
FROM users
