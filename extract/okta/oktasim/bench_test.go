package oktasim

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
	"github.com/saaspipe/saaspipe/synth"
)

// BenchmarkListUsers lists every user of a 20,000-person org at Okta's
// maximum page size over loopback; the client only reads each body into a
// reused buffer and splits it (jsonpage), so records/s is what the
// simulator serves.
func BenchmarkListUsers(b *testing.B) {
	epoch := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	org := synth.Generate(synth.Params{Seed: 6, People: 20_000, Date: epoch, Epoch: epoch})
	s := New(org, Options{})
	base, err := s.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	records := 0
	var buf bytes.Buffer
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		for u := base + "/api/v1/users?limit=200"; u != ""; {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", "SSWS "+s.Token())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			buf.Reset()
			_, err = io.Copy(&buf, resp.Body)
			resp.Body.Close()
			recs, ok := jsonpage.Elements(buf.Bytes())
			if err != nil || !ok {
				b.Fatal(err, ok)
			}
			records += len(recs)
			u = httpx.NextLink(resp.Header)
		}
	}
	b.ReportMetric(float64(records)/time.Since(start).Seconds(), "records/s")
}
