-- One row per subscription (license, SKU, plan) at a vendor tenant,
-- deduplicated like accounts. Subscriptions are never merged across sources:
-- the same product bought through two tenants is two subscriptions. A seat
-- price the source does not state comes from the configured prices
-- (input_prices), matched on connector type or vendor and sku, a sku price
-- before a vendor-wide one, then in config order; the per-subscription
-- activity threshold (input_subscription_thresholds) is matched the same
-- way, else the global one applies.
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
        ORDER BY extracted_at DESC, connector, hash(s)
    ) = 1
),
prices AS (
    SELECT c.connector_type, c.tenant, c.source_id, p.unit_cost, p.currency
    FROM chosen AS c
    JOIN connector_types AS t USING (connector_type)
    JOIN input_prices AS p
      ON (p.connector_type IS NULL OR p.connector_type = c.connector_type)
     AND (p.vendor IS NULL OR lower(p.vendor) = lower(t.vendor))
     AND (p.sku IS NULL OR lower(p.sku) = lower(c.sku))
    QUALIFY row_number() OVER (
        PARTITION BY c.connector_type, c.tenant, c.source_id
        ORDER BY p.sku IS NULL, p.position
    ) = 1
),
thresholds AS (
    SELECT c.connector_type, c.tenant, c.source_id, s.activity_threshold_days
    FROM chosen AS c
    JOIN connector_types AS t USING (connector_type)
    JOIN input_subscription_thresholds AS s
      ON (s.connector_type IS NULL OR s.connector_type = c.connector_type)
     AND (s.vendor IS NULL OR lower(s.vendor) = lower(t.vendor))
     AND (s.sku IS NULL OR lower(s.sku) = lower(c.sku))
    QUALIFY row_number() OVER (
        PARTITION BY c.connector_type, c.tenant, c.source_id
        ORDER BY s.sku IS NULL, s.position
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
    -- A price the source states wins over the configured one; the pair is
    -- taken together so a cost never carries another price's currency.
    CASE WHEN c.unit_cost IS NOT NULL THEN c.unit_cost ELSE pr.unit_cost END AS unit_cost,
    CASE WHEN c.unit_cost IS NOT NULL THEN c.currency ELSE pr.currency END AS currency,
    CASE WHEN c.unit_cost IS NOT NULL THEN 'source' WHEN pr.unit_cost IS NOT NULL THEN 'config' END AS unit_cost_source,
    coalesce(th.activity_threshold_days, p.activity_threshold_days) AS activity_threshold_days,
    l.connectors
FROM chosen AS c
JOIN lineage AS l USING (connector_type, tenant, source_id)
JOIN connector_types AS t USING (connector_type)
LEFT JOIN prices AS pr USING (connector_type, tenant, source_id)
LEFT JOIN thresholds AS th USING (connector_type, tenant, source_id)
CROSS JOIN params AS p
