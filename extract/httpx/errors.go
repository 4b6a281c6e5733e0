package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ErrResponseTooLarge is returned when a body exceeds Options.MaxResponseBytes.
var ErrResponseTooLarge = errors.New("response body exceeds the size cap")

// ErrCursorLoop is returned by PageGuard when a next cursor or URL repeats.
var ErrCursorLoop = errors.New("paging cursor repeated")

// ErrPageLimit is returned by PageGuard when a listing runs past its page cap,
// which only an endless listing that never repeats a cursor can do.
var ErrPageLimit = errors.New("paging exceeded the page cap")

// ErrAttemptTimeout marks an attempt that ran past Options.Timeout while the
// request's own context was still live; such attempts are retried. It is
// distinct from context.DeadlineExceeded so callers can tell a slow vendor
// from their own deadline.
var ErrAttemptTimeout = errors.New("attempt timed out")

// apiErrorBodyMax is how much of an error body an APIError keeps: enough for
// every vendor's error envelope, small enough for a log line.
const apiErrorBodyMax = 2 << 10

// APIError is a non-2xx answer from a vendor, after retries.
type APIError struct {
	Vendor string
	Method string
	URL    string // scheme, host and path; the query is dropped (it may hold tokens)
	Status int
	Code   string // the vendor's error code when its body has one (E0000047, TooManyRequests)
	Body   string // first 2 KiB of the body
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Vendor != "" {
		b.WriteString(e.Vendor)
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.URL, e.Status)
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	}
	return b.String()
}

// NewAPIError describes resp, whose body has already been read into body,
// for connectors that make requests GetJSON does not cover (POST RPC calls,
// Slack's HTTP 200 {"ok": false} answers).
func NewAPIError(vendor string, resp *http.Response, body []byte) *APIError {
	e := &APIError{Vendor: vendor, Status: resp.StatusCode, Code: ErrorCode(body)}
	if req := resp.Request; req != nil {
		e.Method = req.Method
		e.URL = RedactURL(req.URL)
	}
	if len(body) > apiErrorBodyMax {
		body = body[:apiErrorBodyMax]
	}
	e.Body = string(body)
	return e
}

// HasStatus reports whether err is (or wraps) an *APIError with one of the
// given statuses.
func HasStatus(err error, status ...int) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, s := range status {
		if ae.Status == s {
			return true
		}
	}
	return false
}

// HasCode reports whether err is (or wraps) an *APIError whose vendor code is
// one of codes.
func HasCode(err error, codes ...string) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.Code == c {
			return true
		}
	}
	return false
}

// RedactURL renders scheme, host and path only: queries can carry tokens
// (Slack's legacy token=, pre-signed download URLs) and userinfo passwords,
// so neither is ever logged or put into an error.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

// Endpoint renders raw (a request URL) for an error message as RedactURL
// does: a failure found while reading a page (a record without an id, a
// repeated cursor) must name the endpoint like an *APIError does, without
// the query that may carry a token. A URL that does not parse gives "".
func Endpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return RedactURL(u)
}

// errorEnvelope holds the fields the common vendor error bodies use for
// their machine-readable code.
type errorEnvelope struct {
	ErrorCode  string          `json:"errorCode"`  // Okta, Salesforce (in an array)
	Error      json.RawMessage `json:"error"`      // Slack/OAuth: string; Graph, Google, Dropbox: object
	ErrorCode2 string          `json:"error_code"` // Adobe
	Code       json.RawMessage `json:"code"`       // Box: string; Zoom: number
}

type errorObject struct {
	Code   json.RawMessage `json:"code"`   // Graph: "TooManyRequests"; Google: 403
	Status string          `json:"status"` // Google: "PERMISSION_DENIED"
	Tag    string          `json:".tag"`   // Dropbox unions
	Errors []struct {
		Reason string `json:"reason"` // Google: "rateLimitExceeded"
	} `json:"errors"`
}

// ErrorCode extracts a vendor's machine-readable error code from the common
// body shapes: Okta {"errorCode"}, Graph {"error":{"code"}}, Google
// {"error":{"errors":[{"reason"}]}} (the reason is more specific than its
// numeric code), Slack and OAuth {"error":"..."}, Salesforce
// [{"errorCode"}], Dropbox {"error":{".tag"}}, Adobe {"error_code"}, Box and
// Zoom {"code"}. It returns "" for anything else, including non-JSON bodies.
func ErrorCode(body []byte) string {
	body = trimSpaceBytes(body)
	if len(body) == 0 {
		return ""
	}
	if body[0] == '[' {
		var arr []errorEnvelope
		if json.Unmarshal(body, &arr) != nil || len(arr) == 0 {
			return ""
		}
		return arr[0].ErrorCode
	}
	var env errorEnvelope
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	if env.ErrorCode != "" {
		return env.ErrorCode
	}
	if len(env.Error) > 0 {
		var s string
		if json.Unmarshal(env.Error, &s) == nil && s != "" {
			return s
		}
		var obj errorObject
		if json.Unmarshal(env.Error, &obj) == nil {
			for _, e := range obj.Errors {
				if e.Reason != "" {
					return e.Reason
				}
			}
			if c := scalarString(obj.Code); c != "" && obj.Status == "" {
				return c
			}
			if obj.Status != "" {
				return obj.Status
			}
			if obj.Tag != "" {
				return obj.Tag
			}
		}
	}
	if env.ErrorCode2 != "" {
		return env.ErrorCode2
	}
	return scalarString(env.Code)
}

// scalarString renders a JSON string or number as text, "" otherwise.
func scalarString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if _, err := strconv.ParseFloat(n.String(), 64); err == nil {
			return n.String()
		}
	}
	return ""
}

func trimSpaceBytes(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}
