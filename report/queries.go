package report

// The queries read the views attach puts over the catalog; $1 is the
// reported snapshot's date. Sums skip NULLs on purpose: a subscription whose
// vendor reports no purchased count adds nothing to "purchased", and the
// utilisation is computed only over subscriptions that know both figures,
// as license_utilization_by_product does.

const qHistory = `-- snapshot history
WITH acc AS (
  SELECT snapshot_date AS d, count(*) AS accounts,
         count(*) FILTER (activity_status = 'active') AS active,
         count(*) FILTER (activity_status = 'inactive') AS inactive,
         count(*) FILTER (activity_status = 'no_activity') AS no_activity,
         count(*) FILTER (activity_status = 'not_monitored') AS not_monitored
  FROM accounts GROUP BY 1),
ppl AS (SELECT snapshot_date AS d, count(*) AS people FROM people GROUP BY 1),
lu AS (
  SELECT snapshot_date AS d, sum(purchased) AS purchased, sum(assigned) AS assigned,
         sum(active) FILTER (purchased > 0 AND active IS NOT NULL) AS active_seats,
         sum(purchased) FILTER (purchased > 0 AND active IS NOT NULL) AS measured_seats,
         sum(reclaimable_units) AS reclaimable,
         count(DISTINCT currency) FILTER (unit_cost IS NOT NULL) AS currencies,
         min(currency) FILTER (unit_cost IS NOT NULL) AS currency,
         sum(coalesce(purchased, assigned) * unit_cost) AS spend,
         sum(reclaimable_monthly_cost) AS reclaimable_cost
  FROM license_utilization GROUP BY 1),
cr AS (
  SELECT snapshot_date AS d, count(*) FILTER (status = 'ok' AND NOT coalesce(stale, false)) AS connectors_ok,
         count(*) FILTER (status = 'failed') AS connectors_failed,
         count(*) FILTER (stale OR status = 'stale') AS connectors_stale
  FROM connector_runs GROUP BY 1),
dates AS (SELECT d FROM acc UNION SELECT d FROM ppl UNION SELECT d FROM lu UNION SELECT d FROM cr)
SELECT strftime(dates.d, '%Y-%m-%d') AS snapshot_date,
       coalesce(people, 0) AS people, coalesce(accounts, 0) AS accounts, coalesce(active, 0) AS active,
       coalesce(inactive, 0) AS inactive, coalesce(no_activity, 0) AS no_activity,
       coalesce(not_monitored, 0) AS not_monitored,
       coalesce(purchased, 0) AS purchased, coalesce(assigned, 0) AS assigned,
       coalesce(active_seats, 0) AS active_seats, coalesce(reclaimable, 0) AS reclaimable,
       round(100.0 * active_seats / nullif(measured_seats, 0), 2) AS utilization_pct,
       -- one currency or none: money in several currencies has no total
       CASE WHEN currencies = 1 THEN currency END AS currency,
       CASE WHEN currencies = 1 THEN spend END AS monthly_spend,
       CASE WHEN currencies = 1 THEN reclaimable_cost END AS reclaimable_monthly_cost,
       coalesce(connectors_ok, 0) AS connectors_ok, coalesce(connectors_failed, 0) AS connectors_failed,
       coalesce(connectors_stale, 0) AS connectors_stale
FROM dates LEFT JOIN acc USING (d) LEFT JOIN ppl USING (d) LEFT JOIN lu USING (d) LEFT JOIN cr USING (d)
ORDER BY dates.d`

const qProducts = `-- utilisation by product
SELECT vendor, product, subscriptions, purchased, assigned, active, inactive, never_active, not_monitored,
       utilization_pct, reclaimable_units, reclaimable_monthly_cost, currency
FROM license_utilization_by_product WHERE snapshot_date = CAST($1 AS DATE)
ORDER BY coalesce(purchased, assigned) DESC NULLS LAST, vendor, product`

const qSubscriptions = `-- subscriptions
SELECT u.vendor, u.product, coalesce(u.name, u.sku) AS name, u.sku, u.tenant, s.status,
       u.purchased, u.assigned, u.active, u.inactive, u.never_active, u.not_monitored,
       u.utilization_pct, u.reclaimable_units, u.unit_cost, u.currency,
       coalesce(u.purchased, u.assigned) * u.unit_cost AS monthly_cost,
       u.reclaimable_monthly_cost, u.activity_threshold_days
FROM license_utilization u
LEFT JOIN subscriptions s ON s.subscription_id = u.subscription_id AND s.snapshot_date = u.snapshot_date
WHERE u.snapshot_date = CAST($1 AS DATE)
ORDER BY u.reclaimable_units DESC NULLS LAST, u.vendor, u.product, name, u.tenant`

const qReclaim = `-- reclaimable seats by product and reason
SELECT vendor || ' ' || CASE WHEN product = vendor OR product LIKE vendor || '%' THEN '' ELSE product END AS label,
       vendor, product, reclaim_reason, count(*) AS seats, sum(monthly_cost) AS monthly_cost,
       count(monthly_cost) AS priced_seats, min(currency) AS currency
FROM license_assignments
WHERE snapshot_date = CAST($1 AS DATE) AND reclaimable
GROUP BY ALL ORDER BY vendor, product, reclaim_reason`

