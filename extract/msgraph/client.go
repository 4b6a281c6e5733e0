package msgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// Policy is Graph's throttling as the HTTP layer needs it: 429 is
// throttling, 503 is retried like any 5xx, and both carry Retry-After
// (seconds, sometimes fractional) which the layer honours, backing off
// exponentially when it is missing. Graph sends no remaining-quota headers
// that hold across workloads (x-ms-throttle-limit-percentage appears only
// near the limit of some), so there is nothing to pace by in advance.
var Policy = httpx.HeaderPolicy{}

// Client calls Microsoft Graph v1.0 for one tenant.
type Client struct {
	http     *http.Client // authorised with the tenant's app-only token
	download *http.Client // no credentials: pre-authenticated report URLs
	root     string       // {graph_url}/v1.0
	vendor   string       // connector type, named in errors
	// MaxPages caps one listing (0: httpx's default).
	MaxPages int
}

// NewClient builds the client of one instance; it makes no network call.
// vendor names the connector type in errors and logs.
func NewClient(cfg Config, env extract.Env, vendor string) *Client {
	newHTTP := env.HTTP
	if newHTTP == nil {
		newHTTP = httpx.New
	}
	plain := func() *http.Client {
		return newHTTP(httpx.Options{Vendor: vendor, RateLimit: Policy, Logger: env.Logger})
	}
	src := &secretSource{
		http:     plain(),
		tokenURL: cfg.LoginURL + "/" + url.PathEscape(cfg.TenantID) + "/oauth2/v2.0/token",
		clientID: cfg.ClientID,
		secret:   cfg.ClientSecret,
		cert:     cfg.Certificate,
		key:      cfg.Key,
		scope:    cfg.GraphURL + "/.default",
		timeout:  2 * time.Minute,
	}
	return &Client{
		http:     newHTTP(httpx.Options{Vendor: vendor, Auth: httpx.OAuth2(src), RateLimit: Policy, Logger: env.Logger}),
		download: plain(),
		root:     cfg.GraphURL + "/v1.0",
		vendor:   vendor,
	}
}

// URL builds the first URL of a request to path under /v1.0; later pages
// come only from @odata.nextLink.
func (c *Client) URL(path string, q url.Values) string {
	u := c.root + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// Page is one page of a Graph collection.
type Page struct {
	Value    []json.RawMessage
	NextLink string
	Count    *int64 // @odata.count, when $count=true was asked
}

// DecodePage reads a collection page, keeping every record as the bytes
// Graph sent. A page without a value array, or with an element that is not
// an object, is an error: it would otherwise read as an empty page and end
// the listing silently.
func DecodePage(body []byte) (Page, error) {
	if !jsonpage.Valid(body) {
		return Page{}, errors.New("decoding page: body is not valid JSON")
	}
	return decodeValidPage(body)
}

// decodeValidPage is DecodePage for a body already validated (GetJSON
// into a json.RawMessage validates): the members are found by offset, and
// the records stay slices of the body, never decoded or copied.
func decodeValidPage(body []byte) (Page, error) {
	if !jsonpage.IsObject(body) {
		return Page{}, errors.New("decoding page: body is not a JSON object")
	}
	var p Page
	// One pass over the page for the three members read.
	var m [3][]byte
	jsonpage.Members(body, []string{"value", "@odata.nextLink", "@odata.count"}, m[:])
	if m[0] == nil {
		return Page{}, errors.New("decoding page: no value array")
	}
	elems, ok := jsonpage.Elements(m[0])
	if !ok {
		return Page{}, errors.New("decoding page: no value array")
	}
	p.Value = make([]json.RawMessage, len(elems))
	for i, r := range elems {
		if len(r) == 0 || r[0] != '{' {
			return Page{}, fmt.Errorf("decoding page: value[%d] is not a JSON object", i)
		}
		p.Value[i] = r
	}
	if raw := m[1]; raw != nil && string(raw) != "null" {
		if p.NextLink, ok = jsonpage.String(raw); !ok {
			return Page{}, errors.New("decoding page: @odata.nextLink is not a string")
		}
	}
	if raw := m[2]; raw != nil && string(raw) != "null" {
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			return Page{}, fmt.Errorf("decoding page: @odata.count: %w", err)
		}
		p.Count = &n
	}
	return p, nil
}

// UnmarshalJSON lets GetJSON decode into a Page.
func (p *Page) UnmarshalJSON(b []byte) error {
	// The records are slices of the body, and encoding/json's input is
	// not ours to keep (httpx reuses it): keep a copy.
	pg, err := DecodePage(bytes.Clone(b))
	if err != nil {
		return err
	}
	*p = pg
	return nil
}

