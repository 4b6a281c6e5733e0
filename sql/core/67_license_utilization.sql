-- Dataset license_utilization: one row per subscription. The breakdown by
-- activity status counts held seats in license_assignments; it is NULL when
-- the tenant reports no license assignments (only the vendor's totals are
-- known, not who holds the seats), so that "unknown" never reads as 0.
WITH counts AS (
    SELECT
        subscription_id,
        count(*) FILTER (WHERE activity_status = 'active')        AS active,
        count(*) FILTER (WHERE activity_status = 'inactive')      AS inactive,
        count(*) FILTER (WHERE activity_status = 'no_activity')   AS never_active,
        count(*) FILTER (WHERE activity_status = 'not_monitored') AS not_monitored,
        count(*) FILTER (WHERE reclaimable)                       AS reclaimable_units
    FROM license_assignments
    WHERE holds_seat
    GROUP BY subscription_id
),
breakdown AS (
    SELECT
        s.*,
        CASE WHEN s.assigned_units_source = 'license_assignments' THEN coalesce(c.active, 0) END            AS n_active,
        CASE WHEN s.assigned_units_source = 'license_assignments' THEN coalesce(c.inactive, 0) END          AS n_inactive,
        CASE WHEN s.assigned_units_source = 'license_assignments' THEN coalesce(c.never_active, 0) END      AS n_never_active,
        CASE WHEN s.assigned_units_source = 'license_assignments' THEN coalesce(c.not_monitored, 0) END     AS n_not_monitored,
        CASE WHEN s.assigned_units_source = 'license_assignments' THEN coalesce(c.reclaimable_units, 0) END AS n_reclaimable
    FROM subscriptions AS s
    LEFT JOIN counts AS c USING (subscription_id)
)
SELECT
    snapshot_date,
    subscription_id,
    vendor,
    product,
    connector_type,
    tenant,
    sku,
    name,
    purchased_units AS purchased,
    assigned_units  AS assigned,
    n_active        AS active,
    n_inactive      AS inactive,
    n_never_active  AS never_active,
    n_not_monitored AS not_monitored,
    CASE WHEN purchased_units > 0 THEN round(100 * CAST(n_active AS DOUBLE) / purchased_units, 2) END AS utilization_pct,
    n_reclaimable AS reclaimable_units,
    n_reclaimable * unit_cost AS reclaimable_monthly_cost,
    unit_cost,
    currency,
    activity_threshold_days,
    connectors
FROM breakdown
