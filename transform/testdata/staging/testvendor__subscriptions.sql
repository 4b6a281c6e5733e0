-- Test-only vendor: flat JSON subscriptions.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.sku')                  AS sku,
    json_text(payload, '$.name')                 AS name,
    lower(json_text(payload, '$.state'))         AS status,
    CAST(payload ->> '$.seats' AS BIGINT)        AS purchased_units,
    CAST(payload ->> '$.suspended' AS BIGINT)    AS suspended_units,
    CAST(payload ->> '$.consumed' AS BIGINT)     AS assigned_units,
    CAST(payload ->> '$.price' AS DOUBLE)        AS unit_cost,
    json_text(payload, '$.currency')             AS currency
FROM raw_testvendor__subscriptions
