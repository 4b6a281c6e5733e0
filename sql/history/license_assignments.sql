-- History of license_assignments: one version per (account, subscription)
-- and run of snapshots in which its tracked fields stayed the same. The
-- field lists must match load.HistoryDatasets.
CREATE OR REPLACE TEMP MACRO hist_source() AS TABLE SELECT * FROM license_assignments;
CREATE OR REPLACE TEMP MACRO hist_key(r) AS struct_pack(
    account_id := r.account_id, subscription_id := r.subscription_id);
CREATE OR REPLACE TEMP MACRO hist_val(r) AS struct_pack(
    person_id := r.person_id, vendor := r.vendor, product := r.product, sku := r.sku,
    assignment_type := r.assignment_type, status := r.status, holds_seat := r.holds_seat,
    monthly_cost := r.monthly_cost, currency := r.currency);
