-- Test-only vendor: flat JSON license assignments naming the subscription by
-- id or by sku.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.user')            AS account_source_id,
    json_text(payload, '$.subscription')    AS subscription_source_id,
    json_text(payload, '$.sku')             AS sku,
    lower(json_text(payload, '$.via'))      AS assignment_type,
    lower(json_text(payload, '$.state'))    AS status,
    json_ts(payload, '$.since')             AS assigned_at
FROM raw_testvendor__license_assignments
