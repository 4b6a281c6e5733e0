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
-- The payload is parsed once, into the fields used; proxyAddresses stays
-- JSON and is cast as a whole.
WITH parsed AS (
    SELECT
        *,
        json_transform(payload, '{"mapped": {
            "userAccountControl": "VARCHAR", "accountExpires": "VARCHAR", "lockoutTime": "VARCHAR",
            "proxyAddresses": "JSON", "mail": "VARCHAR", "inLeaverOU": "VARCHAR",
            "sAMAccountName": "VARCHAR", "userPrincipalName": "VARCHAR", "givenName": "VARCHAR",
            "sn": "VARCHAR", "displayName": "VARCHAR", "department": "VARCHAR", "title": "VARCHAR",
            "employeeID": "VARCHAR", "employeeNumber": "VARCHAR", "managerObjectGUID": "VARCHAR",
            "employeeType": "VARCHAR", "company": "VARCHAR", "ouPath": "VARCHAR",
            "adminCount": "VARCHAR", "whenCreated": "VARCHAR", "lastLogonTimestamp": "VARCHAR",
            "c": "VARCHAR", "co": "VARCHAR", "physicalDeliveryOfficeName": "VARCHAR", "l": "VARCHAR"
        }}').mapped AS m
    FROM raw_ldap__users
),
u AS (
    SELECT
        *,
        CAST(m.userAccountControl AS BIGINT)                            AS uac,
        text_ts(m.accountExpires)                                       AS account_expires,
        text_ts(m.lockoutTime)                                          AS lockout_time,
        coalesce(CAST(m.proxyAddresses AS VARCHAR[]), [])               AS proxies,
        coalesce(blank_as_null(m.mail),
                 -- The primary address is the one SMTP: in upper case.
                 substr(list_filter(coalesce(CAST(m.proxyAddresses AS VARCHAR[]), []),
                                    lambda p: p LIKE 'SMTP:%')[1], 6)) AS mail_address,
        coalesce(CAST(m.inLeaverOU AS BOOLEAN), false)                  AS in_leaver_ou
    FROM parsed
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
    coalesce(blank_as_null(m.sAMAccountName),
             blank_as_null(m.userPrincipalName))         AS login,
    mail_address                                                        AS email,
    CAST(NULL AS VARCHAR)                                               AS secondary_email,
    blank_as_null(m.givenName)                            AS first_name,
    blank_as_null(m.sn)                                   AS last_name,
    blank_as_null(m.displayName)                          AS display_name,
    blank_as_null(m.department)                           AS department,
    blank_as_null(m.title)                                AS job_title,
    coalesce(blank_as_null(m.employeeID),
             blank_as_null(m.employeeNumber))             AS employee_number,
    CAST(NULL AS VARCHAR)                                               AS cost_center,
    blank_as_null(m.managerObjectGUID)                    AS manager_source_id,
    lower(blank_as_null(m.employeeType))                  AS user_type,
    -- The company when set, else the OU path: the org unit has no column
    -- of its own in the contract.
    coalesce(blank_as_null(m.company),
             blank_as_null(m.ouPath))                     AS organization,
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
        WHEN CAST(m.adminCount AS BIGINT) = 1 THEN true
        WHEN uac IS NOT NULL THEN false
    END                                                                 AS is_admin,
    text_ts(m.whenCreated)                                AS created_at,
    text_ts(m.lastLogonTimestamp)                         AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                                           AS last_activity_at,
    -- smtp: (lower case) addresses and the UPN, without the e-mail itself.
    list_sort(list_distinct(list_filter(
        list_concat(
            list_transform(list_filter(proxies, lambda p: p LIKE 'smtp:%'), lambda p: substr(p, 6)),
            [blank_as_null(m.userPrincipalName)]),
        lambda a: a IS NOT NULL AND a <> '' AND lower(a) <> lower(coalesce(mail_address, '')))))
                                                                        AS aliases,
    coalesce(blank_as_null(m.c), blank_as_null(m.co))
                                                                        AS country,
    coalesce(blank_as_null(m.physicalDeliveryOfficeName),
             blank_as_null(m.l))                          AS office_location
FROM flags
