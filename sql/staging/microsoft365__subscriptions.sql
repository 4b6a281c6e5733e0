-- Microsoft 365 subscribed SKUs (GET /v1.0/subscribedSkus) -> canonical
-- subscriptions, keyed by skuId (what users' assignedLicenses name).
-- prepaidUnits.enabled are the usable seats; suspended, warning (grace
-- period) and lockedOut seats are not. Graph states no price.
-- Graph names a SKU only by its part number; the product names of the
-- common ones are those of Microsoft's "Product names and service plan
-- identifiers for licensing" list, and any other keeps its part number.
WITH names(part, product) AS (
    VALUES ('STANDARDPACK',             'Office 365 E1'),
           ('ENTERPRISEPACK',           'Office 365 E3'),
           ('ENTERPRISEPREMIUM',        'Office 365 E5'),
           ('SPE_E3',                   'Microsoft 365 E3'),
           ('SPE_E5',                   'Microsoft 365 E5'),
           ('SPE_F1',                   'Microsoft 365 F3'),
           ('O365_BUSINESS_ESSENTIALS', 'Microsoft 365 Business Basic'),
           ('O365_BUSINESS_PREMIUM',    'Microsoft 365 Business Standard'),
           ('SPB',                      'Microsoft 365 Business Premium'),
           ('EXCHANGESTANDARD',         'Exchange Online (Plan 1)'),
           ('EXCHANGEENTERPRISE',       'Exchange Online (Plan 2)'),
           ('POWER_BI_PRO',             'Power BI Pro'),
           ('VISIOCLIENT',              'Visio Plan 2'),
           ('PROJECTPROFESSIONAL',      'Project Plan 3'),
           ('AAD_PREMIUM',              'Microsoft Entra ID P1'),
           ('AAD_PREMIUM_P2',           'Microsoft Entra ID P2'),
           ('EMS',                      'Enterprise Mobility + Security E3'),
           ('CRMSTANDARD',              'Microsoft Dynamics CRM Online')
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.skuPartNumber')                         AS sku,
    coalesce(n.product, json_text(payload, '$.skuPartNumber'))    AS name,
    lower(json_text(payload, '$.capabilityStatus'))               AS status,
    CAST(json_text(payload, '$.prepaidUnits.enabled') AS BIGINT)  AS purchased_units,
    coalesce(CAST(json_text(payload, '$.prepaidUnits.suspended') AS BIGINT), 0)
        + coalesce(CAST(json_text(payload, '$.prepaidUnits.warning') AS BIGINT), 0)
        + coalesce(CAST(json_text(payload, '$.prepaidUnits.lockedOut') AS BIGINT), 0) AS suspended_units,
    CAST(json_text(payload, '$.consumedUnits') AS BIGINT)         AS assigned_units,
    CAST(NULL AS DOUBLE)                                          AS unit_cost,
    CAST(NULL AS VARCHAR)                                         AS currency
FROM raw_microsoft365__subscriptions
LEFT JOIN names AS n ON n.part = json_text(payload, '$.skuPartNumber')
