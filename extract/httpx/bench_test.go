package httpx

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkRoundTrip measures what the layer adds to one request against a
// loopback vendor: "bare" is the plain transport, "layer" the full chain with
// auth, an Okta quota policy, stats and a disabled logger.
func BenchmarkRoundTrip(b *testing.B) {
	body := `{"users":[` + strings.Repeat(`{"id":"00u1","status":"ACTIVE"},`, 30) + `{}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Rate-Limit-Limit", "1000000")
		w.Header().Set("X-Rate-Limit-Remaining", "999999")
		w.Header().Set("X-Rate-Limit-Reset", "4102444800")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	b.Cleanup(srv.Close)
	url := srv.URL + "/api/v1/users?limit=200"

	clients := []struct {
		name string
		c    *http.Client
	}{
		{"bare", &http.Client{Transport: defaultTransport()}},
		{"layer", New(Options{Auth: StaticHeader("Authorization", "SSWS x"), RateLimit: OktaPolicy, Stats: new(Stats), Vendor: "okta"})},
	}
	for _, bc := range clients {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, url, nil)
				resp, err := bc.c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}

// BenchmarkDoJSONPage reads a 400 KB listing page sent chunked (no
// Content-Length, as a streaming server sends it) through DoJSON into a
// json.RawMessage, as the connectors read their pages.
func BenchmarkDoJSONPage(b *testing.B) {
	page := `[` + strings.Repeat(`{"id":"00u1","status":"ACTIVE","profile":{"login":"someone@acme.example","email":"someone@acme.example"}},`, 4000) + `{}]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i < len(page); i += 32 << 10 {
			_, _ = io.WriteString(w, page[i:min(i+32<<10, len(page))])
			w.(http.Flusher).Flush()
		}
	}))
	b.Cleanup(srv.Close)
	c := New(Options{Auth: StaticHeader("Authorization", "SSWS x"), RateLimit: OktaPolicy, Stats: new(Stats), Vendor: "okta"})
	b.ReportAllocs()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, srv.URL+"/api/v1/users", nil)
		var raw json.RawMessage
		if _, err := DoJSON(c, req, &raw); err != nil || len(raw) != len(page) {
			b.Fatal(err, len(raw))
		}
	}
}
