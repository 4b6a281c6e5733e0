package msgraph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/httpx"
	"github.com/saaspipe/saaspipe/extract/msgraph/graphsim"
	"github.com/saaspipe/saaspipe/synth"
)

func samplesDir(t testing.TB) string {
	dir := "../../../shared/vendor-samples/msgraph"
	if _, err := os.Stat(dir); err != nil {
		dir = "/work/shared/vendor-samples/msgraph"
	}
	return dir
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSettings(t *testing.T) {
	base := extract.Settings{"tenant_id": " 72F988BF-86F1-41AF-91AB-2D7CD011DB47 ", "client_id": "app", "client_secret": "s3cr3t"}
	tests := []struct {
		name    string
		set     extract.Settings
		err     string
		filter  string
		graph   string
		page    int
		tenant  string
		domains int
	}{
		{name: "defaults", graph: DefaultGraphURL, page: MaxPageSize, tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47"},
		{name: "star", set: extract.Settings{"domains": []any{"*"}}, graph: DefaultGraphURL, page: MaxPageSize, tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47"},
		{name: "domains", set: extract.Settings{"domains": []any{"B.example", "a.example", "b.example"}, "page_size": 50},
			filter: "endswith(userPrincipalName,'@a.example') or endswith(userPrincipalName,'@b.example')", graph: DefaultGraphURL, page: 50, tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47", domains: 2},
		{name: "national cloud", set: extract.Settings{"graph_url": "https://graph.microsoft.us/", "login_url": "https://login.microsoftonline.us"}, graph: "https://graph.microsoft.us", page: MaxPageSize, tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47"},
		{name: "quote in domain", set: extract.Settings{"domains": []any{"a.example') or true or ('"}}, err: "domains:"},
		{name: "http without allow", set: extract.Settings{"login_url": "http://127.0.0.1:1"}, err: "login_url:"},
		{name: "query in graph url", set: extract.Settings{"graph_url": "https://graph.example/?x=1"}, err: "graph_url:"},
		{name: "no client", set: extract.Settings{"client_id": ""}, err: "client_id:"},
		{name: "page too big", set: extract.Settings{"page_size": 5000}, err: "page_size:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := extract.Settings{}
			for k, v := range base {
				s[k] = v
			}
			for k, v := range tc.set {
				s[k] = v
			}
			c, err := ParseSettings(s)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) || strings.Contains(err.Error(), "s3cr3t") {
					t.Fatalf("error = %v, want prefix %q and no secret", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.UserFilter() != tc.filter || c.GraphURL != tc.graph || c.PageSize != tc.page || c.TenantID != tc.tenant || len(c.Domains) != tc.domains {
				t.Errorf("got %+v filter %q", c, c.UserFilter())
			}
		})
	}
}

func TestDecodePage(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		n     int
		next  string
		error bool
	}{
		{"users sample", string(readSample(t, "users-list.json")), 2, "", false},
		{"skus sample", string(readSample(t, "subscribedSkus-list.json")), 2, "", false},
		{"licenseDetails sample", string(readSample(t, "user-licenseDetails-list.json")), 2, "", false},
		{"servicePrincipals sample", string(readSample(t, "servicePrincipals-list.json")), 1, "", false},
		{"next link", `{"value":[{"id":"a"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=X"}`, 1, "https://graph.microsoft.com/v1.0/users?$skiptoken=X", false},
		{"empty page", `{"value":[]}`, 0, "", false},
		{"error body", string(readSample(t, "error-429-throttled.json")), 0, "", true},
		{"null value", `{"value":null}`, 0, "", true},
		{"scalar element", `{"value":[1]}`, 0, "", true},
		{"array body", `[]`, 0, "", true},
		{"truncated", `{"value":[{"id":"a"`, 0, "", true},
		{"null next link", `{"value":[{"id":"a"}],"@odata.nextLink":null}`, 1, "", false},
		{"numeric next link", `{"value":[],"@odata.nextLink":5}`, 0, "", true},
		{"count", `{"@odata.count":3,"value":[{},{},{}]}`, 3, "", false},
		{"fractional count", `{"@odata.count":1.5,"value":[]}`, 0, "", true},
		{"escaped next link", `{"value":[],"@odata.nextLink":"https://x/?a=1\u0026b=2"}`, 0, "https://x/?a=1&b=2", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := DecodePage([]byte(tc.body))
			if (err != nil) != tc.error {
				t.Fatalf("err = %v, want error %v", err, tc.error)
			}
			if len(p.Value) != tc.n || p.NextLink != tc.next {
				t.Errorf("got %d records, next %q", len(p.Value), p.NextLink)
			}
		})
	}
}

func FuzzDecodePage(f *testing.F) {
	for _, name := range []string{"users-list.json", "subscribedSkus-list.json", "user-licenseDetails-list.json", "servicePrincipals-list.json", "error-429-throttled.json"} {
		f.Add(readSample(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := DecodePage(body)
		if err != nil {
			return
		}
		for i, r := range p.Value {
			if !json.Valid(r) || r[0] != '{' {
				t.Fatalf("record %d is not a JSON object: %q", i, r)
			}
		}
	})
}

func TestReportRows(t *testing.T) {
	header := string(readSample(t, "reports-getOffice365ActiveUserDetail-D7.csv"))
	header = strings.TrimRight(header, "\r\n")
	row := `2026-03-14,ann@acme.example,"Ann, A.",False,,True,True,True,False,False,True,2026-03-13,,2026-03-01,,,2026-03-12,2024-01-02,2024-01-02,2024-01-02,,,2024-01-02,OFFICE 365 E3`
	tests := []struct {
		name  string
		body  string
		rows  int
		err   string
		check func(t *testing.T, r []ReportRow)
	}{
		{"header only (the published sample)", header + "\n", 0, "", nil},
		{"bom and crlf", "\ufeff" + header + "\r\n" + row + "\r\n", 1, "", func(t *testing.T, r []ReportRow) {
			if r[0].Get("User Principal Name") != "ann@acme.example" || r[0].Get("Display Name") != "Ann, A." {
				t.Errorf("row = %s", r[0].JSON)
			}
			var m map[string]string
			if err := json.Unmarshal(r[0].JSON, &m); err != nil || len(m) != 24 || m["Exchange Last Activity Date"] != "2026-03-13" {
				t.Errorf("JSON = %s (%v)", r[0].JSON, err)
			}
			if !strings.HasPrefix(string(r[0].JSON), `{"Report Refresh Date":"2026-03-14","User Principal Name"`) {
				t.Errorf("keys are not in header order: %s", r[0].JSON)
			}
		}},
		{"short row", header + "\nx,y\n", 0, "row 2", nil},
		{"missing column", "Report Refresh Date,B\n1,2\n", 0, `no "User Principal Name"`, nil},
		{"empty", "", 0, "empty body", nil},
		{"repeated column", "A,A\n", 0, "repeated", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ReportRows([]byte(tc.body), "Report Refresh Date", "User Principal Name")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r) != tc.rows {
				t.Fatalf("%d rows, want %d", len(r), tc.rows)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func FuzzReportRows(f *testing.F) {
	sample := readSample(f, "reports-getOffice365ActiveUserDetail-D7.csv")
	f.Add(sample)
	f.Add(append(append([]byte{0xEF, 0xBB, 0xBF}, sample...), "2026-03-14,a@b.c,A,False,,True,True,True,True,True,True,,,,,,,,,,,,,E3\n"...))
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := ReportRows(body, "User Principal Name")
		if err != nil {
			return
		}
		for i, r := range rows {
			var m map[string]string
			if err := json.Unmarshal(r.JSON, &m); err != nil {
				t.Fatalf("row %d is not a JSON object of strings: %v", i, err)
			}
			if m["User Principal Name"] != r.Get("User Principal Name") {
				t.Fatalf("row %d: JSON and Get disagree", i)
			}
		}
	})
}

// TestReportRedirect: the report request carries the token, the download it
// is redirected to does not (the simulator flags an Authorization header
// there), and an error names the step without the download's signature.
func TestReportRedirect(t *testing.T) {
	org := synth.Generate(synth.Params{Seed: 3, People: 40, Date: time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)})
	s := graphsim.New(org, graphsim.Options{Tenants: []graphsim.Tenant{graphsim.MainTenant(org)}})
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tid := s.TenantIDs()[0]
	id, secret := s.Credentials(tid)
	cfg, err := ParseSettings(extract.Settings{"tenant_id": tid, "client_id": id, "client_secret": secret, "graph_url": base, "login_url": base, "allow_http": true})
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(cfg, extract.Env{HTTP: func(o httpx.Options) *http.Client { o.BaseBackoff = time.Millisecond; return httpx.New(o) }}, "microsoft365")
	body, err := c.Report(context.Background(), "active users", c.URL("/reports/getOffice365ActiveUserDetail(period='D7')", nil))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ReportRows(body, "User Principal Name")
	if err != nil || len(rows) == 0 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if u := s.Unexpected(); len(u) > 0 {
		t.Fatalf("unexpected: %v", u)
	}
	_, err = c.Report(context.Background(), "active users", c.URL("/reports/getOffice365ActiveUserDetail(period='D1')", nil))
	var api *httpx.APIError
	if !errors.As(err, &api) || api.Status != http.StatusBadRequest || !strings.Contains(err.Error(), "microsoft365") {
		t.Fatalf("bad period: %v", err)
	}
}

// TestCertificateCredentials: a client assertion signed by the app's
// certificate gets a token; another certificate is refused without any key
// material in the error.
func TestCertificateCredentials(t *testing.T) {
	certPEM, cert, err := graphsim.NewCertificate("app")
	if err != nil {
		t.Fatal(err)
	}
	otherPEM, _, err := graphsim.NewCertificate("other")
	if err != nil {
		t.Fatal(err)
	}
	org := synth.Generate(synth.Params{Seed: 3, People: 20, Date: time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)})
	tn := graphsim.MainTenant(org)
	tn.Certificate = cert
	s := graphsim.New(org, graphsim.Options{Tenants: []graphsim.Tenant{tn}})
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tid := s.TenantIDs()[0]
	id, _ := s.Credentials(tid)
	tests := []struct {
		name string
		pem  string
		err  string
	}{
		{"registered certificate", certPEM, ""},
		{"unregistered certificate", otherPEM, "invalid_client"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseSettings(extract.Settings{"tenant_id": tid, "client_id": id, "client_certificate": tc.pem, "graph_url": base, "login_url": base, "allow_http": true})
			if err != nil {
				t.Fatal(err)
			}
			c := NewClient(cfg, extract.Env{}, "entra")
			org, err := c.Check(context.Background(), tid)
			switch {
			case tc.err == "" && (err != nil || org.ID != tid):
				t.Fatalf("Check: %v (%+v)", err, org)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "PRIVATE") || !strings.Contains(err.Error(), "entra")):
				t.Fatalf("Check error = %v, want %q without key material", err, tc.err)
			}
		})
	}
	if u := s.Unexpected(); len(u) > 0 {
		t.Errorf("unexpected: %v", u)
	}
}

