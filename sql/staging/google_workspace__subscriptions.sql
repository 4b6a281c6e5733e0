-- Google Workspace SKUs -> canonical subscriptions. The connector composes
-- these records (kind saaspipe#googleSku): the SKU and its assigned count
-- from the License Manager listing, purchased seats from the instance's
-- purchased_seats setting (NULL when not configured). Google states no
-- price through these APIs.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.skuId')                                   AS sku,
    coalesce(json_text(payload, '$.skuName'), json_text(payload, '$.skuId')) AS name,
    'active'                                                        AS status,
    CAST(payload ->> '$.purchasedSeats' AS BIGINT)                  AS purchased_units,
    CAST(NULL AS BIGINT)                                            AS suspended_units,
    CAST(payload ->> '$.assignedLicenses' AS BIGINT)                AS assigned_units,
    CAST(NULL AS DOUBLE)                                            AS unit_cost,
    CAST(NULL AS VARCHAR)                                           AS currency
FROM raw_google_workspace__subscriptions
