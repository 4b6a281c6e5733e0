package slack

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/saaspipe/saaspipe/extract"
)

// PlanSourceID is the source id of the one subscription a workspace has:
// its plan. It does not name the plan, so an upgrade keeps the
// subscription's identity and changes its sku.
const PlanSourceID = "workspace-plan"

// fetchSubscriptions emits the team.billing.info answer ({"ok", "plan"}) as
// the workspace's one subscription. Under the Fair Billing Policy a
// workspace pays for its active members, so there is no purchased seat
// count: the staging SQL counts the billing_active members as assigned.
func (c *Connector) fetchSubscriptions(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	var raw json.RawMessage
	if err := c.c.call(ctx, "team.billing.info", nil, &raw); err != nil {
		return "", fmt.Errorf("reading slack team.billing.info: %w", explain(err))
	}
	var p struct {
		Plan *string `json:"plan"`
	}
	if err := json.Unmarshal(raw, &p); err != nil || p.Plan == nil {
		return "", fmt.Errorf("reading slack team.billing.info: answer has no plan")
	}
	return "", sink.Emit(ctx, extract.Record{SourceID: PlanSourceID, Payload: raw})
}
