package graphsim

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// graphTime renders Graph's timestamps (UTC, seconds, Z).
func graphTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// never is how Graph writes a sign-in that never happened.
const never = "0001-01-01T00:00:00Z"

var knownProps = map[string]map[string]bool{}

func props(typ string, names ...string) []string {
	m := knownProps[typ]
	if m == nil {
		m = map[string]bool{}
		knownProps[typ] = m
	}
	for _, n := range names {
		m[n] = true
	}
	return names
}

// userDefaults is the default property set of GET /users (users-list.json).
var userDefaults = props("user", "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id")

var _ = props("user", "accountEnabled", "userType", "createdDateTime", "department", "companyName", "employeeId", "employeeType", "employeeOrgData",
	"city", "country", "usageLocation", "onPremisesSyncEnabled", "onPremisesImmutableId", "onPremisesSamAccountName", "onPremisesDistinguishedName",
	"onPremisesLastSyncDateTime", "onPremisesDomainName", "onPremisesUserPrincipalName", "proxyAddresses", "otherMails", "assignedLicenses",
	"licenseAssignmentStates", "signInActivity", "assignedPlans", "lastPasswordChangeDateTime")

// userRecord is every property of u the simulator models.
func (s *Server) userRecord(t *tenant, u *user) map[string]any {
	org := s.org
	p := org.People[u.person]
	m := map[string]any{
		"id": u.id, "userPrincipalName": u.upn, "mail": u.mail, "displayName": p.DisplayName,
		"givenName": p.GivenName, "surname": p.FamilyName, "jobTitle": p.Title, "department": p.Department,
		"businessPhones": []string{}, "mobilePhone": nil, "preferredLanguage": "en-US",
		"officeLocation": p.Location.City, "city": p.Location.City, "country": p.Location.Country, "usageLocation": p.Location.Country,
		"accountEnabled": u.enabled, "createdDateTime": graphTime(u.created),
		"companyName": t.name, "employeeId": p.EmployeeID, "employeeType": "Employee",
		"employeeOrgData": map[string]any{"division": nil, "costCenter": p.CostCenter},
		"proxyAddresses":  u.proxy, "otherMails": u.other,
		"onPremisesSyncEnabled": nil, "onPremisesImmutableId": nil, "onPremisesSamAccountName": nil,
		"onPremisesDistinguishedName": nil, "onPremisesLastSyncDateTime": nil, "onPremisesDomainName": nil,
		"onPremisesUserPrincipalName": nil, "assignedPlans": []any{},
		"lastPasswordChangeDateTime": graphTime(u.created.Add(time.Hour)),
	}
	if u.guest {
		m["userType"] = "Guest"
		m["employeeId"], m["employeeType"], m["companyName"] = nil, nil, nil
		m["employeeOrgData"] = nil
		m["department"], m["jobTitle"] = nil, nil
	} else {
		m["userType"] = "Member"
	}
	if p.Kind.String() == "contractor" && !u.guest {
		m["employeeType"] = "Contractor"
	}
	if u.synced {
		local, _, _ := strings.Cut(u.upn, "@")
		m["onPremisesSyncEnabled"] = true
		m["onPremisesSamAccountName"] = truncate(strings.ReplaceAll(local, ".", ""), 20)
		m["onPremisesImmutableId"] = base64.StdEncoding.EncodeToString([]byte(u.id[:16]))
		m["onPremisesDomainName"] = "corp." + t.domain
		m["onPremisesUserPrincipalName"] = u.upn
		m["onPremisesDistinguishedName"] = "CN=" + p.DisplayName + ",OU=" + p.Department + ",OU=Users,DC=corp,DC=" + strings.ReplaceAll(t.domain, ".", ",DC=")
		m["onPremisesLastSyncDateTime"] = graphTime(t.now.Add(-37 * time.Minute).Truncate(time.Second))
	}
	assigned := []any{}
	states := []any{}
	var seen []string
	for _, l := range u.licenses {
		if !slices.Contains(seen, l.sku) {
			seen = append(seen, l.sku)
			assigned = append(assigned, map[string]any{"disabledPlans": []string{}, "skuId": l.sku})
		}
		var by any
		if l.group != "" {
			by = l.group
		}
		states = append(states, map[string]any{"assignedByGroup": by, "disabledPlans": []string{}, "error": "None",
			"lastUpdatedDateTime": graphTime(p.HireDate.Add(9 * time.Hour)), "skuId": l.sku, "state": "Active"})
	}
	m["assignedLicenses"], m["licenseAssignmentStates"] = assigned, states
	if t.opts.Premium {
		m["signInActivity"] = s.signIn(u)
	}
	return m
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// signIn is a user's signInActivity: the identity-provider sessions of the
// synthetic person. Never-active people get either no signInActivity at all
// or Graph's 0001-01-01 sentinel, both of which mean never; some active
// people have never signed in non-interactively (the sentinel again).
func (s *Server) signIn(u *user) any {
	last, ok := s.org.LastActive(u.person, -1, s.opts.Clock())
	if !ok {
		if u.person%2 == 0 {
			return nil
		}
		return map[string]any{"lastSignInDateTime": never, "lastSignInRequestId": nil,
			"lastNonInteractiveSignInDateTime": never, "lastNonInteractiveSignInRequestId": nil,
			"lastSuccessfulSignInDateTime": nil, "lastSuccessfulSignInRequestId": nil}
	}
	nonInteractive := never
	if u.person%5 != 0 {
		ni := last.Add(time.Duration(1+u.person%7) * time.Hour)
		if now := s.opts.Clock(); ni.After(now) {
			ni = now
		}
		nonInteractive = graphTime(ni)
	}
	rid := guid("signin|" + u.id + "|" + graphTime(last))
	return map[string]any{"lastSignInDateTime": graphTime(last), "lastSignInRequestId": rid,
		"lastNonInteractiveSignInDateTime": nonInteractive, "lastNonInteractiveSignInRequestId": guid("ni|" + rid),
		"lastSuccessfulSignInDateTime": graphTime(last), "lastSuccessfulSignInRequestId": rid}
}

var endswithRE = regexp.MustCompile(`^endswith\(userPrincipalName,'(@[a-z0-9.-]+)'\)$`)

// domainFilter parses "endswith(userPrincipalName,'@a') or …".
func domainFilter(expr string) ([]string, bool) {
	var out []string
	for _, part := range strings.Split(expr, " or ") {
		m := endswithRE.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			return nil, false
		}
		out = append(out, m[1])
	}
	return out, true
}

