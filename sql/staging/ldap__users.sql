-- Active Directory users (paged subtree search, user_filter) -> canonical
-- users. The connector has read each entry into AD's vocabulary under
-- $.mapped (see extract/ldap's package doc): FILETIME and generalized time
-- are RFC 3339 already, FILETIME "never" (0, 0x7FFFFFFFFFFFFFFF) is null,
-- and the manager's DN is resolved to the manager's objectGUID, the
-- source_id core joins manager_source_id on.
--
-- Status, from userAccountControl (bit 0x2 ACCOUNTDISABLE), accountExpires
-- (compared with extracted_at, the moment the directory was read),
-- lockoutTime and the leaver OUs the connector was configured with:
--   disabled in a leaver OU          -> deprovisioned
--   disabled, or expired             -> suspended
--   lockoutTime set                  -> locked (AD keeps lockoutTime until
--                                       the next logon, so an account whose
--                                       lockout duration ran out still reads
--                                       as locked)
--   otherwise                        -> active; an entry of a directory
--                                       without userAccountControl too
-- vendor_status lists the flags that decided it (disabled, expired, locked,
-- leaver_ou) or says enabled.
WITH u AS (
    SELECT
        *,
        CAST(payload ->> '$.mapped.userAccountControl' AS BIGINT)       AS uac,
        json_ts(payload, '$.mapped.accountExpires')                     AS account_expires,
        json_ts(payload, '$.mapped.lockoutTime')                        AS lockout_time,
        coalesce(CAST(payload -> '$.mapped.proxyAddresses' AS VARCHAR[]), [])
                                                                        AS proxies,
        coalesce(json_text(payload, '$.mapped.mail'),
                 -- The primary address is the one SMTP: in upper case.
                 substr(list_filter(coalesce(CAST(payload -> '$.mapped.proxyAddresses' AS VARCHAR[]), []),
                                    lambda p: p LIKE 'SMTP:%')[1], 6)) AS mail_address,
        coalesce(CAST(payload ->> '$.mapped.inLeaverOU' AS BOOLEAN), false) AS in_leaver_ou
    FROM raw_ldap__users
),
flags AS (
    SELECT
        *,
        coalesce((uac & 2) <> 0, false)                                 AS disabled,
        coalesce(account_expires <= extracted_at, false)                AS expired,
        lockout_time IS NOT NULL                                        AS locked
    FROM u
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    coalesce(json_text(payload, '$.mapped.sAMAccountName'),
             json_text(payload, '$.mapped.userPrincipalName'))         AS login,
    mail_address                                                        AS email,
    CAST(NULL AS VARCHAR)                                               AS secondary_email,
    json_text(payload, '$.mapped.givenName')                            AS first_name,
    json_text(payload, '$.mapped.sn')                                   AS last_name,
    json_text(payload, '$.mapped.displayName')                          AS display_name,
    json_text(payload, '$.mapped.department')                           AS department,
    json_text(payload, '$.mapped.title')                                AS job_title,
    coalesce(json_text(payload, '$.mapped.employeeID'),
             json_text(payload, '$.mapped.employeeNumber'))             AS employee_number,
    CAST(NULL AS VARCHAR)                                               AS cost_center,
    json_text(payload, '$.mapped.managerObjectGUID')                    AS manager_source_id,
    lower(json_text(payload, '$.mapped.employeeType'))                  AS user_type,
    -- The company when set, else the OU path: the org unit has no column
    -- of its own in the contract.
    coalesce(json_text(payload, '$.mapped.company'),
             json_text(payload, '$.mapped.ouPath'))                     AS organization,
    CASE
        WHEN disabled AND in_leaver_ou THEN 'deprovisioned'
        WHEN disabled OR expired       THEN 'suspended'
        WHEN locked                    THEN 'locked'
        ELSE 'active'
    END                                                                 AS status,
    coalesce(nullif(concat_ws(',',
        CASE WHEN disabled THEN 'disabled' END,
        CASE WHEN expired THEN 'expired' END,
        CASE WHEN locked THEN 'locked' END,
        CASE WHEN in_leaver_ou THEN 'leaver_ou' END), ''), 'enabled')  AS vendor_status,
    -- adminCount = 1 marks members (past or present) of AD's protected
    -- admin groups; without userAccountControl this is not AD and cannot
    -- tell.
    CASE
        WHEN CAST(payload ->> '$.mapped.adminCount' AS BIGINT) = 1 THEN true
        WHEN uac IS NOT NULL THEN false
    END                                                                 AS is_admin,
    json_ts(payload, '$.mapped.whenCreated')                            AS created_at,
    json_ts(payload, '$.mapped.lastLogonTimestamp')                     AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                                           AS last_activity_at,
    -- smtp: (lower case) addresses and the UPN, without the e-mail itself.
    list_sort(list_distinct(list_filter(
        list_concat(
            list_transform(list_filter(proxies, lambda p: p LIKE 'smtp:%'), lambda p: substr(p, 6)),
            [json_text(payload, '$.mapped.userPrincipalName')]),
        lambda a: a IS NOT NULL AND a <> '' AND lower(a) <> lower(coalesce(mail_address, '')))))
                                                                        AS aliases,
    coalesce(json_text(payload, '$.mapped.c'), json_text(payload, '$.mapped.co'))
                                                                        AS country,
    coalesce(json_text(payload, '$.mapped.physicalDeliveryOfficeName'),
             json_text(payload, '$.mapped.l'))                          AS office_location
FROM flags
