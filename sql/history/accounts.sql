-- History of accounts: one version per account (vendor, product, tenant,
-- source_id) and run of snapshots in which its tracked fields stayed the
-- same. Defines what scd2.sql folds; the field lists must match
-- load.HistoryDatasets.
CREATE OR REPLACE TEMP MACRO hist_source() AS TABLE SELECT * FROM accounts;
CREATE OR REPLACE TEMP MACRO hist_key(r) AS struct_pack(
    vendor := r.vendor, product := r.product, tenant := r.tenant, source_id := r.source_id);
CREATE OR REPLACE TEMP MACRO hist_val(r) AS struct_pack(
    account_id := r.account_id, person_id := r.person_id, login := r.login, email := r.email,
    display_name := r.display_name, status := r.status, user_type := r.user_type,
    is_admin := r.is_admin, activity_status := r.activity_status);
