-- Dataset activity_daily: successful events per account, UTC day, event type
-- and application. application_id is NULL for events without an application
-- (a plain sign-in to the identity provider). Only events this snapshot
-- staged first are counted, so snapshots add up without double counting.
-- Grouped before the person and snapshot date are attached: both follow from
-- the group (the account; the run), and grouping by fewer keys is cheaper.
WITH daily AS (
    SELECT
        e.account_id,
        e.connector_type,
        e.tenant,
        CAST(e.occurred_at AS DATE) AS date,
        e.event_type,
        e.application_id,
        count(*) AS event_count,
        list_sort(list_distinct(flatten(list(e.connectors)))) AS connectors
    FROM int_activity AS e
    WHERE e.succeeded AND e.is_new
    GROUP BY ALL
)
SELECT
    p.snapshot_date,
    d.account_id,
    ap.person_id,
    d.connector_type,
    d.tenant,
    d.date,
    d.event_type,
    d.application_id,
    d.event_count,
    d.connectors
FROM daily AS d
LEFT JOIN int_account_people AS ap USING (account_id)
CROSS JOIN params AS p
