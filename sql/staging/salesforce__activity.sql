-- Salesforce LoginHistory -> canonical activity. A SAML login (the IdP's
-- single sign-on into Salesforce) is 'sso', every other login type
-- (Application, Remote Access 2.0, …) 'sign_in'; failed attempts are kept
-- with succeeded false. LoginHistory names no login, only the user id.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_ts(payload, '$.LoginTime')                             AS occurred_at,
    CASE WHEN json_text(payload, '$.LoginType') ILIKE '%SAML%' THEN 'sso' ELSE 'sign_in' END AS event_type,
    json_text(payload, '$.LoginType')                           AS vendor_event_type,
    json_text(payload, '$.UserId')                              AS account_source_id,
    CAST(NULL AS VARCHAR)                                       AS actor_login,
    CAST(NULL AS VARCHAR)                                       AS application_source_id,
    json_text(payload, '$.Application')                         AS application_name,
    coalesce(json_text(payload, '$.Status') = 'Success', false) AS succeeded,
    snapshot_id
FROM raw_salesforce__activity
