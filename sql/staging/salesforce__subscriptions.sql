-- Salesforce user licenses (UserLicense) and permission set licenses
-- (PermissionSetLicense) -> canonical subscriptions; attributes.type tells
-- them apart. TotalLicenses are the seats the org holds, UsedLicenses those
-- active users take. Salesforce states no price through the API.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    coalesce(json_text(payload, '$.LicenseDefinitionKey'), json_text(payload, '$.PermissionSetLicenseKey'),
             json_text(payload, '$.DeveloperName'))              AS sku,
    coalesce(json_text(payload, '$.MasterLabel'), json_text(payload, '$.Name')) AS name,
    lower(json_text(payload, '$.Status'))                        AS status,
    CAST(payload ->> '$.TotalLicenses' AS BIGINT)                AS purchased_units,
    CAST(NULL AS BIGINT)                                         AS suspended_units,
    CAST(payload ->> '$.UsedLicenses' AS BIGINT)                 AS assigned_units,
    CAST(NULL AS DOUBLE)                                         AS unit_cost,
    CAST(NULL AS VARCHAR)                                        AS currency
FROM raw_salesforce__subscriptions
