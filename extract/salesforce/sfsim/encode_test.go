package sfsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/saaspipe/saaspipe/synth"
)

// refMarshal is the reflection-based encoding appendJSON must match.
func refMarshal(n *node) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range n.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		var vb []byte
		if c, ok := n.vals[k].(*node); ok {
			vb = refMarshal(c)
		} else {
			vb, _ = json.Marshal(n.vals[k])
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// TestNodeEncoding holds appendJSON to encoding/json for every record the
// connector's queries return, and a page to json.Marshal of its fields.
func TestNodeEncoding(t *testing.T) {
	s := New(synth.Generate(synth.Params{Seed: 5, People: 800, Date: testDate}), Options{})
	d := s.data
	check := func(object string, rec flat, fields []string) {
		t.Helper()
		n := project(object, "62.0", rec, fields)
		want := refMarshal(n)
		if got := n.appendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", object, got, want)
		}
		if flatFields(fields) {
			got := appendFlat(nil, object, "62.0", rec["Id"].(string), fields, func(f string) any { return rec[f] })
			if !bytes.Equal(got, want) {
				t.Fatalf("%s flat:\n got %s\nwant %s", object, got, want)
			}
		}
	}
	for _, u := range d.users {
		check("User", d.userRec(u), objectFields["User"])
	}
	for _, l := range d.licenses {
		check("UserLicense", licenseRec(l), objectFields["UserLicense"])
	}
	for _, p := range d.psls {
		check("PermissionSetLicense", pslRec(p), objectFields["PermissionSetLicense"])
	}
	for _, a := range d.pslas {
		check("PermissionSetLicenseAssign", pslaRec(a), objectFields["PermissionSetLicenseAssign"])
	}
	s.logins(testDate.AddDate(0, 0, -30), testDate, func(l *loginRow) bool {
		check("LoginHistory", d.loginRec(*l), objectFields["LoginHistory"])
		fields := objectFields["LoginHistory"]
		got := appendFlat(nil, "LoginHistory", "62.0", l.id, fields, func(f string) any { return d.loginField(l, f) })
		if want := refMarshal(project("LoginHistory", "62.0", d.loginRec(*l), fields)); !bytes.Equal(got, want) {
			t.Fatalf("login:\n got %s\nwant %s", got, want)
		}
		return true
	})

	var recs []json.RawMessage
	for i := range 450 {
		recs = append(recs, json.RawMessage(fmt.Sprintf(`{"n":%d,"s":"\\u003c\\u0026"}`, i)))
	}
	loc := &locator{records: recs, total: len(recs), version: "62.0"}
	for _, off := range []int{0, 400} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/services/data/v62.0/query?q=x", nil)
		r.Header.Set("Sforce-Query-Options", "batchSize=200")
		s.page(rec, r, "01gSIM000000001", loc, off)
		hi := min(off+200, len(recs))
		want := struct {
			TotalSize      int               `json:"totalSize"`
			Done           bool              `json:"done"`
			NextRecordsURL string            `json:"nextRecordsUrl,omitempty"`
			Records        []json.RawMessage `json:"records"`
		}{TotalSize: len(recs), Done: hi >= len(recs), Records: loc.records[off:hi]}
		if !want.Done {
			want.NextRecordsURL = fmt.Sprintf("/services/data/v62.0/query/01gSIM000000001-%d", hi)
		}
		wb, _ := json.Marshal(want)
		if !bytes.Equal(rec.Body.Bytes(), wb) {
			t.Fatalf("page at %d:\n got %s\nwant %s", off, rec.Body.Bytes(), wb)
		}
	}
}
