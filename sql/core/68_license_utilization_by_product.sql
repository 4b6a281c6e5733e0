-- Dataset license_utilization_by_product: license_utilization rolled up per
-- vendor product over its tenants and subscriptions. Unit counts add up the
-- subscriptions that know them; utilization_pct uses only subscriptions
-- whose purchased seats and active holders are both known. Money is summed
-- as DECIMAL, so the total does not depend on summation order, and only
-- when every priced subscription uses one currency.
SELECT
    snapshot_date,
    vendor,
    product,
    connector_type,
    count(*) AS subscriptions,
    CAST(sum(purchased) AS BIGINT)         AS purchased,
    CAST(sum(assigned) AS BIGINT)          AS assigned,
    CAST(sum(active) AS BIGINT)            AS active,
    CAST(sum(inactive) AS BIGINT)          AS inactive,
    CAST(sum(never_active) AS BIGINT)      AS never_active,
    CAST(sum(not_monitored) AS BIGINT)     AS not_monitored,
    round(100 * CAST(sum(active) FILTER (WHERE purchased > 0 AND active IS NOT NULL) AS DOUBLE)
          / sum(purchased) FILTER (WHERE purchased > 0 AND active IS NOT NULL), 2) AS utilization_pct,
    CAST(sum(reclaimable_units) AS BIGINT) AS reclaimable_units,
    CASE WHEN count(DISTINCT currency) FILTER (WHERE unit_cost IS NOT NULL) = 1
         THEN CAST(sum(CAST(reclaimable_monthly_cost AS DECIMAL(38, 6))) AS DOUBLE)
    END AS reclaimable_monthly_cost,
    CASE WHEN count(DISTINCT currency) FILTER (WHERE unit_cost IS NOT NULL) = 1
         THEN min(currency) FILTER (WHERE unit_cost IS NOT NULL)
    END AS currency,
    list_sort(list_distinct(flatten(list(connectors)))) AS connectors
FROM license_utilization
GROUP BY snapshot_date, vendor, product, connector_type
