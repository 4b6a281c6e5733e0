-- Dataset license_assignments: one account holding (or assigned and not
-- holding) a seat of one subscription, with the account's activity status.
-- A seat is reclaimable when it is held and the source can judge it: the
-- account is deprovisioned or suspended, or it was inactive or never active
-- within the threshold. A not_monitored account's seat is never reclaimable,
-- whatever its status: nobody can tell it is unused. An account the users
-- listing did not return is not_monitored for the same reason. The seat is
-- judged with its subscription's threshold (activity_threshold_days, which a
-- config may set per subscription), not the account's global one.
WITH judged AS (
    SELECT
        la.*,
        ap.person_id,
        a.status AS account_status,
        CASE
            WHEN a.activity_status IN ('active', 'inactive') THEN
                CASE WHEN a.days_since_last_activity <= coalesce(s.activity_threshold_days, p.activity_threshold_days)
                     THEN 'active' ELSE 'inactive' END
            ELSE coalesce(a.activity_status, 'not_monitored')
        END AS activity_status,
        a.last_activity_at,
        a.days_since_last_activity,
        s.unit_cost,
        s.currency
    FROM int_license_assignments AS la
    LEFT JOIN int_account_people AS ap ON ap.account_id = la.account_id
    LEFT JOIN accounts AS a ON a.account_id = la.account_id
    LEFT JOIN int_subscriptions AS s ON s.subscription_id = la.subscription_id
    CROSS JOIN params AS p
),
reasons AS (
    SELECT
        *,
        CASE
            WHEN NOT holds_seat OR activity_status = 'not_monitored' THEN NULL
            WHEN account_status IN ('deprovisioned', 'suspended') THEN account_status
            WHEN activity_status IN ('inactive', 'no_activity') THEN activity_status
        END AS reclaim_reason
    FROM judged
)
SELECT
    p.snapshot_date,
    r.account_id,
    r.subscription_id,
    r.person_id,
    t.vendor,
    t.product,
    r.connector_type,
    r.tenant,
    r.account_source_id,
    r.subscription_source_id,
    r.sku,
    r.assignment_type,
    r.status,
    r.holds_seat,
    r.assigned_at,
    r.account_status,
    r.activity_status,
    r.last_activity_at,
    r.days_since_last_activity,
    r.reclaim_reason IS NOT NULL AS reclaimable,
    r.reclaim_reason,
    CASE WHEN r.holds_seat THEN r.unit_cost WHEN r.unit_cost IS NOT NULL THEN 0.0 END AS monthly_cost,
    r.currency,
    r.connectors
FROM reasons AS r
JOIN connector_types AS t USING (connector_type)
CROSS JOIN params AS p
