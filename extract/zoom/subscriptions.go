package zoom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
)

// plan is what identifies a plan object in the plan usage answer: a type
// and a host count. Other plan_* members (plan_recording's storage) are not
// seat plans.
type plan struct {
	Type  string `json:"type"`
	Hosts *int64 `json:"hosts"`
}

// fetchSubscriptions emits each seat plan of GET /accounts/me/plans/usage:
// an object member ("plan_base") has source id its key, each element of an
// array member ("plan_webinar") "<key>/<type>". Zoom answers this endpoint
// only for accounts that may read billing; for the others it reports the
// capability gap and emits nothing, since license holders still come from
// the users' type.
func (c *Connector) fetchSubscriptions(ctx context.Context, _ string, sink extract.Sink) (string, error) {
	var body rawBody
	if _, err := httpx.GetJSON(ctx, c.c.http, c.c.base+"/accounts/me/plans/usage", nil, &body); err != nil {
		if httpx.HasStatus(err, http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound) && !expiredToken(err) {
			if c.env.Capability != nil {
				c.env.Capability(extract.CapLicenses, true, "seat counts unavailable: zoom refused GET /accounts/me/plans/usage (needs a paid master account and billing:master); license holders come from users' type")
			}
			if c.env.Logger != nil {
				c.env.Logger.Warn("zoom plan usage not readable; no subscriptions", "error", err)
			}
			return "", nil
		}
		return "", fmt.Errorf("reading zoom plan usage: %w", explain(err))
	}
	recs, err := decodePlans(body)
	if err != nil {
		return "", fmt.Errorf("reading zoom plan usage: %w", err)
	}
	for _, r := range recs {
		if err := sink.Emit(ctx, r); err != nil {
			return "", err
		}
	}
	return "", nil
}

// decodePlans splits the plan usage answer into one record per seat plan,
// in key order.
func decodePlans(body []byte) ([]extract.Record, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil || env == nil {
		return nil, fmt.Errorf("decoding plans: body is not a JSON object")
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		if strings.HasPrefix(k, "plan_") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []extract.Record
	isPlan := func(raw json.RawMessage) (plan, bool) {
		var p plan
		if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &p) != nil {
			return p, false
		}
		return p, p.Type != "" && p.Hosts != nil
	}
	for _, k := range keys {
		raw := env[k]
		if _, ok := isPlan(raw); ok {
			out = append(out, extract.Record{SourceID: k, Payload: raw})
			continue
		}
		var arr []json.RawMessage
		if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &arr) != nil {
			continue
		}
		for _, e := range arr {
			if p, ok := isPlan(e); ok {
				out = append(out, extract.Record{SourceID: k + "/" + p.Type, Payload: e})
			}
		}
	}
	if len(out) == 0 {
		if _, ok := env["plan_base"]; !ok {
			return nil, fmt.Errorf("decoding plans: no plan_base: not a plan usage answer")
		}
	}
	return out, nil
}
