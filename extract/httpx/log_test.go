package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLogsAndErrorsCarryNoSecrets(t *testing.T) {
	const token, queryToken = "sekrit-bearer", "sekrit-query"
	s := newScript(t, http.MethodGet, "/api/users.list",
		requireAuth(t, "Bearer "+token, reply(503, "")),
		requireAuth(t, "Bearer "+token, reply(429, `{"ok":false,"error":"ratelimited"}`, "Retry-After", "1")),
		requireAuth(t, "Bearer "+token, reply(400, `{"ok":false,"error":"invalid_cursor"}`)),
	)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(Options{Vendor: "slack", Auth: Bearer(token), Logger: log, BaseBackoff: time.Millisecond}, newFakeClock().clock())
	_, err := GetJSON(t.Context(), c, s.URL()+"?token="+queryToken+"&cursor=dXNlcjpVMDYxTkZUVDI=", nil, &struct{}{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "invalid_cursor" {
		t.Fatalf("error %v, want *APIError invalid_cursor", err)
	}

	// A transport error through the same helpers: net/http's *url.Error
	// would quote the full URL.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, derr := GetJSON(t.Context(), newClient(Options{MaxRetries: -1, Logger: log}, newFakeClock().clock()), dead.URL+"/x?token="+queryToken, nil, &struct{}{})
	if derr == nil {
		t.Fatal("GET to a closed server succeeded")
	}

	out := buf.String()
	for _, text := range []string{out, err.Error(), derr.Error()} {
		for _, secret := range []string{token, queryToken, "token=", "cursor=", "?"} {
			if strings.Contains(text, secret) {
				t.Errorf("%q leaks %q", text, secret)
			}
		}
	}

	// Every line names the vendor, method and path; attempts are Debug,
	// retries Warn.
	levels := map[string]int{}
	for line := range strings.Lines(out) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		levels[rec["level"].(string)+" "+rec["msg"].(string)]++
		if rec["url"] == nil || rec["method"] == nil {
			t.Errorf("log line without url or method: %s", line)
		}
	}
	want := map[string]int{"DEBUG attempt": 3, "WARN retrying": 2, "DEBUG attempt failed": 1}
	for k, n := range want {
		if levels[k] != n {
			t.Errorf("%d %q log lines, want %d (all: %v)", levels[k], k, n, levels)
		}
	}
	if !strings.Contains(out, `"url":"`+s.srv.URL+`/api/users.list"`) {
		t.Errorf("logs do not name the request path:\n%s", out)
	}
}
