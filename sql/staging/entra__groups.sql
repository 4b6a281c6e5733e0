-- Microsoft Entra ID groups (GET /v1.0/groups) -> canonical groups.
-- group_type: microsoft365 (groupTypes has Unified), mail_enabled_security,
-- security or distribution. Graph keeps no membership-change time on the
-- group.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.displayName')   AS name,
    json_text(payload, '$.description')   AS description,
    CASE
        WHEN list_contains(coalesce(from_json(payload -> '$.groupTypes', '["VARCHAR"]'), []), 'Unified') THEN 'microsoft365'
        WHEN json_text(payload, '$.securityEnabled') = 'true' AND json_text(payload, '$.mailEnabled') = 'true' THEN 'mail_enabled_security'
        WHEN json_text(payload, '$.securityEnabled') = 'true' THEN 'security'
        ELSE 'distribution'
    END                                   AS group_type,
    json_ts(payload, '$.createdDateTime') AS created_at,
    CAST(NULL AS TIMESTAMPTZ)             AS membership_updated_at
FROM raw_entra__groups