// listUsers serves GET /v1.0/users.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, t *tenant) {
	q, ok := s.parseQuery(w, r, 999, "$select", "$top", "$skiptoken", "$filter", "$count", "$expand")
	if !ok {
		return
	}
	if slices.Contains(q.selected, "signInActivity") {
		if !t.opts.Premium {
			writeError(w, http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Neither tenant is B2C or tenant doesn't have premium license")
			return
		}
		if q.top > 120 {
			s.flag("GET /v1.0/users: $top=%d with signInActivity selected (at most 120)", q.top)
			writeError(w, http.StatusBadRequest, "Request_BadRequest", "The page size requested is greater than the maximum page size of 120 allowed when signInActivity is selected.")
			return
		}
	}
	var suffixes []string
	if q.filter != "" {
		var ok bool
		suffixes, ok = domainFilter(q.filter)
		if !ok {
			s.flag("GET /v1.0/users: unsupported $filter %q", q.filter)
			writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'userPrincipalName' of resource 'User'.")
			return
		}
		// endswith is an advanced query: Graph refuses it without $count
		// and the eventual-consistency header.
		if !q.count || !q.eventual {
			s.flag("GET /v1.0/users: endswith filter without $count=true and ConsistencyLevel: eventual")
			writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported Query.")
			return
		}
	}
	expandManager := false
	switch q.expand {
	case "":
	case "manager($select=id)", "manager":
		expandManager = true
	default:
		s.flag("GET /v1.0/users: unsupported $expand %q", q.expand)
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid $expand value.")
		return
	}
	var matched []*user
	for _, u := range t.users {
		if suffixes != nil && !slices.ContainsFunc(suffixes, func(sfx string) bool { return strings.HasSuffix(strings.ToLower(u.upn), sfx) }) {
			continue
		}
		matched = append(matched, u)
	}
	// Only the page's records are rendered: a listing stays linear.
	lo, hi := q.window(len(matched))
	chosen := matched[lo:hi]
	full := make([]map[string]any, len(chosen))
	for k, u := range chosen {
		full[k] = s.userRecord(t, u)
	}
	items, ok := s.project(w, r, "user", q, userDefaults, full)
	if !ok {
		return
	}
	if expandManager {
		for k, u := range chosen {
			if u.manager >= 0 {
				items[k].(map[string]any)["manager"] = map[string]any{"@odata.type": "#microsoft.graph.user", "id": t.byPerson[u.manager].id}
			}
		}
	}
	ctx := "users"
	if q.selected != nil {
		ctx += "(" + strings.Join(q.selected, ",") + ")"
	}
	s.pageOf(w, r, ctx, q, len(matched), items)
}
