package graphsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

// reportHeader is the header of getOffice365ActiveUserDetail as published
// (reports-getOffice365ActiveUserDetail-D7.csv).
var reportHeader = []string{"Report Refresh Date", "User Principal Name", "Display Name", "Is Deleted", "Deleted Date",
	"Has Exchange License", "Has OneDrive License", "Has SharePoint License", "Has Skype For Business License", "Has Yammer License", "Has Teams License",
	"Exchange Last Activity Date", "OneDrive Last Activity Date", "SharePoint Last Activity Date", "Skype For Business Last Activity Date", "Yammer Last Activity Date", "Teams Last Activity Date",
	"Exchange License Assign Date", "OneDrive License Assign Date", "SharePoint License Assign Date", "Skype For Business License Assign Date", "Yammer License Assign Date", "Teams License Assign Date",
	"Assigned Products"}

var periods = map[string]bool{"D7": true, "D30": true, "D90": true, "D180": true}

// downloadTTL is how long a pre-authenticated report URL stays valid.
const downloadTTL = 5 * time.Minute

// activeUserDetail serves GET /v1.0/reports/getOffice365ActiveUserDetail:
// 302 to a pre-authenticated download on the second listener.
func (s *Server) activeUserDetail(w http.ResponseWriter, r *http.Request, t *tenant, period string) {
	if !periods[period] {
		s.flag("GET %s: period %q", r.URL.Path, period)
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid period value.")
		return
	}
	if len(r.URL.Query()) > 0 {
		s.flag("GET %s: unsupported query %q", r.URL.Path, r.URL.RawQuery)
	}
	s.mu.Lock()
	n := len(s.downloads) + 1
	id := guid(fmt.Sprintf("download|%s|%d", t.id, n))
	sig := hex.EncodeToString([]byte(guid("sig|" + id)))[:40]
	s.downloads[id] = download{t: t, period: period, sig: sig, expires: time.Now().Add(downloadTTL)}
	s.mu.Unlock()
	w.Header().Set("Location", s.dlb+"/reports/"+id+"/ActiveUserDetail.csv?sig="+sig)
	w.WriteHeader(http.StatusFound)
}

// serveDownload is the pre-authenticated report host.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	s.count("download")
	if r.Header.Get("Authorization") != "" {
		s.flag("GET %s: Authorization header sent to the pre-authenticated download", r.URL.Path)
		http.Error(w, "Authorization is not accepted on pre-authenticated URLs", http.StatusBadRequest)
		return
	}
	rest, _ := strings.CutPrefix(r.URL.Path, "/reports/")
	id, _, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	d, ok := s.downloads[id]
	s.mu.Unlock()
	if r.Method != http.MethodGet || !ok || r.URL.Query().Get("sig") != d.sig {
		s.flag("%s %s: not a download URL the server issued", r.Method, r.URL.Path)
		http.Error(w, "AuthenticationFailed", http.StatusForbidden)
		return
	}
	if time.Now().After(d.expires) {
		http.Error(w, "AuthenticationFailed: the download URL has expired", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(s.reportCSV(d.t))
}

// RefreshDate is the day the usage reports were last refreshed: Microsoft
// publishes them with a lag of a day or two.
func (s *Server) RefreshDate() time.Time { return synth.Day(s.opts.Clock()).AddDate(0, 0, -2) }

// reportRows is the report's rows (without header), in user id order.
func (s *Server) reportRows(t *tenant) [][]string {
	org := s.org
	refresh := s.RefreshDate()
	asOf := refresh.Add(24*time.Hour - time.Millisecond)
	app := org.AppByKey("m365")
	day := func(tm time.Time) string { return tm.UTC().Format("2006-01-02") }
	var rows [][]string
	for _, u := range t.users {
		if u.guest || u.created.After(asOf) {
			continue
		}
		p := org.People[u.person]
		full, exchange := false, false
		var products []string
		for _, l := range u.licenses {
			for _, sk := range t.skus {
				if sk.id != l.sku || strings.Contains(strings.Join(products, "+"), productName(sk.part)) {
					continue
				}
				products = append(products, productName(sk.part))
				full = full || sk.full
				exchange = exchange || sk.exchange || sk.full
			}
		}
		var last [6]string // Exchange, OneDrive, SharePoint, Skype, Yammer, Teams
		if lt, ok := org.LastActive(u.person, app, asOf); ok && app >= 0 && exchange {
			i := u.person
			last[0] = day(lt)
			if full {
				if i%3 == 0 {
					last[1] = day(lt)
				}
				if i%2 == 0 {
					last[2] = day(lt.AddDate(0, 0, -(i % 5)))
				}
				if i%13 == 0 {
					last[4] = day(lt)
				}
				if i%4 != 0 {
					last[5] = day(lt.AddDate(0, 0, -(i % 3)))
				}
			}
		}
		assign := ""
		if app >= 0 && exchange {
			assign = day(org.AssignedAt(u.person, app))
		}
		has := func(b bool) string {
			if b {
				return "True"
			}
			return "False"
		}
		fullAssign := ""
		if full {
			fullAssign = assign
		}
		upn, name := u.upn, p.DisplayName
		if t.opts.Concealed {
			upn, name = conceal(t.id, "upn", u.upn), conceal(t.id, "name", p.DisplayName)
		}
		rows = append(rows, []string{day(refresh), upn, name, "False", "",
			has(exchange), has(full), has(full), has(full), has(full), has(full),
			last[0], last[1], last[2], last[3], last[4], last[5],
			assign, fullAssign, fullAssign, fullAssign, fullAssign, fullAssign,
			strings.Join(products, "+")})
	}
	return rows
}

func (s *Server) reportCSV(t *tenant) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xEF, 0xBB, 0xBF})
	cw := csv.NewWriter(&b)
	cw.UseCRLF = true
	cw.Write(reportHeader)
	cw.WriteAll(s.reportRows(t))
	return b.Bytes()
}

// conceal renders a name the way concealed reports do: 32 upper-case hex
// digits, stable per tenant.
func conceal(tenantID, kind, v string) string {
	h := sha256.Sum256([]byte(tenantID + "|" + kind + "|" + strings.ToLower(v)))
	return strings.ToUpper(hex.EncodeToString(h[:16]))
}

func productName(part string) string {
	switch part {
	case "ENTERPRISEPACK":
		return "OFFICE 365 E3"
	case "SPE_E5":
		return "MICROSOFT 365 E5"
	case "POWER_BI_PRO":
		return "POWER BI PRO"
	case "VISIOCLIENT":
		return "VISIO PLAN 2"
	case "AAD_PREMIUM":
		return "MICROSOFT ENTRA ID P1"
	case "O365_BUSINESS_PREMIUM":
		return "MICROSOFT 365 BUSINESS STANDARD"
	case "EXCHANGESTANDARD":
		return "EXCHANGE ONLINE (PLAN 1)"
	}
	return part
}
