package transform

import "github.com/saaspipe/saaspipe/extract"

// Column is one column of a staging contract or a dataset. Type is spelled
// as DuckDB's DESCRIBE reports it, so the contract can be checked against
// what the SQL actually produced.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc"`
}

// Contract is the canonical shape of one entity after staging: every
// sql/staging/<type>__<entity>.sql must produce exactly these columns, in
// this order, with these types.
type Contract struct {
	Entity  string
	Doc     string
	Columns []Column
}

const (
	tVarchar = "VARCHAR"
	tBool    = "BOOLEAN"
	tTS      = "TIMESTAMP WITH TIME ZONE"
	tDate    = "DATE"
	tInt     = "INTEGER"
	tBigint  = "BIGINT"
	tDouble  = "DOUBLE"
	tList    = "VARCHAR[]"
	tMap     = "MAP(VARCHAR, BIGINT)"
	tMapBool = "MAP(VARCHAR, BOOLEAN)"
	tMapText = "MAP(VARCHAR, VARCHAR)"
)

// UserTypes are the canonical values of users.user_type. Staging maps the
// vendor's value to one of them, lowercased (Graph userType Member → member,
// Guest → guest; Slack is_bot → bot; a service mailbox or app account →
// service; a community or customer portal user → portal); core reads any
// other value, and NULL, as unknown. Accounts of type bot, service and portal
// are not people: they remain accounts, with person_id NULL.
var UserTypes = []string{"employee", "contractor", "member", "guest", "bot", "service", "portal", "unknown"}

// NonPersonUserTypes are the user types that never resolve to a person.
var NonPersonUserTypes = []string{"bot", "service", "portal"}

// envelope columns lead every staging contract: they carry lineage and the
// deduplication key (connector_type, tenant, source_id).
var envelope = []Column{
	{"connector", tVarchar, "connector instance that staged the record"},
	{"connector_type", tVarchar, "connector type (vendor product), e.g. okta"},
	{"tenant", tVarchar, "the vendor's tenant key; equal for instances reading one tenant"},
	{"source_id", tVarchar, "the record's id at the vendor, unique within (connector_type, tenant)"},
	{"extracted_at", tTS, "when the record was read (UTC, microseconds)"},
}

func withEnvelope(cols ...Column) []Column {
	return append(append([]Column(nil), envelope...), cols...)
}

