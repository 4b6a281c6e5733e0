-- Which person each account belongs to. Today a person is a normalised
-- e-mail address (an account without one is a person of its own); alias and
-- attribute-based resolution replace this layer without touching the
-- datasets built on it. Hashing the address keeps person_id stable across
-- snapshots without publishing a lookup table.
SELECT
    account_id,
    CASE
        WHEN identity_email IS NOT NULL THEN stable_id('person', [identity_email])
        ELSE stable_id('person-account', [account_id])
    END AS person_id
FROM int_accounts
