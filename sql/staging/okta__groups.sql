-- Okta groups (GET /api/v1/groups) -> canonical groups.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.profile.name')        AS name,
    json_text(payload, '$.profile.description') AS description,
    json_text(payload, '$.type')                AS group_type,
    json_ts(payload, '$.created')               AS created_at,
    json_ts(payload, '$.lastMembershipUpdated') AS membership_updated_at
FROM raw_okta__groups