// Staging is the canonical staging contract, one entry per entity a
// connector type may map. sql/README.md documents it; a test keeps the two
// in step.
var Staging = []Contract{
	{
		Entity: extract.Users,
		Doc:    "accounts at the vendor, every lifecycle status",
		Columns: withEnvelope(
			Column{"login", tVarchar, "sign-in name"},
			Column{"email", tVarchar, "primary e-mail address as the vendor holds it"},
			Column{"secondary_email", tVarchar, "secondary e-mail address"},
			Column{"first_name", tVarchar, "given name"},
			Column{"last_name", tVarchar, "family name"},
			Column{"display_name", tVarchar, "display name"},
			Column{"department", tVarchar, "department"},
			Column{"job_title", tVarchar, "job title"},
			Column{"employee_number", tVarchar, "employee number"},
			Column{"cost_center", tVarchar, "cost center"},
			Column{"manager_source_id", tVarchar, "the manager's id, login or employee number in the same tenant"},
			Column{"user_type", tVarchar, "canonical user type, lowercased: employee | contractor | member | guest | bot | service | portal | unknown (other values read as unknown; bot, service and portal accounts are not people)"},
			Column{"organization", tVarchar, "organisation or company name"},
			Column{"status", tVarchar, "canonical status: active | locked | pending | suspended | deprovisioned | unknown"},
			Column{"vendor_status", tVarchar, "the status exactly as the vendor names it"},
			Column{"is_admin", tBool, "holds an administrative role; NULL when the source cannot tell"},
			Column{"created_at", tTS, "account creation"},
			Column{"last_login_at", tTS, "last interactive sign-in; NULL or a sentinel date = never"},
			Column{"last_activity_at", tTS, "last activity of any kind the vendor reports; NULL = never or not reported"},
			Column{"aliases", tList, "other e-mail addresses and logins of the account (proxy addresses, other mails, aliases); never NULL"},
			Column{"country", tVarchar, "country or country code"},
			Column{"office_location", tVarchar, "office, site or city"},
		),
	},
	{
		Entity: extract.Groups,
		Doc:    "groups of accounts",
		Columns: withEnvelope(
			Column{"name", tVarchar, "group name"},
			Column{"description", tVarchar, "description"},
			Column{"group_type", tVarchar, "vendor group type"},
			Column{"created_at", tTS, "group creation"},
			Column{"membership_updated_at", tTS, "last membership change"},
		),
	},
	{
		Entity: extract.Applications,
		Doc:    "applications known to an SSO or discovery source",
		Columns: withEnvelope(
			Column{"name", tVarchar, "application name as users see it"},
			Column{"app_key", tVarchar, "the source's integration key"},
			Column{"status", tVarchar, "lowercased vendor status (active, inactive…)"},
			Column{"sign_on_mode", tVarchar, "SSO protocol or sign-on mode"},
			Column{"created_at", tTS, "when the application was added"},
		),
	},
	{
		Entity: extract.AppAssignments,
		Doc:    "an account assigned to an application; source_id is unique per (application, account)",
		Columns: withEnvelope(
			Column{"application_source_id", tVarchar, "the application's source_id"},
			Column{"account_source_id", tVarchar, "the account's source_id (users entity)"},
			Column{"user_name", tVarchar, "user name inside the application"},
			Column{"email", tVarchar, "e-mail address inside the application"},
			Column{"status", tVarchar, "lowercased assignment status"},
			Column{"scope", tVarchar, "lowercased assignment scope (user, group)"},
			Column{"assigned_at", tTS, "when the assignment was made"},
		),
	},
	{
		Entity: extract.Subscriptions,
		Doc:    "one license, SKU or plan as the source sells it; source_id is the vendor's id of it",
		Columns: withEnvelope(
			Column{"sku", tVarchar, "the vendor's SKU or plan key (skuPartNumber, productId/skuId, license name)"},
			Column{"name", tVarchar, "the plan's display name"},
			Column{"status", tVarchar, "lowercased vendor status (enabled, warning, suspended, lockedout, active…)"},
			Column{"purchased_units", tBigint, "seats paid for and usable (Graph prepaidUnits.enabled); NULL when the source does not say"},
			Column{"suspended_units", tBigint, "seats suspended or in warning, not usable; NULL when not reported"},
			Column{"assigned_units", tBigint, "seats the vendor counts as consumed; NULL when not reported"},
			Column{"unit_cost", tDouble, "monthly cost of one seat when the source states it; NULL otherwise"},
			Column{"currency", tVarchar, "ISO currency of unit_cost"},
		),
	},
	{
		Entity: extract.LicenseAssignments,
		Doc:    "an account holding a seat of a subscription; source_id is unique per (account, subscription)",
		Columns: withEnvelope(
			Column{"account_source_id", tVarchar, "the account's source_id (users entity)"},
			Column{"subscription_source_id", tVarchar, "the subscription's source_id (subscriptions entity)"},
			Column{"sku", tVarchar, "the subscription's sku, for sources that name it rather than its id"},
			Column{"assignment_type", tVarchar, "direct | group | inherited | unknown"},
			Column{"status", tVarchar, "lowercased assignment state (active, error, disabled…); disabled, error, failed, removed, deleted, revoked, inactive and suspended hold no seat, any other state or NULL holds one"},
			Column{"assigned_at", tTS, "when the seat was assigned; NULL when not reported"},
		),
	},
	{
		Entity: extract.Activity,
		Doc:    "one activity event (sign-in, SSO); source_id is the event id",
		Columns: withEnvelope(
			Column{"occurred_at", tTS, "when the event happened"},
			Column{"event_type", tVarchar, "canonical event type: sso | sign_in | sign_out, else the vendor's"},
			Column{"vendor_event_type", tVarchar, "the event type exactly as the vendor names it"},
			Column{"account_source_id", tVarchar, "the acting account's source_id"},
			Column{"actor_login", tVarchar, "the acting account's login as the event states it"},
			Column{"application_source_id", tVarchar, "the application's source_id; NULL when none"},
			Column{"application_name", tVarchar, "the application's name as the event states it"},
			Column{"succeeded", tBool, "the event's outcome was a success"},
			Column{"snapshot_id", tVarchar, "the snapshot that staged the event; events first staged by an earlier snapshot are history (see activity windows)"},
		),
	},
}

// rawColumns is the staged schema (extract/stage.Row) as raw tables hold it.
var rawColumns = []Column{
	{"snapshot_id", tVarchar, ""},
	{"connector", tVarchar, ""},
	{"connector_type", tVarchar, ""},
	{"tenant", tVarchar, ""},
	{"entity", tVarchar, ""},
	{"source_id", tVarchar, ""},
	{"extracted_at", tTS, ""},
	{"payload", "JSON", ""},
}
