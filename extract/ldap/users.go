package ldap

import (
	"context"
	"fmt"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/saaspipe/saaspipe/extract"
)

// lastLogonLag is why last logon is available but late: AD replicates
// lastLogonTimestamp only when the stored value is 9 to 14 days old.
const lastLogonLag = "lastLogonTimestamp replicates only when 9 to 14 days old, so last logon may lag by up to 14 days"

// fetchUsers emits every entry user_filter selects under base_dn, in two
// paged passes over one connection: the first collects each entry's DN and
// objectGUID, so the second can resolve a manager's DN to the manager's
// objectGUID (the source id core joins manager_source_id on) while it
// emits. A manager outside user_filter is read by DN; a manager DN naming
// no entry stays unresolved.
func (c *Connector) fetchUsers(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	if c.capability != nil {
		c.capability(extract.CapLastLogin, true, lastLogonLag)
	}
	s, err := c.c.connect(ctx)
	if err != nil {
		return "", fmt.Errorf("listing ldap users: %w", err)
	}
	defer s.Close()

	guidAttr := c.attrs.source("objectGUID")
	ids := map[string]string{} // dnKey → objectGUID
	if _, err := c.c.search(ctx, s, "user ids", c.base, c.userFilter, []string{guidAttr}, func(e *goldap.Entry) error {
		key, err := dnKey(e.DN)
		if err != nil {
			return fmt.Errorf("listing ldap user ids on %s: entry DN %q: %w", c.c.url, e.DN, err)
		}
		guid, err := ParseGUID(e.GetEqualFoldRawAttributeValue(guidAttr))
		if err != nil {
			return fmt.Errorf("listing ldap user ids on %s: entry %q attribute %s: %w", c.c.url, e.DN, guidAttr, err)
		}
		ids[key] = guid
		return nil
	}); err != nil {
		return "", err
	}

	managerAttr := c.attrs.source("manager")
	st, err := c.c.search(ctx, s, "users", c.base, c.userFilter, c.attrs.requested(userFields), func(e *goldap.Entry) error {
		dn, err := goldap.ParseDN(e.DN)
		if err != nil {
			return fmt.Errorf("listing ldap users on %s: entry DN %q: %w", c.c.url, e.DN, err)
		}
		extra := map[string]any{"ouPath": ouPath(dn), "inLeaverOU": c.inLeaverOU(dn)}
		if mgr := e.GetEqualFoldAttributeValue(managerAttr); mgr != "" {
			guid, err := c.managerID(ctx, s, mgr, ids)
			if err != nil {
				return fmt.Errorf("listing ldap users on %s: entry %q: resolving manager %q: %w", c.c.url, e.DN, mgr, err)
			}
			if guid != "" {
				extra["managerObjectGUID"] = guid
			}
		}
		id, payload, err := render(e, userFields, c.attrs, extra)
		if err != nil {
			return fmt.Errorf("listing ldap users on %s: %w", c.c.url, err)
		}
		return sink.Emit(ctx, extract.Record{SourceID: id, Payload: payload})
	})
	c.userPages.Store(int64(st.pages))
	if err != nil {
		return "", err
	}
	c.log.Debug("listed ldap users", "server", c.c.url, "entries", st.entries, "pages", st.pages)
	return "", nil
}

// managerID resolves a manager's DN to its objectGUID: from the first
// pass, else by reading the entry, remembering the answer ("" for a DN
// that names nothing) in ids.
func (c *Connector) managerID(ctx context.Context, s *session, dn string, ids map[string]string) (string, error) {
	key, err := dnKey(dn)
	if err != nil {
		return "", nil // not a DN: nothing to resolve, the raw value stays in the record
	}
	if guid, ok := ids[key]; ok {
		return guid, nil
	}
	guidAttr := c.attrs.source("objectGUID")
	e, err := c.c.lookup(ctx, s, dn, []string{guidAttr})
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
		ids[key] = ""
		return "", nil
	case err != nil:
		return "", explain(err)
	}
	guid, err := ParseGUID(e.GetEqualFoldRawAttributeValue(guidAttr))
	if err != nil {
		return "", fmt.Errorf("attribute %s: %w", guidAttr, err)
	}
	ids[key] = guid
	return guid, nil
}

// inLeaverOU reports whether any OU in the DN is one of leaver_ous.
func (c *Connector) inLeaverOU(dn *goldap.DN) bool {
	for _, rdn := range dn.RDNs {
		for _, a := range rdn.Attributes {
			if strings.EqualFold(a.Type, "ou") && c.leaverOUs[strings.ToLower(a.Value)] {
				return true
			}
		}
	}
	return false
}
