-- History of app_assignments: one version per (application, account) and
-- run of snapshots in which its tracked fields stayed the same. The field
-- lists must match load.HistoryDatasets.
CREATE OR REPLACE TEMP MACRO hist_source() AS TABLE SELECT * FROM app_assignments;
CREATE OR REPLACE TEMP MACRO hist_key(r) AS struct_pack(
    application_id := r.application_id, account_id := r.account_id);
CREATE OR REPLACE TEMP MACRO hist_val(r) AS struct_pack(
    person_id := r.person_id, connector_type := r.connector_type, tenant := r.tenant,
    user_name := r.user_name, email := r.email, status := r.status, scope := r.scope);
