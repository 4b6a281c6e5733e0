package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
)

// billablePage is one team.billableInfo answer: a map from user id to
// {"billing_active": bool}.
type billablePage struct {
	Info     map[string]json.RawMessage `json:"billable_info"`
	Metadata struct {
		NextCursor string `json:"next_cursor"`
	} `json:"response_metadata"`
}

// decodeBillablePage parses a team.billableInfo body and returns the
// entries in user-id order with whether each is billing_active. A body
// without billable_info, or an entry without a boolean billing_active, is
// an error.
func decodeBillablePage(body []byte) (billablePage, []string, []bool, error) {
	var p billablePage
	if err := json.Unmarshal(body, &p); err != nil {
		return p, nil, nil, fmt.Errorf("decoding team.billableInfo page: %w", err)
	}
	if p.Info == nil {
		return p, nil, nil, fmt.Errorf("decoding team.billableInfo page: no billable_info object")
	}
	ids := make([]string, 0, len(p.Info))
	for id := range p.Info {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	active := make([]bool, len(ids))
	for i, id := range ids {
		var e struct {
			BillingActive *bool `json:"billing_active"`
		}
		if id == "" || json.Unmarshal(p.Info[id], &e) != nil || e.BillingActive == nil {
			return p, nil, nil, fmt.Errorf("decoding team.billableInfo page: entry %q has no boolean billing_active", id)
		}
		active[i] = *e.BillingActive
	}
	return p, ids, active, nil
}

// fetchLicenseAssignments emits one record per member Slack bills under the
// Fair Billing Policy (billing_active true): the member holds a paid seat.
// Members with billing_active false hold none and are not emitted; their
// accounts are in users. The payload is the entry's value as Slack sent
// it, the source id its key (the user id).
func (c *Connector) fetchLicenseAssignments(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	guard := httpx.PageGuard{}
	cursor := ""
	for n := 1; ; n++ {
		q := url.Values{"limit": {c.limit(maxBillable)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var raw json.RawMessage
		err := c.c.call(ctx, "team.billableInfo", q, &raw)
		if httpx.HasCode(err, "paid_only") {
			c.capability(extract.CapLicenses, false, "Slack free plan: team.billableInfo is only available to paid workspaces, so no member is billed")
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("listing slack billable info page %d: %w", n, explain(err))
		}
		page, ids, active, err := decodeBillablePage(raw)
		if err != nil {
			return "", fmt.Errorf("listing slack billable info page %d: GET %s: %w", n, c.c.endpoint("team.billableInfo"), err)
		}
		for i, id := range ids {
			if !active[i] {
				continue
			}
			if err := sink.Emit(ctx, extract.Record{SourceID: id, Payload: page.Info[id]}); err != nil {
				return "", err
			}
		}
		cursor = page.Metadata.NextCursor
		if cursor == "" {
			return "", nil
		}
		if err := guard.Seen(cursor); err != nil {
			return "", fmt.Errorf("listing slack billable info at %s: %w", c.c.endpoint("team.billableInfo"), err)
		}
	}
}