func TestParseCertificateSettings(t *testing.T) {
	certPEM, _, err := graphsim.NewCertificate("app")
	if err != nil {
		t.Fatal(err)
	}
	otherPEM, _, _ := graphsim.NewCertificate("other")
	certOnly := certPEM[:strings.Index(certPEM, "-----BEGIN PRIVATE KEY")]
	otherKey := otherPEM[strings.Index(otherPEM, "-----BEGIN PRIVATE KEY"):]
	base := extract.Settings{"tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47", "client_id": "app"}
	tests := []struct {
		name string
		set  extract.Settings
		err  string
	}{
		{"certificate", extract.Settings{"client_certificate": certPEM}, ""},
		{"both", extract.Settings{"client_certificate": certPEM, "client_secret": "x"}, "client_secret: give either"},
		{"neither", nil, "client_secret: required unless"},
		{"no key", extract.Settings{"client_certificate": certOnly}, "client_certificate: no RSA private key"},
		{"wrong key", extract.Settings{"client_certificate": certOnly + otherKey}, "client_certificate: the private key does not belong"},
		{"garbage", extract.Settings{"client_certificate": "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"}, "client_certificate: the CERTIFICATE block"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := extract.Settings{}
			for k, v := range base {
				s[k] = v
			}
			for k, v := range tc.set {
				s[k] = v
			}
			c, err := ParseSettings(s)
			switch {
			case tc.err == "" && (err != nil || c.Key == nil || c.Certificate == nil):
				t.Fatalf("err = %v", err)
			case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
				t.Fatalf("err = %v, want prefix %q", err, tc.err)
			case err != nil && strings.Contains(err.Error(), "BEGIN"):
				t.Fatalf("error quotes the PEM: %v", err)
			}
		})
	}
}

func TestRecordString(t *testing.T) {
	tests := []struct {
		rec, key, want string
		err            bool
	}{
		{`{"id":"a","skuId":"s","x":{"id":"inner"}}`, "id", "a", false},
		{`{"id":"a","skuId":"s"}`, "skuId", "s", false},
		{`{"principalId":"p"}`, "principalId", "p", false},
		{`{"id":null}`, "id", "", true},
		{`{"id":""}`, "id", "", true},
		{`{"id":7}`, "id", "", true},
		{`{"x":{"id":"inner"}}`, "id", "", true},
		{`[]`, "id", "", true},
		{`{"id":"first","id":"second"}`, "id", "second", false},
		{`{"ID":"a"}`, "id", "", true},
	}
	for _, tc := range tests {
		got, err := RecordString(json.RawMessage(tc.rec), tc.key)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("RecordString(%s, %s) = %q, %v", tc.rec, tc.key, got, err)
		}
	}
}
