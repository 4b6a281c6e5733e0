package ldap

import (
	"context"
	"fmt"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/saaspipe/saaspipe/extract"
)

// fetchGroups emits every entry group_filter selects under base_dn. It
// does not read member: a large AD group hands it out in ranges, and
// membership is on the users' memberOf.
func (c *Connector) fetchGroups(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	s, err := c.c.connect(ctx)
	if err != nil {
		return "", fmt.Errorf("listing ldap groups: %w", err)
	}
	defer s.Close()
	_, err = c.c.search(ctx, s, "groups", c.base, c.groupFilter, c.attrs.requested(groupFields), func(e *goldap.Entry) error {
		dn, err := goldap.ParseDN(e.DN)
		if err != nil {
			return fmt.Errorf("listing ldap groups on %s: entry DN %q: %w", c.c.url, e.DN, err)
		}
		id, payload, err := render(e, groupFields, c.attrs, map[string]any{"ouPath": ouPath(dn)})
		if err != nil {
			return fmt.Errorf("listing ldap groups on %s: %w", c.c.url, err)
		}
		return sink.Emit(ctx, extract.Record{SourceID: id, Payload: payload})
	})
	return "", err
}
