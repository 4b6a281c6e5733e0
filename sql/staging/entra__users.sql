-- Microsoft Entra ID users (GET /v1.0/users with organisational attributes
-- and $expand=manager($select=id)) -> canonical users.
-- The manager is the manager's user id in the same tenant. user_type is
-- guest for guests, else the employeeType (employee, contractor…) when set,
-- else member. Aliases are the smtp proxy addresses, other mails and the
-- user principal name, without the primary address; on-premises fields stay
-- in the raw payload. The directory listing does not say who is an admin
-- (is_admin NULL) and this connector reads no sign-in activity. The payload
-- is parsed once, into the fields used.
WITH parsed AS (
    SELECT
        *,
        json_transform(payload, '{
            "userPrincipalName": "VARCHAR", "mail": "VARCHAR", "otherMails": ["VARCHAR"],
            "proxyAddresses": ["VARCHAR"], "givenName": "VARCHAR", "surname": "VARCHAR",
            "displayName": "VARCHAR", "department": "VARCHAR", "jobTitle": "VARCHAR",
            "employeeId": "VARCHAR", "employeeOrgData": {"costCenter": "VARCHAR"},
            "manager": {"id": "VARCHAR"}, "userType": "VARCHAR", "employeeType": "VARCHAR",
            "companyName": "VARCHAR", "accountEnabled": "VARCHAR", "createdDateTime": "VARCHAR",
            "country": "VARCHAR", "officeLocation": "VARCHAR", "city": "VARCHAR"
        }') AS j
    FROM raw_entra__users
),
users AS (
    SELECT
        *,
        coalesce(j.proxyAddresses, [])            AS proxy,
        coalesce(j.otherMails, [])                AS other,
        blank_as_null(j.userPrincipalName)        AS upn_text,
        blank_as_null(j.mail)                     AS mail_text,
        blank_as_null(j.userType)                 AS user_type_text,
        blank_as_null(j.accountEnabled)           AS enabled_text
    FROM parsed
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    upn_text                                    AS login,
    mail_text                                   AS email,
    blank_as_null(j.otherMails[1])              AS secondary_email,
    blank_as_null(j.givenName)                  AS first_name,
    blank_as_null(j.surname)                    AS last_name,
    blank_as_null(j.displayName)                AS display_name,
    blank_as_null(j.department)                 AS department,
    blank_as_null(j.jobTitle)                   AS job_title,
    blank_as_null(j.employeeId)                 AS employee_number,
    blank_as_null(j.employeeOrgData.costCenter) AS cost_center,
    blank_as_null(j.manager.id)                 AS manager_source_id,
    CASE
        WHEN lower(user_type_text) = 'guest' THEN 'guest'
        ELSE coalesce(lower(blank_as_null(j.employeeType)), lower(user_type_text))
    END                                                AS user_type,
    blank_as_null(j.companyName)                AS organization,
    CASE enabled_text
        WHEN 'true'  THEN 'active'
        WHEN 'false' THEN 'suspended'
        ELSE 'unknown'
    END                                                AS status,
    CASE enabled_text
        WHEN 'true'  THEN 'enabled'
        WHEN 'false' THEN 'disabled'
    END                                                AS vendor_status,
    CAST(NULL AS BOOLEAN)                              AS is_admin,
    text_ts(j.createdDateTime)                  AS created_at,
    CAST(NULL AS TIMESTAMPTZ)                          AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                          AS last_activity_at,
    list_sort(list_distinct(list_filter(
        list_transform(list_filter(proxy, a -> lower(a) LIKE 'smtp:%'), a -> lower(trim(a[6:])))
            || list_transform(other, a -> lower(trim(a)))
            || [lower(upn_text)],
        a -> a IS NOT NULL AND a <> '' AND a <> coalesce(lower(mail_text), '')
    )))                                                AS aliases,
    blank_as_null(j.country)                    AS country,
    coalesce(blank_as_null(j.officeLocation), blank_as_null(j.city)) AS office_location
FROM users
