-- Microsoft Entra ID service principals that are single sign-on
-- applications (the connector keeps those with a preferredSingleSignOnMode
-- or the WindowsAzureActiveDirectoryIntegratedApp tag) -> canonical
-- applications. app_key is the application (client) id, the same in every
-- tenant; sign_on_mode is saml, oidc or password, NULL when only the tag
-- says the app is integrated. A service principal carries no creation time.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.displayName')                AS name,
    json_text(payload, '$.appId')                      AS app_key,
    CASE json_text(payload, '$.accountEnabled')
        WHEN 'true'  THEN 'active'
        WHEN 'false' THEN 'inactive'
    END                                                AS status,
    lower(json_text(payload, '$.preferredSingleSignOnMode')) AS sign_on_mode,
    CAST(NULL AS TIMESTAMPTZ)                          AS created_at
FROM raw_entra__applications
