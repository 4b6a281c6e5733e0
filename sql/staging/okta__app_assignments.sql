-- Okta app users (GET /api/v1/apps/{appId}/users) -> canonical app
-- assignments. The connector writes source_id as "<appId>/<userId>" because an
-- app-user object does not carry its app's id; the payload's id is the user.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    split_part(source_id, '/', 1)                AS application_source_id,
    json_text(payload, '$.id')                   AS account_source_id,
    json_text(payload, '$.credentials.userName') AS user_name,
    json_text(payload, '$.profile.email')        AS email,
    lower(json_text(payload, '$.status'))        AS status,
    lower(json_text(payload, '$.scope'))         AS scope,
    json_ts(payload, '$.created')                AS assigned_at
FROM raw_okta__app_assignments
