-- Salesforce LoginHistory -> canonical activity. A SAML login (the IdP's
-- single sign-on into Salesforce) is 'sso', every other login type
-- (Application, Remote Access 2.0, …) 'sign_in'; failed attempts are kept
-- with succeeded false. LoginHistory names no login, only the user id. The
-- payload is parsed once, into the fields used.
WITH logins AS (
    SELECT
        *,
        json_transform(payload, '{"LoginTime": "VARCHAR", "LoginType": "VARCHAR", "UserId": "VARCHAR",
                                  "Application": "VARCHAR", "Status": "VARCHAR"}') AS j
    FROM raw_salesforce__activity
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    text_ts(j.LoginTime)                                        AS occurred_at,
    CASE WHEN blank_as_null(j.LoginType) ILIKE '%SAML%' THEN 'sso' ELSE 'sign_in' END AS event_type,
    blank_as_null(j.LoginType)                                  AS vendor_event_type,
    blank_as_null(j.UserId)                                     AS account_source_id,
    CAST(NULL AS VARCHAR)                                       AS actor_login,
    CAST(NULL AS VARCHAR)                                       AS application_source_id,
    blank_as_null(j.Application)                                AS application_name,
    coalesce(blank_as_null(j.Status) = 'Success', false)        AS succeeded,
    snapshot_id
FROM logins
