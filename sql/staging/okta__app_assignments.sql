-- Okta app users (GET /api/v1/apps/{appId}/users) -> canonical app
-- assignments. The connector writes source_id as "<appId>/<userId>" because an
-- app-user object does not carry its app's id; the payload's id is the user.
-- The payload is parsed once, into the fields used.
WITH parsed AS (
    SELECT
        *,
        json_transform(payload, '{
            "id": "VARCHAR",
            "status": "VARCHAR",
            "scope": "VARCHAR",
            "created": "VARCHAR",
            "credentials": {"userName": "VARCHAR"},
            "profile": {"email": "VARCHAR"}
        }') AS j
    FROM raw_okta__app_assignments
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    split_part(source_id, '/', 1)        AS application_source_id,
    blank_as_null(j.id)                  AS account_source_id,
    blank_as_null(j.credentials.userName) AS user_name,
    blank_as_null(j.profile.email)       AS email,
    lower(blank_as_null(j.status))       AS status,
    lower(blank_as_null(j.scope))        AS scope,
    text_ts(j.created)                   AS assigned_at
FROM parsed
