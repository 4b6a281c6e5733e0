package sfsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/saaspipe/saaspipe/extract/salesforce"
	"github.com/saaspipe/saaspipe/synth"
)

// BenchmarkQuery answers the connector's users query and a 30-day
// LoginHistory query of a 10,000-person org, every page of each;
// records/s is what the simulator serves.
func BenchmarkQuery(b *testing.B) {
	s := New(synth.Generate(synth.Params{Seed: 5, People: 10_000, Date: testDate}), Options{})
	queries := []string{salesforce.UsersSOQL, fmt.Sprintf(salesforce.LoginHistorySOQL, "2026-02-14T00:00:00Z", "2026-03-16T00:00:00Z")}
	records := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range queries {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/services/data/v62.0/query?q="+url.QueryEscape(q), nil)
			s.query(rec, r, "62.0")
			if rec.Code != http.StatusOK {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var p struct {
				TotalSize int    `json:"totalSize"`
				Next      string `json:"nextRecordsUrl"`
			}
			json.Unmarshal(rec.Body.Bytes(), &p)
			records += p.TotalSize
			for p.Next != "" {
				locator, offset, _ := strings.Cut(path.Base(p.Next), "-")
				rec := httptest.NewRecorder()
				s.more(rec, httptest.NewRequest(http.MethodGet, p.Next, nil), "62.0", locator, offset)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", p.Next, rec.Code, rec.Body)
				}
				p.Next = ""
				json.Unmarshal(rec.Body.Bytes(), &p)
			}
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
