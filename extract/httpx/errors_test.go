package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"okta", oktaThrottleBody, "E0000047"},
		{"graph", `{"error":{"code":"TooManyRequests","innerError":{"code":"429"},"message":"Please retry again later."}}`, "TooManyRequests"},
		{"google reason", `{"error":{"code":403,"message":"Quota","errors":[{"domain":"usageLimits","reason":"userRateLimitExceeded"}],"status":"PERMISSION_DENIED"}}`, "userRateLimitExceeded"},
		{"google status only", `{"error":{"code":404,"message":"x","status":"NOT_FOUND"}}`, "NOT_FOUND"},
		{"slack", `{"error": "invalid_cursor", "ok": false}`, "invalid_cursor"},
		{"salesforce", `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`, "REQUEST_LIMIT_EXCEEDED"},
		{"dropbox", `{"error_summary":"too_many_requests/..","error":{".tag":"too_many_requests"}}`, "too_many_requests"},
		{"adobe", `{"error_code":"429050","message":"Too many requests"}`, "429050"},
		{"box", `{"type":"error","status":404,"code":"not_found"}`, "not_found"},
		{"zoom numeric", `{"code":124,"message":"Invalid access token."}`, "124"},
		{"html", `<html><body>Bad gateway</body></html>`, ""},
		{"empty", ``, ""},
		{"empty array", `[]`, ""},
		{"no code", `{"message":"nope"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorCode([]byte(tc.body)); got != tc.want {
				t.Errorf("ErrorCode = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAPIError(t *testing.T) {
	u, _ := url.Parse("https://user:pw@x.okta.com/api/v1/users?token=abc&after=1")
	resp := &http.Response{StatusCode: 429, Request: &http.Request{Method: "GET", URL: u}}
	body := []byte(oktaThrottleBody + strings.Repeat(" ", 4000))
	ae := NewAPIError("okta", resp, body)
	if got, want := ae.Error(), "okta GET https://x.okta.com/api/v1/users: HTTP 429 E0000047"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if len(ae.Body) != apiErrorBodyMax {
		t.Errorf("Body holds %d bytes, want %d", len(ae.Body), apiErrorBodyMax)
	}
	wrapped := fmt.Errorf("listing okta users page 3: %w", ae)
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"status matches through wrapping", HasStatus(wrapped, 503, 429), true},
		{"status differs", HasStatus(wrapped, 404), false},
		{"code matches", HasCode(wrapped, "E0000047"), true},
		{"code differs", HasCode(wrapped, "E0000011"), false},
		{"not an API error", HasStatus(errors.New("x"), 429), false},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestGetJSON(t *testing.T) {
	type page struct {
		Users []string `json:"users"`
	}
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		want      []string
		wantErr   string
		wantAPI   int
		wantLinks string
	}{
		{
			name:      "decodes and returns headers",
			handler:   reply(200, `{"users":["a","b"]}`, "Link", `<https://h/u?after=b>; rel="next"`),
			want:      []string{"a", "b"},
			wantLinks: "https://h/u?after=b",
		},
		{name: "no content", handler: reply(204, "")},
		{name: "empty 200 is an error", handler: reply(200, ""), wantErr: "decoding"},
		{name: "malformed JSON", handler: reply(200, `{"users":[`), wantErr: "decoding"},
		{name: "API error", handler: reply(404, `{"errorCode":"E0000007","errorSummary":"Not found"}`), wantAPI: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript(t, http.MethodGet, "/api/v1/users", func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Accept") != "application/json" || r.Header.Get("X-Extra") != "1" {
					t.Errorf("request headers %v lack Accept or X-Extra", r.Header)
				}
				tc.handler(w, r)
			})
			c := newClient(Options{Vendor: "okta"}, newFakeClock().clock())
			var out page
			resp, err := GetJSON(t.Context(), c, s.URL(), http.Header{"X-Extra": {"1"}}, &out)
			switch {
			case tc.wantAPI != 0:
				var ae *APIError
				if !errors.As(err, &ae) || ae.Status != tc.wantAPI || ae.Code != "E0000007" || ae.Vendor != "okta" {
					t.Fatalf("error %v, want okta *APIError %d E0000007", err, tc.wantAPI)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
				}
			case err != nil:
				t.Fatalf("GetJSON: %v", err)
			}
			if strings.Join(out.Users, ",") != strings.Join(tc.want, ",") {
				t.Errorf("decoded %v, want %v", out.Users, tc.want)
			}
			if resp != nil && NextLink(resp.Header) != tc.wantLinks {
				t.Errorf("NextLink %q, want %q", NextLink(resp.Header), tc.wantLinks)
			}
		})
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"https://acme.okta.com/api/v1/users?after=00u1&limit=200", "https://acme.okta.com/api/v1/users"},
		{"https://user:pass@slack.com/api/users.list?token=xoxb-1", "https://slack.com/api/users.list"},
		{"http://127.0.0.1:8080/services/data/v62.0/query/01g-200", "http://127.0.0.1:8080/services/data/v62.0/query/01g-200"},
		{"://bad", ""},
	}
	for _, tt := range tests {
		if got := Endpoint(tt.raw); got != tt.want {
			t.Errorf("Endpoint(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// TestGetJSONRaw: a *json.RawMessage receives the body exactly as sent,
// once it is valid JSON; anything else fails as it does for other targets.
func TestGetJSONRaw(t *testing.T) {
	for _, tc := range []struct{ body, wantErr string }{
		{body: ` [{"id":"a"} , {"id":"b"}] `},
		{body: ``, wantErr: "decoding"},
		{body: `[{"id":`, wantErr: "decoding"},
	} {
		s := newScript(t, http.MethodGet, "/api/v1/users", reply(200, tc.body))
		c := newClient(Options{Vendor: "okta"}, newFakeClock().clock())
		var raw json.RawMessage
		_, err := GetJSON(t.Context(), c, s.URL(), nil, &raw)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("%q: error %v, want one mentioning %q", tc.body, err, tc.wantErr)
			}
		case err != nil || string(raw) != tc.body:
			t.Fatalf("%q: got %q, %v", tc.body, raw, err)
		}
	}
}
