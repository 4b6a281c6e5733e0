-- Salesforce seats -> canonical license_assignments, from two sources:
-- permission set license assignments (PermissionSetLicenseAssign, staged
-- as this entity), and the user license every active user holds through
-- their profile (Profile.UserLicenseId of the users entity; source id
-- "<user id>/<user license id>"). A deactivated user holds no user
-- license (Salesforce frees it), so only active users with a profile
-- license are mapped from users. Each payload is
-- parsed once, into the fields used.
WITH assigns AS (
    SELECT
        *,
        json_transform(payload, '{"AssigneeId": "VARCHAR", "PermissionSetLicenseId": "VARCHAR",
                                  "CreatedDate": "VARCHAR"}') AS j
    FROM raw_salesforce__license_assignments
),
users AS (
    SELECT
        *,
        json_transform(payload, '{"CreatedDate": "VARCHAR", "IsActive": "VARCHAR",
                                  "Profile": {"UserLicenseId": "VARCHAR"}}') AS j
    FROM raw_salesforce__users
),
user_licenses AS (
    SELECT *, blank_as_null(j.Profile.UserLicenseId) AS user_license_id
    FROM users
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    blank_as_null(j.AssigneeId)                    AS account_source_id,
    blank_as_null(j.PermissionSetLicenseId)        AS subscription_source_id,
    CAST(NULL AS VARCHAR)                          AS sku,
    'direct'                                       AS assignment_type,
    'active'                                       AS status,
    text_ts(j.CreatedDate)                         AS assigned_at
FROM assigns
UNION ALL
SELECT
    connector,
    connector_type,
    tenant,
    source_id || '/' || user_license_id            AS source_id,
    extracted_at,
    source_id                                      AS account_source_id,
    user_license_id                                AS subscription_source_id,
    CAST(NULL AS VARCHAR)                          AS sku,
    'direct'                                       AS assignment_type,
    'active'                                       AS status,
    -- A user's license changes with their profile and Salesforce does not
    -- say when; the account's creation is when the first license came.
    text_ts(j.CreatedDate)                         AS assigned_at
FROM user_licenses
WHERE user_license_id IS NOT NULL
  AND coalesce(CAST(j.IsActive AS BOOLEAN), false)
