-- One row per subscription (license, SKU, plan) at a vendor tenant,
-- deduplicated like accounts. Subscriptions are never merged across sources:
-- the same product bought through two tenants is two subscriptions.
WITH lineage AS (
    SELECT
        connector_type,
        tenant,
        source_id,
        list(DISTINCT connector ORDER BY connector) AS connectors
    FROM stg_subscriptions
    GROUP BY ALL
),
chosen AS (
    SELECT *
    FROM stg_subscriptions AS s
    QUALIFY row_number() OVER (
        PARTITION BY connector_type, tenant, source_id
        ORDER BY extracted_at DESC, connector, CAST(s AS VARCHAR)
    ) = 1
)
SELECT
    subscription_id(c.connector_type, c.tenant, c.source_id) AS subscription_id,
    c.connector_type,
    t.vendor,
    t.product,
    c.tenant,
    c.source_id,
    c.sku,
    c.name,
    c.status,
    c.purchased_units,
    c.suspended_units,
    c.assigned_units,
    c.unit_cost,
    c.currency,
    l.connectors
FROM chosen AS c
JOIN lineage AS l USING (connector_type, tenant, source_id)
JOIN connector_types AS t USING (connector_type)
