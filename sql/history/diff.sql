-- What changed between two snapshots. In: a_<dataset> and b_<dataset> for
-- people, accounts, license_assignments and subscriptions (the earlier and
-- the later snapshot's published rows). Out: diff, one row per change.
--
-- section | change         | id                          | before / after
-- people  | joined, left   | person_id                   |
-- accounts| created, removed, status_changed | account_id | status
-- licenses| assigned, removed | account_id/subscription_id | monthly cost
-- subscriptions | added, removed, quantity_changed | subscription_id | purchased_units
-- cost    | monthly_cost   | currency                    | sum of license_assignments.monthly_cost
--
-- delta is after - before where both are numbers.
CREATE OR REPLACE TEMP TABLE diff AS
WITH
holder AS (
    SELECT account_id, min(coalesce(email, login, source_id)) AS who
    FROM (SELECT account_id, email, login, source_id FROM a_accounts
          UNION ALL
          SELECT account_id, email, login, source_id FROM b_accounts)
    GROUP BY account_id
),
people AS (
    SELECT 'people' AS section,
           CASE WHEN a.person_id IS NULL THEN 'joined' ELSE 'left' END AS change,
           coalesce(b.person_id, a.person_id) AS id,
           coalesce(b.primary_email, a.primary_email, b.display_name, a.display_name) AS label,
           NULL::VARCHAR AS before, NULL::VARCHAR AS after, NULL::DOUBLE AS delta
    FROM a_people AS a
    FULL JOIN b_people AS b ON a.person_id = b.person_id
    WHERE a.person_id IS NULL OR b.person_id IS NULL
),
accounts AS (
    SELECT 'accounts',
           CASE WHEN a.account_id IS NULL THEN 'created' WHEN b.account_id IS NULL THEN 'removed' ELSE 'status_changed' END,
           coalesce(b.account_id, a.account_id),
           coalesce(b.product, a.product) || ' ' || coalesce(b.email, a.email, b.login, a.login, b.source_id, a.source_id)
               || CASE WHEN coalesce(b.tenant, a.tenant) IS NULL THEN '' ELSE ' (' || coalesce(b.tenant, a.tenant) || ')' END,
           a.status, b.status, NULL::DOUBLE
    FROM a_accounts AS a
    FULL JOIN b_accounts AS b ON a.account_id = b.account_id
    WHERE a.account_id IS NULL OR b.account_id IS NULL OR a.status IS DISTINCT FROM b.status
),
licenses AS (
    SELECT 'licenses',
           CASE WHEN a.account_id IS NULL THEN 'assigned' ELSE 'removed' END,
           coalesce(b.account_id, a.account_id) || '/' || coalesce(b.subscription_id, a.subscription_id),
           coalesce(b.product, a.product) || ' ' || coalesce(b.sku, a.sku, b.subscription_source_id, a.subscription_source_id, '')
               || ' → ' || coalesce(h.who, b.account_source_id, a.account_source_id),
           CAST(round(a.monthly_cost, 2) AS VARCHAR), CAST(round(b.monthly_cost, 2) AS VARCHAR),
           coalesce(b.monthly_cost, 0) - coalesce(a.monthly_cost, 0)
    FROM a_license_assignments AS a
    FULL JOIN b_license_assignments AS b ON a.account_id = b.account_id AND a.subscription_id = b.subscription_id
    LEFT JOIN holder AS h ON h.account_id = coalesce(b.account_id, a.account_id)
    WHERE a.account_id IS NULL OR b.account_id IS NULL
),
subscriptions AS (
    SELECT 'subscriptions',
           CASE WHEN a.subscription_id IS NULL THEN 'added' WHEN b.subscription_id IS NULL THEN 'removed' ELSE 'quantity_changed' END,
           coalesce(b.subscription_id, a.subscription_id),
           coalesce(b.product, a.product) || ' ' || coalesce(b.name, a.name, b.sku, a.sku, ''),
           CAST(a.purchased_units AS VARCHAR), CAST(b.purchased_units AS VARCHAR),
           CAST(b.purchased_units - a.purchased_units AS DOUBLE)
    FROM a_subscriptions AS a
    FULL JOIN b_subscriptions AS b ON a.subscription_id = b.subscription_id
    WHERE a.subscription_id IS NULL OR b.subscription_id IS NULL OR a.purchased_units IS DISTINCT FROM b.purchased_units
),
cost AS (
    SELECT 'cost', 'monthly_cost', coalesce(currency, ''), 'monthly license cost ' || coalesce(currency, '(no currency)'),
           CAST(round(coalesce(a.total, 0), 2) AS VARCHAR), CAST(round(coalesce(b.total, 0), 2) AS VARCHAR),
           round(coalesce(b.total, 0) - coalesce(a.total, 0), 2)
    FROM (SELECT currency, sum(monthly_cost) AS total FROM a_license_assignments WHERE monthly_cost IS NOT NULL GROUP BY currency) AS a
    FULL JOIN (SELECT currency, sum(monthly_cost) AS total FROM b_license_assignments WHERE monthly_cost IS NOT NULL GROUP BY currency) AS b
    USING (currency)
),
changes AS (
    SELECT * FROM people
    UNION ALL SELECT * FROM accounts
    UNION ALL SELECT * FROM licenses
    UNION ALL SELECT * FROM subscriptions
    UNION ALL SELECT * FROM cost
)
SELECT * FROM changes
ORDER BY list_position(['people', 'accounts', 'licenses', 'subscriptions', 'cost'], section), change, label, id;
