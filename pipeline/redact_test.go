package pipeline

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/saaspipe/saaspipe/extract/stage"
)

// TestExtractRedactsDeclaredCredentials: an Okta org that sends password
// values and recovery answers in its users listing (an import with hashes,
// a recovery question set) gets them removed before staging, while the rest
// of the credentials object stays.
func TestExtractRedactsDeclaredCredentials(t *testing.T) {
	date := mustDate(t, "2026-11-28")
	tn := startTenant(t, "acme.okta.com", 41, 30, date)
	h := newHarness(t)
	h.add("okta-a", tn, tn.sim.Token())
	o := h.options("2026-11-28")
	const secret, answer = "hunter2-redact-me", "rex-the-dog"
	filled := 0
	o.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil || r.URL.Path != "/api/v1/users" {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		n := bytes.Count(body, []byte(`"password":{}`))
		filled += n
		body = bytes.ReplaceAll(body, []byte(`"password":{}`),
			[]byte(`"password":{"value":"`+secret+`"},"recovery_question":{"question":"pet?","answer":"`+answer+`"}`))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
		return resp, nil
	})
	recs, err := Extract(context.Background(), o)
	if err != nil || len(recs) != 1 || recs[0].Status != "ok" {
		t.Fatalf("extract: %v %+v", err, recs)
	}
	if filled == 0 {
		t.Fatal("the simulated users carried no credentials object to fill: the test proves nothing")
	}
	rows, err := parquet.ReadFile[stage.Row](filepath.Join(h.dir, recs[0].Entities["users"].File))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("no users staged")
	}
	for _, r := range rows {
		p := string(r.Payload)
		if strings.Contains(p, secret) || strings.Contains(p, answer) || strings.Contains(p, "recovery_question") {
			t.Fatalf("staged user %s keeps a credential: %s", r.SourceID, p)
		}
		if !strings.Contains(p, `"provider":{"type":"OKTA"`) {
			t.Fatalf("staged user %s lost the undeclared part of credentials: %s", r.SourceID, p)
		}
	}
}
