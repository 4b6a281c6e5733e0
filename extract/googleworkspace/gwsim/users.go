package gwsim

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// gTime renders Google's timestamp format (UTC, milliseconds, Z).
func gTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// never is how the Directory writes "has not signed in".
const never = "1970-01-01T00:00:00.000Z"

var countries = map[string]string{"US": "United States", "GB": "United Kingdom", "DE": "Germany", "CA": "Canada", "IN": "India"}

func (s *Server) userJSON(a account) map[string]any {
	org := s.data.org
	p := org.People[a.person]
	last := never
	if !a.lastLogin.IsZero() {
		last = gTime(a.lastLogin)
	}
	emails := []map[string]any{{"address": p.Email, "primary": true}}
	var aliases, nonEditable []string
	for _, al := range p.Aliases {
		// Plus-addresses reach the mailbox without being aliases; addresses
		// at other domains are aliases the admin added.
		if strings.Contains(al, "+") {
			continue
		}
		aliases = append(aliases, al)
		emails = append(emails, map[string]any{"address": al})
	}
	local, _, _ := strings.Cut(p.Email, "@")
	nonEditable = append(nonEditable, local+"@"+strings.TrimSuffix(org.Domain, ".example")+".test-google-a.com")
	u := map[string]any{
		"kind":                       "admin#directory#user",
		"id":                         a.id,
		"etag":                       `"sim-` + a.id + `"`,
		"primaryEmail":               p.Email,
		"name":                       map[string]any{"givenName": p.GivenName, "familyName": p.FamilyName, "fullName": p.DisplayName},
		"isAdmin":                    a.admin,
		"isDelegatedAdmin":           false,
		"lastLoginTime":              last,
		"creationTime":               gTime(a.created),
		"agreedToTerms":              last != never,
		"suspended":                  a.state == Suspended,
		"archived":                   a.state == Archived,
		"changePasswordAtNextLogin":  false,
		"ipWhitelisted":              false,
		"emails":                     emails,
		"externalIds":                []map[string]any{{"value": p.EmployeeID, "type": "organization"}},
		"organizations":              []map[string]any{{"name": "Acme Inc.", "title": p.Title, "primary": true, "customType": "", "department": p.Department, "costCenter": p.CostCenter, "description": p.Kind.String()}},
		"addresses":                  []map[string]any{{"type": "work", "locality": p.Location.City, "countryCode": p.Location.Country, "country": countries[p.Location.Country], "primary": true}},
		"locations":                  []map[string]any{{"type": "desk", "area": "desk", "buildingId": strings.ReplaceAll(p.Location.City, " ", "-")}},
		"nonEditableAliases":         nonEditable,
		"customerId":                 s.data.customer,
		"orgUnitPath":                "/" + p.Department,
		"isMailboxSetup":             true,
		"isEnrolledIn2Sv":            a.admin,
		"isEnforcedIn2Sv":            false,
		"includeInGlobalAddressList": true,
		"thumbnailPhotoUrl":          "https://lh3.googleusercontent.com/a-/sim" + a.id,
	}
	if len(aliases) > 0 {
		u["aliases"] = aliases
	}
	if a.state == Suspended {
		u["suspensionReason"] = "ADMIN"
	}
	if m := org.Manager(a.person); m >= 0 {
		u["relations"] = []map[string]any{{"value": org.People[m].Email, "type": "manager"}}
	}
	return u
}

// listUsers serves users.list, ordered by primary e-mail.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, q url.Values) {
	s.checkParams(r, "customer", "domain", "maxResults", "pageToken", "projection", "orderBy", "sortOrder", "showDeleted", "viewType")
	if c := q.Get("customer"); c != "my_customer" && c != s.data.customer && q.Get("domain") != s.data.org.Domain {
		s.flag("GET users: customer %q", c)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "badRequest", "global", "Bad Request")
		return
	}
	n, ok := s.maxResults(w, r, 100, 500)
	if !ok {
		return
	}
	off, ok := s.offset(w, r, "users")
	if !ok {
		return
	}
	lo, hi := window(len(s.data.accounts), off, n)
	items := make([]any, 0, hi-lo)
	for _, a := range s.data.accounts[lo:hi] {
		items = append(items, s.userJSON(a))
	}
	s.page(w, r, "users", "admin#directory#users", "users", items, len(s.data.accounts), lo, nil)
}

// listLicenses serves licenseAssignments.listForProduct.
func (s *Server) listLicenses(w http.ResponseWriter, r *http.Request, q url.Values, product string) {
	s.checkParams(r, "customerId", "maxResults", "pageToken")
	if c := q.Get("customerId"); c != s.data.customer && c != s.data.org.Domain {
		s.flag("GET licenses: customerId %q", c)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid", "global", "Invalid customerId")
		return
	}
	if productNames[product] == "" {
		s.flag("GET licenses: product %q", product)
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid", "global", "Invalid productId")
		return
	}
	n, ok := s.maxResults(w, r, 100, 1000)
	if !ok {
		return
	}
	off, ok := s.offset(w, r, "licenses/"+product)
	if !ok {
		return
	}
	held := s.licensed(product)
	lo, hi := window(len(held), off, n)
	items := make([]any, 0, hi-lo)
	for _, a := range held[lo:hi] {
		email := s.data.org.People[a.person].Email
		items = append(items, map[string]any{
			"kind":        "licensing#licenseAssignment",
			"etags":       `"sim-` + a.id + `"`,
			"selfLink":    s.base + "/apps/licensing/v1/product/" + product + "/sku/" + a.sku + "/user/" + email,
			"userId":      email,
			"productId":   product,
			"skuId":       a.sku,
			"skuName":     skuNames[a.sku],
			"productName": productNames[product],
		})
	}
	s.page(w, r, "licenses/"+product, "licensing#licenseAssignmentList", "items", items, len(held), lo, nil)
}

func (s *Server) licensed(product string) []account {
	var out []account
	for _, a := range s.data.accounts {
		if a.product == product {
			out = append(out, a)
		}
	}
	return out
}
