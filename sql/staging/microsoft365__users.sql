-- Microsoft 365 users (GET /v1.0/users with assignedLicenses,
-- licenseAssignmentStates and, where the tenant holds Entra ID P1/P2,
-- signInActivity) -> canonical users.
-- accountEnabled is the only lifecycle Graph lists (deleted users leave the
-- listing). signInActivity is absent on tenants without premium (the
-- connector reports last_login unavailable) and Graph writes "never" as
-- 0001-01-01T00:00:00Z, read here as NULL. The listing does not say who is an
-- admin, so is_admin is NULL. Aliases are the smtp proxy addresses, other
-- mails and the user principal name, without the primary address.
WITH users AS (
    SELECT
        *,
        coalesce(from_json(payload -> '$.proxyAddresses', '["VARCHAR"]'), [])    AS proxy,
        coalesce(from_json(payload -> '$.otherMails', '["VARCHAR"]'), [])        AS other,
        never_as_null(json_ts(payload, '$.signInActivity.lastSignInDateTime'))               AS last_sign_in,
        never_as_null(json_ts(payload, '$.signInActivity.lastNonInteractiveSignInDateTime')) AS last_non_interactive,
        never_as_null(json_ts(payload, '$.signInActivity.lastSuccessfulSignInDateTime'))     AS last_successful
    FROM raw_microsoft365__users
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.userPrincipalName')       AS login,
    json_text(payload, '$.mail')                    AS email,
    json_text(payload, '$.otherMails[0]')           AS secondary_email,
    json_text(payload, '$.givenName')               AS first_name,
    json_text(payload, '$.surname')                 AS last_name,
    json_text(payload, '$.displayName')             AS display_name,
    json_text(payload, '$.department')              AS department,
    json_text(payload, '$.jobTitle')                AS job_title,
    json_text(payload, '$.employeeId')              AS employee_number,
    CAST(NULL AS VARCHAR)                           AS cost_center,
    CAST(NULL AS VARCHAR)                           AS manager_source_id,
    lower(json_text(payload, '$.userType'))         AS user_type,
    json_text(payload, '$.companyName')             AS organization,
    CASE json_text(payload, '$.accountEnabled')
        WHEN 'true'  THEN 'active'
        WHEN 'false' THEN 'suspended'
        ELSE 'unknown'
    END                                             AS status,
    CASE json_text(payload, '$.accountEnabled')
        WHEN 'true'  THEN 'enabled'
        WHEN 'false' THEN 'disabled'
    END                                             AS vendor_status,
    CAST(NULL AS BOOLEAN)                           AS is_admin,
    json_ts(payload, '$.createdDateTime')           AS created_at,
    last_sign_in                                    AS last_login_at,
    -- Non-interactive sign-ins (token refreshes of a running Outlook or
    -- Teams) are use of the license too.
    greatest(last_sign_in, last_non_interactive, last_successful) AS last_activity_at,
    list_sort(list_distinct(list_filter(
        list_transform(list_filter(proxy, a -> lower(a) LIKE 'smtp:%'), a -> lower(trim(a[6:])))
            || list_transform(other, a -> lower(trim(a)))
            || [lower(json_text(payload, '$.userPrincipalName'))],
        a -> a IS NOT NULL AND a <> '' AND a <> coalesce(lower(json_text(payload, '$.mail')), '')
    )))                                             AS aliases,
    json_text(payload, '$.country')                 AS country,
    json_text(payload, '$.officeLocation')          AS office_location
FROM users
