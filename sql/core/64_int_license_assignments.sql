-- One row per (account, subscription) holding or once holding a seat,
-- deduplicated like accounts. A source that names the subscription by sku
-- rather than by id is joined on (connector_type, tenant, sku); a sku no
-- listed subscription carries still gets an id of its own ('subscription-sku'
-- kind, which cannot collide with a listed one), so the seat is not lost.
-- Several assignments of one account to one subscription (directly and
-- through a group) are one seat: the one that holds a seat and is most
-- direct describes it, and the lineage is their union.
WITH lineage AS (
    SELECT
        connector_type,
        tenant,
        source_id,
        list(DISTINCT connector ORDER BY connector) AS connectors
    FROM stg_license_assignments
    GROUP BY ALL
),
chosen AS (
    SELECT *
    FROM stg_license_assignments AS s
    QUALIFY row_number() OVER (
        PARTITION BY connector_type, tenant, source_id
        ORDER BY extracted_at DESC, connector, hash(s)
    ) = 1
),
by_sku AS (
    SELECT connector_type, tenant, sku, subscription_id, source_id
    FROM int_subscriptions
    WHERE sku IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY connector_type, tenant, sku ORDER BY source_id) = 1
),
resolved AS (
    SELECT
        c.connector_type,
        c.tenant,
        c.source_id,
        account_id(c.connector_type, c.tenant, c.account_source_id) AS account_id,
        CASE
            WHEN c.subscription_source_id IS NOT NULL
                THEN subscription_id(c.connector_type, c.tenant, c.subscription_source_id)
            WHEN s.subscription_id IS NOT NULL THEN s.subscription_id
            ELSE stable_id('subscription-sku', [c.connector_type, c.tenant, c.sku])
        END AS subscription_id,
        c.account_source_id,
        coalesce(c.subscription_source_id, s.source_id) AS subscription_source_id,
        c.sku,
        coalesce(lower(c.assignment_type), 'unknown') AS assignment_type,
        c.status,
        holds_seat(c.status) AS holds_seat,
        c.assigned_at,
        l.connectors
    FROM chosen AS c
    JOIN lineage AS l USING (connector_type, tenant, source_id)
    LEFT JOIN by_sku AS s
      ON s.connector_type = c.connector_type AND s.tenant = c.tenant AND s.sku = c.sku
    WHERE c.account_source_id IS NOT NULL
      AND (c.subscription_source_id IS NOT NULL OR c.sku IS NOT NULL)
),
merged AS (
    SELECT
        account_id,
        subscription_id,
        bool_or(holds_seat)                                   AS holds_seat,
        min(assigned_at)                                      AS assigned_at,
        list_sort(list_distinct(flatten(list(connectors))))  AS connectors
    FROM resolved
    GROUP BY account_id, subscription_id
)
SELECT
    r.account_id,
    r.subscription_id,
    r.connector_type,
    r.tenant,
    r.account_source_id,
    r.subscription_source_id,
    r.sku,
    r.assignment_type,
    r.status,
    m.holds_seat,
    m.assigned_at,
    m.connectors
FROM resolved AS r
JOIN merged AS m USING (account_id, subscription_id)
QUALIFY row_number() OVER (
    PARTITION BY r.account_id, r.subscription_id
    ORDER BY r.holds_seat DESC,
             CASE r.assignment_type WHEN 'direct' THEN 1 WHEN 'group' THEN 2 WHEN 'inherited' THEN 3 ELSE 4 END,
             r.assigned_at NULLS LAST, r.source_id
) = 1
