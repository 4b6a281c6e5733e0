-- Test-only vendor (transform tests' stagingOverlay): flat JSON users.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.login')      AS login,
    json_text(payload, '$.email')      AS email,
    CAST(NULL AS VARCHAR)              AS secondary_email,
    json_text(payload, '$.first')      AS first_name,
    json_text(payload, '$.last')       AS last_name,
    json_text(payload, '$.name')       AS display_name,
    json_text(payload, '$.dept')       AS department,
    json_text(payload, '$.title')      AS job_title,
    json_text(payload, '$.empno')      AS employee_number,
    CAST(NULL AS VARCHAR)              AS cost_center,
    json_text(payload, '$.manager')    AS manager_source_id,
    json_text(payload, '$.type')       AS user_type,
    CAST(NULL AS VARCHAR)              AS organization,
    CASE json_text(payload, '$.state')
        WHEN 'ACTIVE' THEN 'active' WHEN 'DISABLED' THEN 'suspended' WHEN 'DELETED' THEN 'deprovisioned'
        ELSE 'unknown'
    END                                AS status,
    json_text(payload, '$.state')      AS vendor_status,
    CAST(payload ->> '$.admin' AS BOOLEAN) AS is_admin,
    CAST(NULL AS TIMESTAMPTZ)          AS created_at,
    json_ts(payload, '$.lastLogin')    AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)          AS last_activity_at,
    coalesce(from_json(payload -> '$.aliases', '["VARCHAR"]'), [])  AS aliases,
    CAST(NULL AS VARCHAR)              AS country,
    CAST(NULL AS VARCHAR)              AS office_location
FROM raw_testvendor__users
