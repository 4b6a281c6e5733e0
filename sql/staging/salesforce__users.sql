-- Salesforce users (SOQL on User) -> canonical users.
-- Every user is an account; user_type (transform.UserTypes) says which are
-- people of the organisation. Standard and Chatter Free (CsnOnly) users are
-- 'member': Salesforce does not tell staff from contractors. Portal and
-- community users (UserType PowerPartner, PowerCustomerSuccess,
-- CustomerSuccess, CspLitePortal, SelfService: customers' and partners'
-- staff) are 'portal'; the Automated Process user is 'bot'; a site's
-- unauthenticated guest user (UserType Guest) and users on the Salesforce
-- Integration license are 'service'. None of the last three are people.
-- Deactivated users (IsActive false) hold no license and cannot sign in.
-- Only the System Administrator profile says for sure that a user is an
-- admin; permission sets can grant the same, so anyone else is NULL.
-- Datetimes come as 2026-03-15T08:01:02.000+0000.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.Username')              AS login,
    json_text(payload, '$.Email')                 AS email,
    CAST(NULL AS VARCHAR)                         AS secondary_email,
    json_text(payload, '$.FirstName')             AS first_name,
    json_text(payload, '$.LastName')              AS last_name,
    json_text(payload, '$.Name')                  AS display_name,
    json_text(payload, '$.Department')            AS department,
    json_text(payload, '$.Title')                 AS job_title,
    json_text(payload, '$.EmployeeNumber')        AS employee_number,
    CAST(NULL AS VARCHAR)                         AS cost_center,
    json_text(payload, '$.ManagerId')             AS manager_source_id,
    CASE
        WHEN json_text(payload, '$.UserType') = 'AutomatedProcess' THEN 'bot'
        WHEN lower(json_text(payload, '$.UserType')) IN ('powerpartner', 'powercustomersuccess', 'customersuccess', 'cspliteportal', 'selfservice') THEN 'portal'
        WHEN json_text(payload, '$.UserType') = 'Guest'
          OR json_text(payload, '$.Profile.UserLicense.Name') = 'Salesforce Integration' THEN 'service'
        WHEN json_text(payload, '$.UserType') IN ('Standard', 'CsnOnly') THEN 'member'
        ELSE 'unknown'
    END                                           AS user_type,
    json_text(payload, '$.CompanyName')           AS organization,
    CASE CAST(payload ->> '$.IsActive' AS BOOLEAN)
        WHEN true  THEN 'active'
        WHEN false THEN 'deprovisioned'
        ELSE 'unknown'
    END                                           AS status,
    CASE CAST(payload ->> '$.IsActive' AS BOOLEAN)
        WHEN true  THEN 'Active'
        WHEN false THEN 'Inactive'
    END                                           AS vendor_status,
    CASE WHEN json_text(payload, '$.Profile.Name') = 'System Administrator' THEN true END AS is_admin,
    json_ts(payload, '$.CreatedDate')             AS created_at,
    json_ts(payload, '$.LastLoginDate')           AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                     AS last_activity_at,
    -- The username and the federation id are logins of the account; they
    -- are often the e-mail address itself, which is not an alias.
    list_distinct(list_filter(
        [json_text(payload, '$.Username'), json_text(payload, '$.FederationIdentifier')],
        lambda a: a IS NOT NULL AND lower(a) <> lower(coalesce(json_text(payload, '$.Email'), ''))
    ))                                            AS aliases,
    json_text(payload, '$.Country')               AS country,
    json_text(payload, '$.City')                  AS office_location
FROM raw_salesforce__users