const qSpend = `-- spend per currency
SELECT currency, sum(coalesce(purchased, assigned) * unit_cost) AS monthly,
       coalesce(sum(reclaimable_monthly_cost), 0) AS reclaimable,
       coalesce(sum(greatest(purchased - assigned, 0) * unit_cost), 0) AS unassigned,
       count(*) AS priced_subscriptions, coalesce(sum(reclaimable_units), 0) AS reclaimable_seats
FROM license_utilization
WHERE snapshot_date = CAST($1 AS DATE) AND unit_cost IS NOT NULL
GROUP BY currency ORDER BY monthly DESC`

// Applications are listed once per name: the dataset has one row per
// discovery source, and an analyst asks "who uses Miro", not "who does
// Okta think uses Miro". Users are counted over the assignments of every
// source (a person assigned through Okta and Entra counts once); active
// users are the best any single source measured, since sources without
// sign-in events report none.
const qApps = `-- applications
WITH a AS (SELECT *, lower(trim(name)) AS k FROM applications WHERE snapshot_date = CAST($1 AS DATE)),
u AS (
  SELECT a.k, count(DISTINCT coalesce(x.person_id, x.account_id)) AS users
  FROM app_assignments x JOIN a USING (application_id)
  WHERE x.snapshot_date = CAST($1 AS DATE) GROUP BY 1)
SELECT a.k AS app_key, min(a.name) AS name, string_agg(DISTINCT a.vendor, ', ') AS vendor,
       list_sort(list_distinct(flatten(list(a.discovery_types)))) AS discovery_types,
       list_sort(list_distinct(flatten(list(a.discovered_by)))) AS discovered_by,
       list_sort(list_distinct(list(a.sso_sign_on_mode))) AS sign_on_modes,
       string_agg(DISTINCT a.status, ', ') AS status, count(*) AS sources,
       coalesce(any_value(u.users), max(a.user_count), 0) AS users,
       coalesce(max(a.active_user_count), 0) AS active_users,
       strftime(min(a.created_at), '%Y-%m-%d') AS created_at
FROM a LEFT JOIN u USING (k)
GROUP BY a.k ORDER BY users DESC, name`

const qAppUsers = `-- application users
SELECT lower(trim(a.name)) AS k, x.person_id, coalesce(x.email, x.user_name, x.account_source_id) AS account,
       strftime(max(x.last_used_at), '%Y-%m-%d') AS last_used_at
FROM app_assignments x JOIN applications a
  ON a.application_id = x.application_id AND a.snapshot_date = x.snapshot_date
WHERE x.snapshot_date = CAST($1 AS DATE)
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`

const qPeople = `-- people
WITH seats AS (
  SELECT person_id, count(*) FILTER (holds_seat) AS seats, count(*) FILTER (reclaimable) AS reclaimable
  FROM license_assignments WHERE snapshot_date = CAST($1 AS DATE) AND person_id IS NOT NULL GROUP BY 1)
SELECT p.person_id, p.display_name, p.primary_email, p.department, p.job_title, p.user_type,
       p.employment_status, p.org_source, p.account_count, p.vendors,
       coalesce(seats.seats, 0) AS seats, coalesce(seats.reclaimable, 0) AS reclaimable_seats,
       strftime(p.last_activity_at, '%Y-%m-%d') AS last_activity,
       date_diff('day', CAST(p.last_activity_at AS DATE), p.snapshot_date) AS days_since_activity
FROM people p LEFT JOIN seats USING (person_id)
WHERE p.snapshot_date = CAST($1 AS DATE)
ORDER BY p.display_name NULLS LAST, p.primary_email, p.person_id`

const qAccounts = `-- accounts
WITH seats AS (
  SELECT account_id, count(*) FILTER (holds_seat) AS seats, count(*) FILTER (reclaimable) AS reclaimable
  FROM license_assignments WHERE snapshot_date = CAST($1 AS DATE) GROUP BY 1)
SELECT a.display_name, coalesce(a.email, a.login, a.source_id) AS email, a.vendor, a.product, a.tenant,
       a.status, a.user_type, a.is_admin, a.activity_status,
       strftime(a.last_activity_at, '%Y-%m-%d') AS last_activity, a.days_since_last_activity,
       coalesce(seats.seats, 0) AS seats, coalesce(seats.reclaimable, 0) AS reclaimable_seats
FROM accounts a LEFT JOIN seats USING (account_id)
WHERE a.snapshot_date = CAST($1 AS DATE)
ORDER BY a.vendor, a.product, a.tenant, email, a.account_id`

const qConnectors = `-- connectors
SELECT connector, connector_type, vendor, product, tenant, status, coalesce(stale, false) AS stale,
       strftime(data_as_of, '%Y-%m-%d %H:%M') AS data_as_of,
       date_diff('day', CAST(data_as_of AS DATE), snapshot_date) AS data_age_days,
       rows_total, requests, throttled, retries, round(duration_seconds, 1) AS duration_seconds, error
FROM connector_runs WHERE snapshot_date = CAST($1 AS DATE)
ORDER BY status = 'ok' AND NOT coalesce(stale, false), connector`
