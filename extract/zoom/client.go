package zoom

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// accountCredentials runs Zoom's account_credentials grant: a POST to the
// token endpoint with the account id in the query and the client id and
// secret as HTTP Basic credentials. It does not cache: httpx.OAuth2 caches
// and refreshes.
type accountCredentials struct {
	http      *http.Client // no credentials of its own
	tokenURL  string
	accountID string
	clientID  string
	secret    string
	now       func() time.Time
}

func (a *accountCredentials) Token() (*oauth2.Token, error) {
	q := url.Values{"grant_type": {"account_credentials"}, "account_id": {a.accountID}}
	req, err := http.NewRequest(http.MethodPost, a.tokenURL+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("building the zoom token request: %w", err)
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(a.clientID+":"+a.secret)))
	var body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if _, err := httpx.DoJSON(a.http, req, &body); err != nil {
		if httpx.HasStatus(err, http.StatusBadRequest, http.StatusUnauthorized) {
			return nil, fmt.Errorf("getting a zoom access token for account %s (check account_id, client_id, client_secret and that the app is activated): %w", a.accountID, err)
		}
		return nil, fmt.Errorf("getting a zoom access token for account %s: %w", a.accountID, err)
	}
	if body.AccessToken == "" {
		return nil, errors.New("getting a zoom access token: the answer holds no access_token")
	}
	return &oauth2.Token{AccessToken: body.AccessToken, TokenType: "Bearer", Expiry: a.now().Add(time.Duration(body.ExpiresIn) * time.Second)}, nil
}

// client lists Zoom collections. It knows the API root and an authorised
// *http.Client and nothing of the pipeline.
type client struct {
	http *http.Client
	base string // https://api.zoom.us/v2
	// maxPages caps one listing (0: httpx's default).
	maxPages int
}

// maxRestarts bounds the restarts of one listing after expired page tokens:
// a listing that cannot finish within three token lifetimes will not finish.
const maxRestarts = 3

// page is one decoded listing page.
type page struct {
	records []json.RawMessage
	next    string
}

// decodePage splits a Zoom listing body into the records under key, kept
// as the bytes Zoom sent, and its next_page_token. The body must be valid
// JSON (GetJSON into a json.RawMessage checks it); it is read in place
// (jsonpage), not decoded again. It must be a listing envelope (the key or
// page_size present), so an error body or a wrong endpoint cannot read as
// an empty last page.
func decodePage(body []byte, key string) (page, error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return page{}, errors.New("decoding page: body is not a JSON object")
	}
	var p page
	// One pass over the page for the members read.
	var m [3][]byte
	jsonpage.Members(body, []string{"next_page_token", key, "page_size"}, m[:])
	if raw := m[0]; raw != nil && string(raw) != "null" {
		var ok bool
		if p.next, ok = jsonpage.String(raw); !ok {
			return page{}, errors.New("decoding page: next_page_token is not a string")
		}
	}
	raw := m[1]
	if raw == nil {
		if m[2] == nil {
			return page{}, fmt.Errorf("decoding page: no %s and no page_size: not a listing", key)
		}
		return p, nil
	}
	elems, ok := jsonpage.Elements(raw)
	if !ok {
		return page{}, fmt.Errorf("decoding page: %s is not a JSON array", key)
	}
	p.records = make([]json.RawMessage, len(elems))
	for i, r := range elems {
		if len(r) == 0 || r[0] != '{' {
			return page{}, fmt.Errorf("decoding page: record %d is not a JSON object", i)
		}
		p.records[i] = r
	}
	return p, nil
}

// optionalValue reads a member's raw value (nil when absent): "" when it
// is absent or null, ok false when it is something other than a string
// (what json.Unmarshal into a string field refuses).
func optionalValue(raw []byte) (string, bool) {
	if raw == nil || string(raw) == "null" {
		return "", true
	}
	return jsonpage.String(raw)
}

// rawBody keeps a body encoding/json has validated.
type rawBody []byte

func (b *rawBody) UnmarshalJSON(data []byte) error {
	*b = append((*b)[:0], data...)
	return nil
}

// expiredToken reports Zoom's answer to a next_page_token past its 15
// minutes: HTTP 400 with error code 300.
func expiredToken(err error) bool {
	return httpx.HasStatus(err, http.StatusBadRequest) && httpx.HasCode(err, "300")
}

// list GETs path?q and follows next_page_token, handing each page's records
// to fn. When a token has expired the listing starts again from its first
// page (at most maxRestarts times); fn sees those records again and must
// skip the ones it already emitted. It returns the number of restarts.
func (c *client) list(ctx context.Context, what, path string, q url.Values, key string, fn func(recs []json.RawMessage) error) (int, error) {
	restarts := 0
	guard := httpx.PageGuard{MaxPages: c.maxPages}
	token := ""
	for n := 1; ; n++ {
		if token != "" {
			q.Set("next_page_token", token)
		} else {
			q.Del("next_page_token")
		}
		var body json.RawMessage
		_, err := httpx.GetJSON(ctx, c.http, c.base+path+"?"+q.Encode(), nil, &body)
		if err != nil && token != "" && expiredToken(err) && restarts < maxRestarts {
			restarts++
			token, guard = "", httpx.PageGuard{MaxPages: c.maxPages}
			continue
		}
		if err != nil {
			return restarts, fmt.Errorf("listing zoom %s page %d: %w", what, n, explain(err))
		}
		p, err := decodePage(body, key)
		if err != nil {
			return restarts, fmt.Errorf("listing zoom %s page %d: GET %s: %w", what, n, httpx.Endpoint(c.base+path), err)
		}
		err = fn(p.records)
		httpx.Release(body) // the records are emitted; the rest is decoded
		if err != nil {
			return restarts, fmt.Errorf("%w (page %d: GET %s)", err, n, httpx.Endpoint(c.base+path))
		}
		if p.next == "" {
			return restarts, nil
		}
		if err := guard.Seen(p.next); err != nil {
			return restarts, fmt.Errorf("listing zoom %s at %s: %w", what, httpx.Endpoint(c.base+path), err)
		}
		token = p.next
	}
}

// stringField reads a top-level string field of rec.
func stringField(rec json.RawMessage, key string) (string, error) {
	// rec is a slice of a page encoding/json has validated: read the one
	// member without decoding the record.
	v, ok := jsonpage.MemberString(rec, key)
	if !ok || strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("record has no string %q", key)
	}
	return v, nil
}
