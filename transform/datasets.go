package transform

// Dataset is one published table: its name (also the DuckDB table Run
// builds and the directory load publishes to), its key (unique, and the
// total order rows are written in) and its documented columns.
type Dataset struct {
	Name    string   `json:"name"`
	Key     []string `json:"key"`
	Doc     string   `json:"doc"`
	Columns []Column `json:"columns"`
}

var (
	colSnapshotDate = Column{"snapshot_date", tDate, "the snapshot's logical date (UTC); also the Hive partition"}
	colConnectors   = Column{"connectors", tList, "lineage: connector instances that contributed the row, sorted"}
)

// Datasets lists the datasets in build order.
var Datasets = []Dataset{
	{
		Name: "accounts",
		Key:  []string{"vendor", "product", "tenant", "source_id"},
		Doc:  "one account at one vendor tenant, merged across the connector instances that read it",
		Columns: []Column{
			colSnapshotDate,
			{"account_id", tVarchar, "stable id of the account: hash of (connector type, tenant, source_id)"},
			{"person_id", tVarchar, "the person the account belongs to (people.person_id)"},
			{"vendor", tVarchar, "vendor name"},
			{"product", tVarchar, "vendor product"},
			{"connector_type", tVarchar, "connector type that reads this product"},
			{"tenant", tVarchar, "the vendor's tenant key"},
			{"source_id", tVarchar, "the account's id at the vendor"},
			{"login", tVarchar, "sign-in name"},
			{"email", tVarchar, "e-mail address as the vendor holds it"},
			{"display_name", tVarchar, "display name"},
			{"status", tVarchar, "active | locked | pending | suspended | deprovisioned | unknown"},
			{"vendor_status", tVarchar, "the status exactly as the vendor names it"},
			{"user_type", tVarchar, "vendor user type"},
			{"is_admin", tBool, "holds an administrative role; NULL when the source cannot tell"},
			{"created_at", tTS, "account creation (UTC)"},
			{"last_login_at", tTS, "last interactive sign-in (UTC); NULL = never"},
			{"last_activity_at", tTS, "latest of last login, vendor-reported activity and successful activity events (UTC); NULL = never"},
			{"activity_status", tVarchar, "active (activity within activity_threshold_days of snapshot_date) | inactive | no_activity (measurable, none seen) | not_monitored (the source cannot measure activity)"},
			{"days_since_last_activity", tBigint, "whole UTC days from last_activity_at to snapshot_date; NULL when never or not monitored"},
			{"activity_threshold_days", tInt, "the threshold activity_status was computed with"},
			colConnectors,
		},
	},
	{
		Name: "people",
		Key:  []string{"person_id"},
		Doc:  "one resolved person; today people are resolved by lowercased, trimmed e-mail address",
		Columns: []Column{
			colSnapshotDate,
			{"person_id", tVarchar, "stable id: hash of the normalised primary e-mail (of the account id when there is none)"},
			{"primary_email", tVarchar, "lowercased, trimmed e-mail address; NULL for a person known only by an account without one"},
			{"display_name", tVarchar, "display name from the org source"},
			{"first_name", tVarchar, "given name from the org source"},
			{"last_name", tVarchar, "family name from the org source"},
			{"department", tVarchar, "department from the org source"},
			{"job_title", tVarchar, "job title from the org source"},
			{"cost_center", tVarchar, "cost center from the org source"},
			{"employee_number", tVarchar, "employee number from the org source"},
			{"manager_person_id", tVarchar, "the manager named by the org source, resolved in its tenant"},
			{"employment_status", tVarchar, "active | pending | suspended | terminated, from the most alive of the person's accounts"},
			{"org_source", tVarchar, "connector type the organisational attributes came from"},
			{"org_account_id", tVarchar, "the account the organisational attributes came from"},
			{"account_count", tBigint, "accounts resolved to this person"},
			{"vendors", tList, "vendors the person has accounts at, sorted"},
			{"last_activity_at", tTS, "latest activity over all the person's accounts (UTC)"},
			colConnectors,
		},
	},
	{
		Name: "app_assignments",
		Key:  []string{"application_id", "account_id"},
		Doc:  "one account assigned to one application through an SSO source",
		Columns: []Column{
			colSnapshotDate,
			{"application_id", tVarchar, "applications.application_id"},
			{"account_id", tVarchar, "accounts.account_id of the assigned SSO account"},
			{"person_id", tVarchar, "people.person_id; NULL when the account was not listed"},
			{"connector_type", tVarchar, "SSO source connector type"},
			{"tenant", tVarchar, "SSO source tenant"},
			{"application_source_id", tVarchar, "the application's id at the SSO source"},
			{"account_source_id", tVarchar, "the account's id at the SSO source"},
			{"user_name", tVarchar, "user name inside the application"},
			{"email", tVarchar, "e-mail address inside the application"},
			{"status", tVarchar, "lowercased assignment status"},
			{"scope", tVarchar, "user (direct) or group"},
			{"assigned_at", tTS, "when the assignment was made (UTC)"},
			{"last_used_at", tTS, "latest successful SSO event of the account into the application seen in this snapshot's activity (UTC)"},
			colConnectors,
		},
	},
	{
		Name: "applications",
		Key:  []string{"application_id"},
		Doc:  "one application as a discovery source knows it",
		Columns: []Column{
			colSnapshotDate,
			{"application_id", tVarchar, "stable id: hash of (connector type, tenant, the source's application id)"},
			{"name", tVarchar, "application name as users see it"},
			{"app_key", tVarchar, "the source's integration key"},
			{"vendor", tVarchar, "the application's maker when a source states it"},
			{"status", tVarchar, "lowercased status at the source"},
			{"discovery_types", tList, "how it was discovered, e.g. okta_sso"},
			{"discovered_by", tList, "connector instances that discovered it, sorted"},
			{"sso_sign_on_mode", tVarchar, "SSO protocol or sign-on mode"},
			{"connector_type", tVarchar, "discovering connector type"},
			{"tenant", tVarchar, "discovering tenant"},
			{"source_id", tVarchar, "the application's id at the source"},
			{"created_at", tTS, "when the application was added at the source (UTC)"},
			{"user_count", tBigint, "distinct people (or unresolved accounts) assigned"},
			{"active_user_count", tBigint, "distinct people (or unresolved accounts) with a successful SSO event within activity_threshold_days of snapshot_date"},
			colConnectors,
		},
	},
	{
		Name: "activity_daily",
		Key:  []string{"account_id", "date", "event_type", "application_id"},
		Doc:  "successful activity events per account, UTC day, event type and application",
		Columns: []Column{
			colSnapshotDate,
			{"account_id", tVarchar, "accounts.account_id of the actor"},
			{"person_id", tVarchar, "people.person_id; NULL when the actor was not listed"},
			{"connector_type", tVarchar, "source connector type"},
			{"tenant", tVarchar, "source tenant"},
			{"date", tDate, "UTC day of the events"},
			{"event_type", tVarchar, "sso | sign_in, else the vendor's type"},
			{"application_id", tVarchar, "applications.application_id; NULL for events without an application (sorted last)"},
			{"event_count", tBigint, "number of distinct events"},
			colConnectors,
		},
	},
	{
		Name: "connector_runs",
		Key:  []string{"connector"},
		Doc:  "one connector instance in one snapshot, as the pipeline ran it",
		Columns: []Column{
			colSnapshotDate,
			{"connector", tVarchar, "connector instance name"},
			{"connector_type", tVarchar, "connector type"},
			{"vendor", tVarchar, "vendor name"},
			{"product", tVarchar, "vendor product"},
			{"tenant", tVarchar, "the vendor's tenant key"},
			{"status", tVarchar, "ok | failed | stale | skipped"},
			{"stale", tBool, "the data was carried forward from an earlier snapshot"},
			{"data_as_of", tTS, "when the data was extracted (UTC)"},
			{"rows_total", tBigint, "staged records over all entities"},
			{"rows_by_entity", tMap, "staged records per entity, keys sorted"},
			{"requests", tBigint, "HTTP requests made"},
			{"throttled", tBigint, "responses that were rate-limited"},
			{"retries", tBigint, "requests retried"},
			{"duration_seconds", tDouble, "wall time of the extract"},
			{"error", tVarchar, "the error that failed the run; NULL when none"},
			colConnectors,
		},
	},
}
