package oktasim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/synth"
)

// BenchmarkListUsers lists every user of a 20,000-person org at Okta's
// maximum page size over loopback, reading and splitting each page the way
// a client does; records/s is what the simulator serves.
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
			var recs []json.RawMessage
			err = json.NewDecoder(resp.Body).Decode(&recs)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			records += len(recs)
			u = httpx.NextLink(resp.Header)
		}
	}
	b.ReportMetric(float64(records)/time.Since(start).Seconds(), "records/s")
}
