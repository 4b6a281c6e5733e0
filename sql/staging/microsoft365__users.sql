-- Microsoft 365 users (GET /v1.0/users with assignedLicenses,
-- licenseAssignmentStates and, where the tenant holds Entra ID P1/P2,
-- signInActivity) -> canonical users.
-- accountEnabled is the only lifecycle Graph lists (deleted users leave the
-- listing). signInActivity is absent on tenants without premium (the
-- connector reports last_login unavailable) and Graph writes "never" as
-- 0001-01-01T00:00:00Z, read here as NULL. The listing does not say who is an
-- admin, so is_admin is NULL. Aliases are the smtp proxy addresses, other
-- mails and the user principal name, without the primary address.
WITH parsed AS (
    -- The payload parsed once, into the fields used.
    SELECT
        *,
        json_transform(payload, '{
            "userPrincipalName": "VARCHAR", "mail": "VARCHAR", "otherMails": ["VARCHAR"],
            "proxyAddresses": ["VARCHAR"], "givenName": "VARCHAR", "surname": "VARCHAR",
            "displayName": "VARCHAR", "department": "VARCHAR", "jobTitle": "VARCHAR",
            "employeeId": "VARCHAR", "userType": "VARCHAR", "companyName": "VARCHAR",
            "accountEnabled": "VARCHAR", "createdDateTime": "VARCHAR", "country": "VARCHAR",
            "officeLocation": "VARCHAR",
            "signInActivity": {"lastSignInDateTime": "VARCHAR", "lastNonInteractiveSignInDateTime": "VARCHAR",
                               "lastSuccessfulSignInDateTime": "VARCHAR"}
        }') AS j
    FROM raw_microsoft365__users
),
users AS (
    SELECT
        *,
        coalesce(j.proxyAddresses, [])                                                    AS proxy,
        coalesce(j.otherMails, [])                                                        AS other,
        never_as_null(text_ts(j.signInActivity.lastSignInDateTime))                       AS last_sign_in,
        never_as_null(text_ts(j.signInActivity.lastNonInteractiveSignInDateTime))         AS last_non_interactive,
        never_as_null(text_ts(j.signInActivity.lastSuccessfulSignInDateTime))             AS last_successful,
        blank_as_null(j.userPrincipalName)                                                AS upn_text,
        blank_as_null(j.mail)                                                             AS mail_text,
        blank_as_null(j.accountEnabled)                                                   AS enabled_text
    FROM parsed
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    upn_text                                 AS login,
    mail_text                                AS email,
    blank_as_null(j.otherMails[1])           AS secondary_email,
    blank_as_null(j.givenName)               AS first_name,
    blank_as_null(j.surname)                 AS last_name,
    blank_as_null(j.displayName)             AS display_name,
    blank_as_null(j.department)              AS department,
    blank_as_null(j.jobTitle)                AS job_title,
    blank_as_null(j.employeeId)              AS employee_number,
    CAST(NULL AS VARCHAR)                           AS cost_center,
    CAST(NULL AS VARCHAR)                           AS manager_source_id,
    lower(blank_as_null(j.userType))         AS user_type,
    blank_as_null(j.companyName)             AS organization,
    CASE enabled_text
        WHEN 'true'  THEN 'active'
        WHEN 'false' THEN 'suspended'
        ELSE 'unknown'
    END                                             AS status,
    CASE enabled_text
        WHEN 'true'  THEN 'enabled'
        WHEN 'false' THEN 'disabled'
    END                                             AS vendor_status,
    CAST(NULL AS BOOLEAN)                           AS is_admin,
    text_ts(j.createdDateTime)               AS created_at,
    last_sign_in                                    AS last_login_at,
    -- Non-interactive sign-ins (token refreshes of a running Outlook or
    -- Teams) are use of the license too.
    greatest(last_sign_in, last_non_interactive, last_successful) AS last_activity_at,
    list_sort(list_distinct(list_filter(
        list_transform(list_filter(proxy, a -> lower(a) LIKE 'smtp:%'), a -> lower(trim(a[6:])))
            || list_transform(other, a -> lower(trim(a)))
            || [lower(upn_text)],
        a -> a IS NOT NULL AND a <> '' AND a <> coalesce(lower(mail_text), '')
    )))                                             AS aliases,
    blank_as_null(j.country)                 AS country,
    blank_as_null(j.officeLocation)          AS office_location
FROM users
