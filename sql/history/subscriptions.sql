-- History of subscriptions: one version per subscription and run of
-- snapshots in which its tracked fields (quantities and cost among them)
-- stayed the same. The field lists must match load.HistoryDatasets.
CREATE OR REPLACE TEMP MACRO hist_source() AS TABLE SELECT * FROM subscriptions;
CREATE OR REPLACE TEMP MACRO hist_key(r) AS struct_pack(subscription_id := r.subscription_id);
CREATE OR REPLACE TEMP MACRO hist_val(r) AS struct_pack(
    vendor := r.vendor, product := r.product, tenant := r.tenant, sku := r.sku, name := r.name,
    status := r.status, purchased_units := r.purchased_units, assigned_units := r.assigned_units,
    unit_cost := r.unit_cost, currency := r.currency);
