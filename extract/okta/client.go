package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// client lists Okta collections. It knows the API root and an authorised
// *http.Client and nothing of the pipeline.
type client struct {
	http *http.Client
	base string // API root without trailing slash: https://acme.okta.com
	// maxPages caps one listing (0: httpx's default), so a cursor that never
	// repeats still cannot page forever.
	maxPages int
}

// endpoint builds the first URL of a listing; every later page comes from
// the previous page's Link rel="next".
func (c *client) endpoint(path string, q url.Values) string {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// rawPage is one listing page: a JSON array of objects, each kept as the
// bytes Okta sent.
type rawPage []json.RawMessage

// UnmarshalJSON splits the page. encoding/json has validated b before the
// call and may reuse it after, so the page keeps one copy of it and the
// records are slices of that copy: one validation pass and one split pass
// per page, instead of a full decode of the page and one of every record.
func (p *rawPage) UnmarshalJSON(b []byte) error {
	recs, _, err := splitPage(bytes.Clone(b))
	if err != nil {
		return err
	}
	*p = recs
	return nil
}

// decodePage splits a listing body into its records without re-encoding
// them. Anything but an array of objects is an error: a null or an object
// would otherwise read as an empty page and end the listing silently.
func decodePage(body []byte) ([]json.RawMessage, error) {
	if !jsonpage.Valid(body) {
		var v any
		return nil, fmt.Errorf("decoding page: %w", json.Unmarshal(body, &v))
	}
	recs, _, err := splitPage(body)
	return recs, err
}

// splitPage is decodePage for a body known to be valid JSON. In the same
// pass it reads the members keys of every record: vals[i*len(keys)+k] is
// the raw value of keys[k] in recs[i], nil when it has none.
func splitPage(body []byte, keys ...string) (recs []json.RawMessage, vals [][]byte, err error) {
	elems, vals, ok := jsonpage.ElementMembers(body, keys)
	if !ok {
		return nil, nil, errors.New("decoding page: body is not a JSON array")
	}
	recs = make([]json.RawMessage, len(elems))
	for i, r := range elems {
		if len(r) == 0 || r[0] != '{' {
			return nil, nil, fmt.Errorf("decoding page: record %d is not a JSON object", i)
		}
		recs[i] = r
	}
	return recs, vals, nil
}

// recordKey reads the string field key ("id", "uuid") of one record, which
// must be valid JSON, without decoding the rest of it.
func recordKey(rec json.RawMessage, key string) (string, error) {
	raw, _ := jsonpage.Member(rec, key)
	return keyString(raw, key)
}

// keyString is the record key whose raw member value is raw: a non-empty
// string.
func keyString(raw []byte, key string) (string, error) {
	v, ok := jsonpage.String(raw)
	if !ok || v == "" {
		return "", fmt.Errorf("record has no string %q", key)
	}
	return v, nil
}

// list GETs first and every page its Link rel="next" chain leads to,
// handing each page's records to fn with the raw values of their members
// keys (splitPage). what names the listing in errors. The
// next page is requested while fn stages this one (httpx.Prefetch): the
// cursor is in the Link header, so nothing waits on fn to name it.
func (c *client) list(ctx context.Context, what, first string, keys []string, fn func(recs []json.RawMessage, vals [][]byte) error) error {
	guard := httpx.PageGuard{MaxPages: c.maxPages}
	type page struct {
		body json.RawMessage
		recs []json.RawMessage
		vals [][]byte
		n    int
		u    string
	}
	n := 0
	fetch := func(ctx context.Context, u string) (page, string, error) {
		n++
		if err := guard.Seen(u); err != nil {
			return page{}, "", fmt.Errorf("listing okta %s at %s: %w", what, httpx.Endpoint(u), err)
		}
		var body json.RawMessage
		resp, err := httpx.GetJSON(ctx, c.http, u, nil, &body)
		if err != nil {
			return page{}, "", fmt.Errorf("listing okta %s page %d: %w", what, n, explain(err))
		}
		// GetJSON has validated the body, which is this page's own.
		recs, vals, err := splitPage(body, keys...)
		if err != nil {
			return page{}, "", fmt.Errorf("listing okta %s page %d: GET %s: %w", what, n, httpx.Endpoint(u), err)
		}
		return page{body, recs, vals, n, u}, httpx.NextURL(resp), nil
	}
	return httpx.Prefetch(ctx, first, fetch, func(p page) error {
		// fn has emitted the records (sinks copy them) when it returns.
		defer httpx.Release(p.body)
		if err := fn(p.recs, p.vals); err != nil {
			return fmt.Errorf("%w (page %d: GET %s)", err, p.n, httpx.Endpoint(p.u))
		}
		return nil
	})
}

// emitAll lists first and emits each record under the string field key.
func (c *client) emitAll(ctx context.Context, what, first, key string, emit func(id string, rec json.RawMessage) error) error {
	return c.list(ctx, what, first, []string{key}, func(recs []json.RawMessage, vals [][]byte) error {
		for i, rec := range recs {
			id, err := keyString(vals[i], key)
			if err != nil {
				return fmt.Errorf("listing okta %s: record %d: %w", what, i, err)
			}
			if err := emit(id, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// explain adds what an operator should do about the errors with a known
// cause; the API error itself names okta, the method and the endpoint, never
// the token.
func explain(err error) error {
	switch {
	case httpx.HasStatus(err, http.StatusUnauthorized):
		return fmt.Errorf("okta rejected the credentials (check api_token, or the service app's client_id and key): %w", err)
	case httpx.HasStatus(err, http.StatusForbidden):
		return fmt.Errorf("the credentials lack permission (read-only admin role or okta.*.read scopes needed): %w", err)
	}
	return err
}
