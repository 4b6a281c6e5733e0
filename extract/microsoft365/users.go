package microsoft365

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/msgraph"
)

// fetchUsers lists the users with their licenses, with signInActivity where
// the tenant holds Entra ID P1/P2. Graph refuses signInActivity on the first
// page of a tenant without premium; the listing then starts over without it,
// larger pages allowed. A refusal after records were emitted cannot be
// answered that way (they would be emitted twice) and fails the entity.
func (c *Connector) fetchUsers(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	emitted := 0
	emit := func(recs []json.RawMessage) error {
		for i, rec := range recs {
			id, err := msgraph.RecordString(rec, "id")
			if err != nil {
				return fmt.Errorf("listing microsoft365 users: record %d: %w", i, err)
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec}); err != nil {
				return err
			}
			emitted++
		}
		return nil
	}
	withSignIn := append(append([]string(nil), userFields...), "signInActivity")
	err := c.listUsers(ctx, "users with sign-in activity", withSignIn, min(c.cfg.PageSize, maxSignInPage), emit)
	if err == nil || !httpx.HasCode(err, msgraph.CodeNonPremium) || emitted > 0 {
		return "", err
	}
	c.capability(extract.CapLastLogin, false, "the tenant has no Microsoft Entra ID P1/P2, so Graph withholds signInActivity "+
		"(Authentication_RequestFromNonPremiumTenantOrB2CTenant); sign-in is not monitored for its accounts")
	return "", c.listUsers(ctx, "users", userFields, c.cfg.PageSize, emit)
}

func (c *Connector) listUsers(ctx context.Context, what string, fields []string, top int, fn func([]json.RawMessage) error) error {
	first, advanced := c.usersURL(fields, top)
	var hdr http.Header
	if advanced {
		hdr = msgraph.AdvancedQuery()
	}
	return c.c.List(ctx, what, first, hdr, fn)
}

// fetchSubscriptions lists the subscribed SKUs. Graph does not page them in
// practice; a next link would still be followed.
func (c *Connector) fetchSubscriptions(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	err := c.c.List(ctx, "subscribedSkus", c.c.URL("/subscribedSkus", nil), nil, func(recs []json.RawMessage) error {
		for i, rec := range recs {
			id, err := msgraph.RecordString(rec, "skuId")
			if err != nil {
				return fmt.Errorf("listing microsoft365 subscribedSkus: record %d: %w", i, err)
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: rec}); err != nil {
				return err
			}
		}
		return nil
	})
	return "", err
}
