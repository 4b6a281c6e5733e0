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
-- Datetimes come as 2026-03-15T08:01:02.000+0000. The payload is parsed
-- once, into the fields used (IsActive as its JSON text, cast as before).
WITH users AS (
    SELECT
        *,
        json_transform(payload, '{
            "Username": "VARCHAR", "Email": "VARCHAR", "FirstName": "VARCHAR", "LastName": "VARCHAR",
            "Name": "VARCHAR", "Department": "VARCHAR", "Title": "VARCHAR", "EmployeeNumber": "VARCHAR",
            "ManagerId": "VARCHAR", "UserType": "VARCHAR", "CompanyName": "VARCHAR", "IsActive": "VARCHAR",
            "CreatedDate": "VARCHAR", "LastLoginDate": "VARCHAR", "FederationIdentifier": "VARCHAR",
            "Country": "VARCHAR", "City": "VARCHAR",
            "Profile": {"Name": "VARCHAR", "UserLicense": {"Name": "VARCHAR"}}
        }') AS j
    FROM raw_salesforce__users
),
fields AS (
    SELECT
        *,
        blank_as_null(j.UserType)            AS user_type_text,
        blank_as_null(j.Email)               AS email_text,
        blank_as_null(j.Username)            AS username_text,
        CAST(j.IsActive AS BOOLEAN)          AS is_active
    FROM users
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    username_text                                 AS login,
    email_text                                    AS email,
    CAST(NULL AS VARCHAR)                         AS secondary_email,
    blank_as_null(j.FirstName)                    AS first_name,
    blank_as_null(j.LastName)                     AS last_name,
    blank_as_null(j.Name)                         AS display_name,
    blank_as_null(j.Department)                   AS department,
    blank_as_null(j.Title)                        AS job_title,
    blank_as_null(j.EmployeeNumber)               AS employee_number,
    CAST(NULL AS VARCHAR)                         AS cost_center,
    blank_as_null(j.ManagerId)                    AS manager_source_id,
    CASE
        WHEN user_type_text = 'AutomatedProcess' THEN 'bot'
        WHEN lower(user_type_text) IN ('powerpartner', 'powercustomersuccess', 'customersuccess', 'cspliteportal', 'selfservice') THEN 'portal'
        WHEN user_type_text = 'Guest'
          OR blank_as_null(j.Profile.UserLicense.Name) = 'Salesforce Integration' THEN 'service'
        WHEN user_type_text IN ('Standard', 'CsnOnly') THEN 'member'
        ELSE 'unknown'
    END                                           AS user_type,
    blank_as_null(j.CompanyName)                  AS organization,
    CASE is_active
        WHEN true  THEN 'active'
        WHEN false THEN 'deprovisioned'
        ELSE 'unknown'
    END                                           AS status,
    CASE is_active
        WHEN true  THEN 'Active'
        WHEN false THEN 'Inactive'
    END                                           AS vendor_status,
    CASE WHEN blank_as_null(j.Profile.Name) = 'System Administrator' THEN true END AS is_admin,
    text_ts(j.CreatedDate)                        AS created_at,
    text_ts(j.LastLoginDate)                      AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                     AS last_activity_at,
    -- The username and the federation id are logins of the account; they
    -- are often the e-mail address itself, which is not an alias.
    list_distinct(list_filter(
        [username_text, blank_as_null(j.FederationIdentifier)],
        lambda a: a IS NOT NULL AND lower(a) <> lower(coalesce(email_text, ''))
    ))                                            AS aliases,
    blank_as_null(j.Country)                      AS country,
    blank_as_null(j.City)                         AS office_location
FROM fields
