-- Dataset accounts: one account at one vendor tenant.
SELECT
    p.snapshot_date,
    a.account_id,
    ap.person_id,
    a.vendor,
    a.product,
    a.connector_type,
    a.tenant,
    a.source_id,
    a.login,
    a.email,
    a.display_name,
    a.status,
    a.vendor_status,
    a.user_type,
    a.is_admin,
    a.created_at,
    a.last_login_at,
    aa.last_activity_at,
    CASE
        WHEN NOT a.activity_measurable THEN 'not_monitored'
        WHEN aa.last_activity_at IS NULL THEN 'no_activity'
        WHEN days_before(aa.last_activity_at, p.snapshot_date) <= p.activity_threshold_days THEN 'active'
        ELSE 'inactive'
    END AS activity_status,
    CASE WHEN a.activity_measurable
         THEN days_before(aa.last_activity_at, p.snapshot_date)
    END AS days_since_last_activity,
    p.activity_threshold_days,
    a.connectors
FROM int_accounts AS a
JOIN int_account_people AS ap USING (account_id)
JOIN int_account_activity AS aa USING (account_id)
CROSS JOIN params AS p
