package googleworkspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

const (
	usersPath    = "/admin/directory/v1/users"
	loginPath    = "/admin/reports/v1/activity/users/all/applications/login"
	usagePath    = "/admin/reports/v1/usage/users/all/dates/"
	licensesPath = "/apps/licensing/v1/product/"
)

// client lists Google collections. It knows the API roots and an authorised
// *http.Client and nothing of the pipeline.
type client struct {
	http      *http.Client
	admin     string // Directory and Reports root: https://admin.googleapis.com
	licensing string // License Manager root: https://licensing.googleapis.com
	// maxPages caps one listing (0: httpx's default).
	maxPages int
}

// listing names one kind of Google page: its kind and the key of its items.
type listing struct {
	what  string // for errors: "users", "login activities"
	kind  string // "admin#directory#users"
	items string // "users", "items", "usageReports"
}

var (
	usersListing    = listing{"users", "admin#directory#users", "users"}
	licenseListing  = listing{"license assignments", "licensing#licenseAssignmentList", "items"}
	activityListing = listing{"login activities", "admin#reports#activities", "items"}
	usageListing    = listing{"user usage reports", "admin#reports#usageReports", "usageReports"}
)

// page is one decoded listing page.
type page struct {
	records  []json.RawMessage
	next     string
	warnings []warning
}

type warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// decodePage splits a Google listing body into its records, kept as the
// bytes Google sent, and its nextPageToken. The body must be an object of
// the listing's kind: Google omits the items key of an empty listing, so the
// kind is what tells an empty page from an error or a wrong endpoint, which
// would otherwise end the listing silently.
func decodePage(body []byte, l listing) (page, error) {
	if !jsonpage.Valid(body) {
		return page{}, errors.New("decoding page: body is not a JSON object")
	}
	return decodeValidPage(body, l)
}

// decodeValidPage is decodePage for a body already validated (GetJSON into
// a json.RawMessage validates): the members are found by offset, and the
// records stay slices of the body, never decoded or copied.
func decodeValidPage(body []byte, l listing) (page, error) {
	if !jsonpage.IsObject(body) {
		return page{}, errors.New("decoding page: body is not a JSON object")
	}
	// One pass over the page for the four members read.
	var m [4][]byte
	jsonpage.Members(body, []string{"kind", "nextPageToken", "warnings", l.items}, m[:])
	if kind, ok := jsonpage.String(m[0]); !ok || kind != l.kind {
		return page{}, fmt.Errorf("decoding page: kind is not %q", l.kind)
	}
	var p page
	if raw := m[1]; raw != nil && string(raw) != "null" {
		var ok bool
		if p.next, ok = jsonpage.String(raw); !ok {
			return page{}, errors.New("decoding page: nextPageToken is not a string")
		}
	}
	if raw := m[2]; raw != nil {
		if err := json.Unmarshal(raw, &p.warnings); err != nil {
			return page{}, errors.New("decoding page: warnings is not a list")
		}
	}
	if raw := m[3]; raw != nil {
		elems, ok := jsonpage.Elements(raw)
		if !ok {
			return page{}, fmt.Errorf("decoding page: %s is not a JSON array", l.items)
		}
		p.records = make([]json.RawMessage, len(elems))
		for i, r := range elems {
			if len(r) == 0 || r[0] != '{' {
				return page{}, fmt.Errorf("decoding page: record %d is not a JSON object", i)
			}
			p.records[i] = r
		}
	}
	return p, nil
}

// list GETs root+path?q and every page its nextPageToken chain leads to,
// handing each page to fn.
func (c *client) list(ctx context.Context, l listing, root, path string, q url.Values, fn func(p page) error) error {
	guard := httpx.PageGuard{MaxPages: c.maxPages}
	token := ""
	for n := 1; ; n++ {
		if token != "" {
			if err := guard.Seen(token); err != nil {
				return fmt.Errorf("listing google %s at %s: %w", l.what, httpx.Endpoint(root+path), err)
			}
			q.Set("pageToken", token)
		}
		var body json.RawMessage
		if _, err := httpx.GetJSON(ctx, c.http, root+path+"?"+q.Encode(), nil, &body); err != nil {
			return fmt.Errorf("listing google %s page %d: %w", l.what, n, explain(err))
		}
		p, err := decodeValidPage(body, l)
		if err != nil {
			return fmt.Errorf("listing google %s page %d: GET %s: %w", l.what, n, httpx.Endpoint(root+path), err)
		}
		err = fn(p)
		httpx.Release(body) // the records are emitted; the rest is decoded
		if err != nil {
			return fmt.Errorf("%w (page %d: GET %s)", err, n, httpx.Endpoint(root+path))
		}
		if p.next == "" {
			return nil
		}
		token = p.next
	}
}

// field reads the string at a path of nested objects in rec ("id",
// "primaryEmail", "id.time").
func field(rec json.RawMessage, path ...string) (string, error) {
	// rec is a slice of a page decodePage has validated: walk to the
	// one member without decoding the record.
	cur := []byte(rec)
	for _, k := range path {
		var ok bool
		if cur, ok = jsonpage.Member(cur, k); !ok {
			return "", fmt.Errorf("record has no string %v", path)
		}
	}
	v, ok := jsonpage.String(cur)
	if !ok || v == "" {
		return "", fmt.Errorf("record has no string %v", path)
	}
	return v, nil
}

// explain adds what an operator should do about the errors with a known
// cause; the API error itself names google, the method and the endpoint,
// never the key or a token.
func explain(err error) error {
	switch {
	case httpx.HasStatus(err, http.StatusUnauthorized):
		return fmt.Errorf("google rejected the access token (check service_account_key and admin_email): %w", err)
	case httpx.HasStatus(err, http.StatusForbidden):
		return fmt.Errorf("the administrator lacks the privilege or the client id lacks the delegated scope (needs %d read-only scopes): %w", len(Scopes), err)
	}
	return err
}
