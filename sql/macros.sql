-- Helpers shared by staging and core SQL. One statement per ';'-terminated
-- block; no statement here reads data.

-- trim(s), without its cost where it changes nothing. DuckDB's trim strips
-- Unicode space separators (category Zs: U+0020, U+00A0, U+2000-U+200A,
-- U+3000, ...) from both ends, not tabs or newlines; to find the last one
-- it decodes every character of the string and copies what is left, 10-20
-- ns a character (trimming an Okta event's uuid cost 60% of extracting it
-- from the 2 KB event, and far more than a field json_transform already
-- parsed). An ASCII string (as many bytes as characters) with no space at either end is
-- its own trim, and only a string that is not pays for trim. DuckDB reads a
-- repeated argument once, so s may be an expression (j ->> p).
CREATE OR REPLACE MACRO trim_space(s) AS
    CASE WHEN starts_with(s, ' ') OR ends_with(s, ' ') OR strlen(s) <> length(s)
         THEN trim(s) ELSE s END;

-- A JSON text field with blanks folded to NULL, so '' never reads as a value.
CREATE OR REPLACE MACRO json_text(j, p) AS nullif(trim_space(j ->> p), '');

-- The same two for a field already extracted as text, from a payload parsed
-- once with json_transform: parsing a large payload once per field was
-- most of the staging of the big activity logs.
CREATE OR REPLACE MACRO blank_as_null(s) AS nullif(trim_space(s), '');
CREATE OR REPLACE MACRO text_ts(s) AS CAST(nullif(trim_space(s), '') AS TIMESTAMPTZ);

-- A JSON timestamp (RFC 3339) as TIMESTAMPTZ. A value that does not parse
-- fails the transform on purpose: a vendor format change must be seen, and
-- the raw payload stays in staging as evidence.
CREATE OR REPLACE MACRO json_ts(j, p) AS CAST(nullif(trim_space(j ->> p), '') AS TIMESTAMPTZ);

-- Vendors write "never" as a null, 0001-01-01 or the Unix epoch; anything
-- on or before 1970-01-01 is such a sentinel and reads as NULL.
CREATE OR REPLACE MACRO never_as_null(ts) AS
    CASE WHEN ts <= TIMESTAMPTZ '1970-01-01 00:00:00+00' THEN NULL ELSE ts END;

-- A stable identifier: the hex SHA-256 (first 32 digits) of a JSON array of
-- a kind and the parts, so ('a', 'b|c') and ('a|b', 'c') never collide and
-- the same inputs give the same id in every snapshot.
CREATE OR REPLACE MACRO stable_id(kind, parts) AS
    left(sha256(CAST(to_json(list_prepend(kind, parts)) AS VARCHAR)), 32);

-- The lowercased, trimmed e-mail address people are resolved by.
CREATE OR REPLACE MACRO identity_email(email, login) AS
    lower(trim_space(coalesce(nullif(trim_space(email), ''),
                              CASE WHEN login LIKE '%_@_%' THEN login END)));

-- Ids of an account, an application and an SSO assignment at one vendor
-- tenant. They use the connector type (a code identifier), not display names,
-- so renaming a vendor in the registry does not change them; they never use
-- the connector instance, so two instances reading one tenant agree.
CREATE OR REPLACE MACRO account_id(connector_type, tenant, source_id) AS
    stable_id('account', [connector_type, tenant, source_id]);
CREATE OR REPLACE MACRO application_id(connector_type, tenant, source_id) AS
    stable_id('application', [connector_type, tenant, source_id]);

-- How far a timestamp lies before the snapshot day, in whole UTC days.
CREATE OR REPLACE MACRO days_before(ts, snapshot_date) AS
    date_diff('day', CAST(ts AS DATE), snapshot_date);

-- A subscription (license, SKU, plan) at one vendor tenant.
CREATE OR REPLACE MACRO subscription_id(connector_type, tenant, source_id) AS
    stable_id('subscription', [connector_type, tenant, source_id]);

-- An identifier that may join two accounts into one person: lowercased,
-- trimmed, and shaped like an e-mail address (or a user principal name), so
-- that bare user names such as "admin" never merge people across vendors.
CREATE OR REPLACE MACRO identity_key(s) AS
    CASE WHEN lower(trim_space(s)) LIKE '%_@_%' THEN lower(trim_space(s)) END;

-- The canonical user type (transform.UserTypes): staging maps vendor values
-- to these; anything else, and no value at all, reads as unknown.
CREATE OR REPLACE MACRO canonical_user_type(t) AS
    CASE WHEN lower(trim_space(t)) IN ('employee', 'contractor', 'member', 'guest', 'bot', 'service', 'portal', 'unknown')
         THEN lower(trim_space(t)) ELSE 'unknown' END;

-- Accounts of these types are machines or external portal users, not people:
-- they stay accounts and hold seats, but resolve to no person.
CREATE OR REPLACE MACRO is_non_person_type(t) AS t IN ('bot', 'service', 'portal');

-- Whether a license assignment in this state consumes a seat: assignments
-- the vendor reports as failed, disabled or removed do not. No state at all
-- means the source lists only held seats.
CREATE OR REPLACE MACRO holds_seat(status) AS
    coalesce(lower(trim_space(status)) NOT IN ('disabled', 'error', 'failed', 'removed', 'deleted', 'revoked', 'inactive', 'suspended'), true);

-- An application name reduced to lowercase letters and digits, so that
-- "Zoom.us", "zoom us" and "ZOOM US" are one name.
CREATE OR REPLACE MACRO app_name_key(s) AS
    nullif(regexp_replace(lower(s), '[^a-z0-9]+', '', 'g'), '');
