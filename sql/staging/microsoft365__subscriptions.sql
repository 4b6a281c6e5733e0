-- Microsoft 365 subscribed SKUs (GET /v1.0/subscribedSkus) -> canonical
-- subscriptions, keyed by skuId (what users' assignedLicenses name).
-- prepaidUnits.enabled are the usable seats; suspended, warning (grace
-- period) and lockedOut seats are not. Graph states no price.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.skuPartNumber')                         AS sku,
    json_text(payload, '$.skuPartNumber')                         AS name,
    lower(json_text(payload, '$.capabilityStatus'))               AS status,
    CAST(json_text(payload, '$.prepaidUnits.enabled') AS BIGINT)  AS purchased_units,
    coalesce(CAST(json_text(payload, '$.prepaidUnits.suspended') AS BIGINT), 0)
        + coalesce(CAST(json_text(payload, '$.prepaidUnits.warning') AS BIGINT), 0)
        + coalesce(CAST(json_text(payload, '$.prepaidUnits.lockedOut') AS BIGINT), 0) AS suspended_units,
    CAST(json_text(payload, '$.consumedUnits') AS BIGINT)         AS assigned_units,
    CAST(NULL AS DOUBLE)                                          AS unit_cost,
    CAST(NULL AS VARCHAR)                                         AS currency
FROM raw_microsoft365__subscriptions