// AdvancedQuery is the header Graph requires, with $count=true, for
// advanced directory queries such as endswith filters.
func AdvancedQuery() http.Header {
	return http.Header{"Consistencylevel": {"eventual"}}
}

// List GETs first (with hdr) and every page its @odata.nextLink chain leads
// to, handing each page's records to fn. what names the listing in errors.
// The next link is followed exactly as given: it carries the $skiptoken and
// the original query.
func (c *Client) List(ctx context.Context, what, first string, hdr http.Header, fn func(recs []json.RawMessage) error) error {
	guard := httpx.PageGuard{MaxPages: c.MaxPages}
	n := 0
	for u := first; u != ""; {
		n++
		if err := guard.Seen(u); err != nil {
			return fmt.Errorf("listing %s %s at %s: %w", c.vendor, what, httpx.Endpoint(u), err)
		}
		var body json.RawMessage
		if _, err := httpx.GetJSON(ctx, c.http, u, hdr, &body); err != nil {
			return fmt.Errorf("listing %s %s page %d: %w", c.vendor, what, n, Explain(err))
		}
		page, err := decodeValidPage(body)
		if err != nil {
			return fmt.Errorf("listing %s %s page %d: GET %s: %w", c.vendor, what, n, httpx.Endpoint(u), err)
		}
		err = fn(page.Value)
		httpx.Release(body) // the records are emitted; the rest is decoded
		if err != nil {
			return fmt.Errorf("%w (page %d: GET %s)", err, n, httpx.Endpoint(u))
		}
		u = page.NextLink
	}
	return nil
}

// Get GETs one resource into out.
func (c *Client) Get(ctx context.Context, what, u string, hdr http.Header, out any) error {
	if _, err := httpx.GetJSON(ctx, c.http, u, hdr, out); err != nil {
		return fmt.Errorf("reading %s %s: %w", c.vendor, what, Explain(err))
	}
	return nil
}

// Report GETs a usage report: Graph answers 302 with a pre-authenticated
// download URL, valid for a few minutes, which is fetched without the
// access token (it must not leave for another host, and the download
// service rejects it). A 200 with the content directly is accepted too.
func (c *Client) Report(ctx context.Context, what, u string) ([]byte, error) {
	noFollow := *c.http
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	body, resp, err := c.get(ctx, &noFollow, u)
	if err != nil {
		return nil, fmt.Errorf("requesting %s %s report: %w", c.vendor, what, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return body, nil
	case resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusTemporaryRedirect:
	default:
		return nil, fmt.Errorf("requesting %s %s report: %w", c.vendor, what, Explain(httpx.NewAPIError(c.vendor, resp, body)))
	}
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("requesting %s %s report: %d without a usable Location", c.vendor, what, resp.StatusCode)
	}
	body, resp, err = c.get(ctx, c.download, loc.String())
	if err != nil {
		return nil, fmt.Errorf("downloading %s %s report: %w", c.vendor, what, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("downloading %s %s report: %w", c.vendor, what, httpx.NewAPIError(c.vendor, resp, body))
	}
	return body, nil
}

func (c *Client) get(ctx context.Context, hc *http.Client, u string) ([]byte, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, errors.New("building GET request: malformed URL")
	}
	resp, err := httpx.Do(hc, req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := readAll(resp)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", httpx.RedactURL(req.URL), err)
	}
	return body, resp, nil
}

// Graph error codes the connectors act on.
const (
	// CodeNonPremium: the tenant has no Entra ID P1/P2, so signInActivity
	// (and sign-in logs) cannot be read.
	CodeNonPremium = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
	// CodeDenied: the app lacks an application permission.
	CodeDenied = "Authorization_RequestDenied"
)

// Explain adds what an operator should do about errors with a known cause;
// the API error itself names the vendor, method and endpoint, never a token
// or the query.
func Explain(err error) error {
	switch {
	case httpx.HasStatus(err, http.StatusUnauthorized):
		return fmt.Errorf("microsoft graph rejected the access token (check tenant_id, client_id and client_secret, and that graph_url matches login_url's cloud): %w", err)
	case httpx.HasCode(err, CodeNonPremium):
		return fmt.Errorf("the tenant has no Microsoft Entra ID P1/P2 license: %w", err)
	case httpx.HasStatus(err, http.StatusForbidden):
		return fmt.Errorf("the app registration lacks an application permission or admin consent (User.Read.All, Group.Read.All, Directory.Read.All, Application.Read.All, Organization.Read.All, Reports.Read.All, AuditLog.Read.All): %w", err)
	}
	return err
}
