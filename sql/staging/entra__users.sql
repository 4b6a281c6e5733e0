-- Microsoft Entra ID users (GET /v1.0/users with organisational attributes
-- and $expand=manager($select=id)) -> canonical users.
-- The manager is the manager's user id in the same tenant. user_type is
-- guest for guests, else the employeeType (employee, contractor…) when set,
-- else member. Aliases are the smtp proxy addresses, other mails and the
-- user principal name, without the primary address; on-premises fields stay
-- in the raw payload. The directory listing does not say who is an admin
-- (is_admin NULL) and this connector reads no sign-in activity.
WITH users AS (
    SELECT
        *,
        coalesce(from_json(payload -> '$.proxyAddresses', '["VARCHAR"]'), []) AS proxy,
        coalesce(from_json(payload -> '$.otherMails', '["VARCHAR"]'), [])     AS other
    FROM raw_entra__users
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.userPrincipalName')          AS login,
    json_text(payload, '$.mail')                       AS email,
    json_text(payload, '$.otherMails[0]')              AS secondary_email,
    json_text(payload, '$.givenName')                  AS first_name,
    json_text(payload, '$.surname')                    AS last_name,
    json_text(payload, '$.displayName')                AS display_name,
    json_text(payload, '$.department')                 AS department,
    json_text(payload, '$.jobTitle')                   AS job_title,
    json_text(payload, '$.employeeId')                 AS employee_number,
    json_text(payload, '$.employeeOrgData.costCenter') AS cost_center,
    json_text(payload, '$.manager.id')                 AS manager_source_id,
    CASE
        WHEN lower(json_text(payload, '$.userType')) = 'guest' THEN 'guest'
        ELSE coalesce(lower(json_text(payload, '$.employeeType')), lower(json_text(payload, '$.userType')))
    END                                                AS user_type,
    json_text(payload, '$.companyName')                AS organization,
    CASE json_text(payload, '$.accountEnabled')
        WHEN 'true'  THEN 'active'
        WHEN 'false' THEN 'suspended'
        ELSE 'unknown'
    END                                                AS status,
    CASE json_text(payload, '$.accountEnabled')
        WHEN 'true'  THEN 'enabled'
        WHEN 'false' THEN 'disabled'
    END                                                AS vendor_status,
    CAST(NULL AS BOOLEAN)                              AS is_admin,
    json_ts(payload, '$.createdDateTime')              AS created_at,
    CAST(NULL AS TIMESTAMPTZ)                          AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                          AS last_activity_at,
    list_sort(list_distinct(list_filter(
        list_transform(list_filter(proxy, a -> lower(a) LIKE 'smtp:%'), a -> lower(trim(a[6:])))
            || list_transform(other, a -> lower(trim(a)))
            || [lower(json_text(payload, '$.userPrincipalName'))],
        a -> a IS NOT NULL AND a <> '' AND a <> coalesce(lower(json_text(payload, '$.mail')), '')
    )))                                                AS aliases,
    json_text(payload, '$.country')                    AS country,
    coalesce(json_text(payload, '$.officeLocation'), json_text(payload, '$.city')) AS office_location
FROM users
