-- Salesforce seats -> canonical license_assignments, from two sources:
-- permission set license assignments (PermissionSetLicenseAssign, staged
-- as this entity), and the user license every active user holds through
-- their profile (Profile.UserLicenseId of the users entity; source id
-- "<user id>/<user license id>"). A deactivated user holds no user
-- license (Salesforce frees it), so only active users with a profile
-- license are mapped from users.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.AssigneeId')             AS account_source_id,
    json_text(payload, '$.PermissionSetLicenseId') AS subscription_source_id,
    CAST(NULL AS VARCHAR)                          AS sku,
    'direct'                                       AS assignment_type,
    'active'                                       AS status,
    json_ts(payload, '$.CreatedDate')              AS assigned_at
FROM raw_salesforce__license_assignments
UNION ALL
SELECT
    connector,
    connector_type,
    tenant,
    source_id || '/' || json_text(payload, '$.Profile.UserLicenseId') AS source_id,
    extracted_at,
    source_id                                      AS account_source_id,
    json_text(payload, '$.Profile.UserLicenseId')  AS subscription_source_id,
    CAST(NULL AS VARCHAR)                          AS sku,
    'direct'                                       AS assignment_type,
    'active'                                       AS status,
    -- A user's license changes with their profile and Salesforce does not
    -- say when; the account's creation is when the first license came.
    json_ts(payload, '$.CreatedDate')              AS assigned_at
FROM raw_salesforce__users
WHERE json_text(payload, '$.Profile.UserLicenseId') IS NOT NULL
  AND coalesce(CAST(payload ->> '$.IsActive' AS BOOLEAN), false)
