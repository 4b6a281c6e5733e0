package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

	"golang.org/x/time/rate"

	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// Slack's documented per-method tiers, in requests per minute. Methods not
// listed (auth.test) are called once per run and are not paced.
const (
	tier2PerMinute = 20
	tier3PerMinute = 50
)

// methodTier maps each method the connector calls to its tier.
var methodTier = map[string]int{
	"users.list":        2,
	"team.accessLogs":   2,
	"team.billableInfo": 2,
	"team.info":         3,
	"team.billing.info": 3,
}

// client calls Slack Web API methods. It knows the API root, an authorised
// *http.Client and the per-method limiters, and nothing of the pipeline.
type client struct {
	http *http.Client
	base string // https://slack.com/api, no trailing slash
	auth *tokenAuth

	tier2 float64 // requests per minute for Tier 2 methods
	mu    sync.Mutex
	lims  map[string]*rate.Limiter
}

// limiter returns the method's limiter, nil for unpaced methods. Burst 1:
// the tier is a ceiling Slack enforces per minute, and a listing that
// bursts into it gets a 429 and a Retry-After of most of a minute.
func (c *client) limiter(method string) *rate.Limiter {
	var perMin float64
	switch methodTier[method] {
	case 2:
		perMin = c.tier2
	case 3:
		perMin = max(c.tier2, tier3PerMinute*c.tier2/tier2PerMinute)
	default:
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lims[method]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(perMin/60), 1)
		c.lims[method] = l
	}
	return l
}

// call GETs method with q and decodes the whole body into out (which must
// be decodable alongside Slack's ok and error members); an {"ok": false} answer
// becomes an *httpx.APIError whose Code is Slack's error string. A
// token_expired or invalid_auth answer is retried once after refreshing a
// rotating token.
func (c *client) call(ctx context.Context, method string, q url.Values, out any) error {
	if l := c.limiter(method); l != nil {
		if err := l.Wait(ctx); err != nil {
			return fmt.Errorf("pacing slack %s: %w", method, err)
		}
	}
	err := c.once(ctx, method, q, out)
	if err != nil && c.auth.canRefresh() && httpx.HasCode(err, "token_expired", "invalid_auth", "token_revoked") {
		if rerr := c.auth.Refresh(ctx); rerr != nil {
			return fmt.Errorf("slack %s answered %s and refreshing the token failed: %w", method, codeOf(err), rerr)
		}
		err = c.once(ctx, method, q, out)
	}
	return err
}

// endpoint names a method's URL in errors, without query or userinfo.
func (c *client) endpoint(method string) string {
	return httpx.Endpoint(c.base + "/" + method)
}

func (c *client) once(ctx context.Context, method string, q url.Values, out any) error {
	u := c.base + "/" + method
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var raw json.RawMessage
	resp, err := httpx.GetJSON(ctx, c.http, u, nil, &raw)
	if err != nil {
		return err
	}
	// The envelope's two members, read from the validated body without
	// decoding the rest of it (a users.list page is megabytes).
	var env [2][]byte
	if !jsonpage.Members(raw, []string{"ok", "error"}, env[:]) {
		return fmt.Errorf("decoding slack %s: answer is not a JSON object", method)
	}
	switch string(env[0]) {
	case "true":
	case "", "false":
		if e, _ := jsonpage.String(env[1]); e == "" {
			return fmt.Errorf("decoding slack %s: answer has neither ok:true nor an error", method)
		}
		return httpx.NewAPIError("slack", resp, raw)
	default:
		return fmt.Errorf("decoding slack %s: ok is %.20s, not a boolean", method, env[0])
	}
	switch o := out.(type) {
	case nil:
	case *json.RawMessage:
		*o = raw // the caller's now, never released
		return nil
	default:
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("decoding slack %s: %w", method, err)
		}
	}
	httpx.Release(raw) // decoded: encoding/json copies what it keeps
	return nil
}

func codeOf(err error) string {
	var ae *httpx.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return "an error"
}

// explain adds what an operator should do about errors with a known cause.
// The API error names slack, the method's URL without query and the code,
// never the token.
func explain(err error) error {
	switch {
	case httpx.HasCode(err, "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"):
		return fmt.Errorf("slack rejected the token (check token, or refresh_token with client_id and client_secret): %w", err)
	case httpx.HasCode(err, "missing_scope", "not_allowed_token_type", "no_permission"):
		return fmt.Errorf("the token lacks a scope (users:read, users:read.email, team:read, team.billing:read, admin): %w", err)
	case httpx.HasCode(err, "ratelimited") || httpx.HasStatus(err, http.StatusTooManyRequests):
		return fmt.Errorf("slack kept rate-limiting after the retries (lower tier2_per_minute): %w", err)
	}
	return err
}
