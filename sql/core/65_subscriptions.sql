-- Dataset subscriptions: one license, SKU or plan per source. assigned_units
-- counts the seats held in license_assignments when the tenant reports
-- license assignments at all (a subscription nobody holds then has 0), else
-- it is the vendor's own figure; vendor_assigned_units always keeps the
-- vendor's figure so the two can be compared.
WITH counted AS (
    SELECT subscription_id, count(*) FILTER (WHERE holds_seat) AS seats
    FROM int_license_assignments
    GROUP BY subscription_id
),
reporting AS (
    SELECT DISTINCT connector_type, tenant FROM int_license_assignments
),
subs AS (
    SELECT
        s.*,
        r.tenant IS NOT NULL AS counted_from_assignments,
        CASE WHEN r.tenant IS NOT NULL THEN coalesce(c.seats, 0) ELSE s.assigned_units END AS assigned
    FROM int_subscriptions AS s
    LEFT JOIN reporting AS r ON r.connector_type = s.connector_type AND r.tenant = s.tenant
    LEFT JOIN counted AS c ON c.subscription_id = s.subscription_id
)
SELECT
    p.snapshot_date,
    s.subscription_id,
    s.vendor,
    s.product,
    s.connector_type,
    s.tenant,
    s.source_id,
    s.sku,
    s.name,
    s.status,
    s.purchased_units,
    s.suspended_units,
    s.assigned AS assigned_units,
    s.assigned_units AS vendor_assigned_units,
    CASE
        WHEN s.counted_from_assignments THEN 'license_assignments'
        WHEN s.assigned_units IS NOT NULL THEN 'vendor'
    END AS assigned_units_source,
    -- Negative when more seats are assigned than bought.
    s.purchased_units - s.assigned AS available_units,
    s.unit_cost,
    s.currency,
    s.activity_threshold_days,
    s.connectors
FROM subs AS s
CROSS JOIN params AS p
