-- Okta app integrations (GET /api/v1/apps) -> canonical applications.
-- label is what people see; name is Okta's integration key (e.g. "salesforce"
-- for catalogue apps, a generated key for custom ones).
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.label')             AS name,
    json_text(payload, '$.name')              AS app_key,
    lower(json_text(payload, '$.status'))     AS status,
    json_text(payload, '$.signOnMode')        AS sign_on_mode,
    json_ts(payload, '$.created')             AS created_at
FROM raw_okta__applications
