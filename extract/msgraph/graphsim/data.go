package graphsim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/synth"
)

// Plans of Tenant.Plan.
const (
	Enterprise = "enterprise"
	Business   = "business"
)

type user struct {
	person   int
	id       string
	upn      string
	mail     string
	guest    bool
	enabled  bool
	synced   bool // from on-premises Active Directory
	created  time.Time
	proxy    []string
	other    []string
	licenses []licState
	manager  int // person index, -1 none
}

type licState struct {
	sku   string // skuId
	group string // assigning group id; "" direct
}

type plan struct{ id, name, appliesTo string }

type sku struct {
	id, part, status     string
	enabled, suspended   int
	warning, lockedOut   int
	consumed             int
	plans                []plan
	subscription         string
	exchange, full, none bool // report license columns: Exchange only, the full suite, nothing
}

type group struct {
	id, name, desc string
	types          []string
	security, mail bool
	created        time.Time
	rule           string
}

type assignment struct {
	id, principal, principalName, principalType string
	created                                     time.Time
}

type servicePrincipal struct {
	id, appID, name, mode, spType, owner string
	tags                                 []string
	enabled                              bool
	app                                  int // catalogue index, -1 none
	assigned                             []assignment
}

// tenant is everything the server lists for one tenant, computed once.
type tenant struct {
	opts     Tenant
	id, name string
	domain   string
	domains  []string
	initial  string
	clientID string
	secret   string
	created  time.Time
	now      time.Time

	users    []*user // sorted by id
	byPerson map[int]*user
	groups   []group // sorted by id
	skus     []sku
	sps      []*servicePrincipal // sorted by id
}

// guid derives a version-4-shaped GUID from key.
func guid(key string) string {
	h := sha256.Sum256([]byte(key))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// hash is a stable 64-bit hash of key for per-person variation.
func hash(key string) uint64 {
	h := sha256.Sum256([]byte(key))
	return binary.BigEndian.Uint64(h[:8])
}

// Well-known SKU and service-plan ids, as Microsoft publishes them.
var (
	skuE3        = sku{id: "6fd2c87f-b296-42f0-b197-1e91e994b900", part: "ENTERPRISEPACK", full: true, plans: []plan{{"efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE", "User"}, {"57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1", "User"}, {"5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE", "User"}}}
	skuE5        = sku{id: "06ebc4ee-1bb5-47dd-8120-11324bc54e06", part: "SPE_E5", full: true, plans: []plan{{"efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE", "User"}, {"57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1", "User"}, {"8c098270-9dd4-4350-9b30-ba4703f3b36b", "ADALLOM_S_O365", "User"}}}
	skuPowerBI   = sku{id: "f8a1db68-be16-40ed-86d5-cb42ce701560", part: "POWER_BI_PRO", none: true, plans: []plan{{"70d33638-9c74-4d01-bfd3-562de28bd4ba", "BI_AZURE_P2", "User"}}}
	skuVisio     = sku{id: "c5928f49-12ba-48f7-ada3-0d743a3601d5", part: "VISIOCLIENT", none: true, plans: []plan{{"663a804f-1c30-4ff0-9915-9db84f0d1cea", "VISIO_CLIENT_SUBSCRIPTION", "User"}}}
	skuProject   = sku{id: "53818b1b-4a27-454b-8896-0dba576410e6", part: "PROJECTPROFESSIONAL", none: true, status: "Suspended", plans: []plan{{"818523f5-016b-4355-9be8-ed6944946ea7", "PROJECT_PROFESSIONAL", "User"}}}
	skuEntraP1   = sku{id: "078d2b04-f1bd-4111-bbd4-b4b1b354cef4", part: "AAD_PREMIUM", none: true, plans: []plan{{"41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AAD_PREMIUM", "User"}}}
	skuBusiness  = sku{id: "f245ecc8-75af-4f8e-b61f-27d8114de5f3", part: "O365_BUSINESS_PREMIUM", full: true, plans: []plan{{"9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD", "User"}, {"57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1", "User"}}}
	skuExchange1 = sku{id: "4b9405b0-7788-4568-add1-99614e613b69", part: "EXCHANGESTANDARD", exchange: true, status: "Warning", plans: []plan{{"9aaf7827-d63c-4b61-89c3-182f06f82e5c", "EXCHANGE_S_STANDARD", "User"}}}
)

// First-party service principals every tenant holds; they are not SSO apps.
var firstParty = []struct{ appID, name string }{
	{"00000003-0000-0000-c000-000000000000", "Microsoft Graph"},
	{"00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"},
	{"00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"},
}

const microsoftTenant = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

func build(org *synth.Org, k int, o Tenant, now time.Time) *tenant {
	if o.Name == "" {
		o.Name = fmt.Sprintf("Tenant %d", k+1)
	}
	if o.Domain == "" {
		o.Domain = org.Domain
	}
	if o.Plan == "" {
		o.Plan = Enterprise
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = time.Hour
	}
	seed := fmt.Sprint(org.Params.Seed)
	t := &tenant{opts: o, name: o.Name, domain: strings.ToLower(o.Domain), now: now, byPerson: map[int]*user{}}
	t.id = strings.ToLower(o.ID)
	if t.id == "" {
		t.id = guid("tenant|" + seed + "|" + o.Name)
	}
	label, _, _ := strings.Cut(t.domain, ".")
	t.initial = strings.ReplaceAll(label, "-", "") + ".onmicrosoft.com"
	t.domains = append([]string{t.domain}, o.ExtraDomains...)
	t.clientID, t.secret = o.ClientID, o.ClientSecret
	if t.clientID == "" {
		t.clientID = guid("client|" + t.id)
	}
	if t.secret == "" {
		t.secret = "sim~" + base64.RawURLEncoding.EncodeToString([]byte(guid("secret|" + t.id)))[:34]
	}
	t.created = org.Params.Epoch
	if t.created.IsZero() {
		t.created = org.Date()
	}
	t.created = t.created.AddDate(-9, 0, 0).Add(14 * time.Hour)
	key := func(kind string, parts ...any) string { return kind + "|" + t.id + "|" + fmt.Sprint(parts...) }

	// Groups first: license assignments name them.
	gc := t.created.AddDate(0, 1, 0)
	t.groups = append(t.groups, group{id: guid(key("group", "all")), name: "All Employees", desc: "Every member of the organisation (dynamic)", types: []string{"DynamicMembership"}, security: true, created: gc, rule: `(user.userType -eq "Member")`})
	if o.Plan == Enterprise {
		t.groups = append(t.groups, group{id: guid(key("group", "e3")), name: "M365 E3 Users", desc: "Group-based licensing: Office 365 E3", security: true, created: gc.AddDate(0, 0, 1)})
	}
	for d, dep := range org.Departments() {
		t.groups = append(t.groups, group{id: guid(key("group", "dept", dep)), name: "SG-" + dep, desc: dep + " department", security: true, created: gc.AddDate(0, 0, 2+d)})
		if d < 3 {
			nick := strings.ToLower(strings.ReplaceAll(dep, " ", ""))
			t.groups = append(t.groups, group{id: guid(key("group", "team", dep)), name: "Team " + dep, desc: dep + " team (Microsoft 365 group)", types: []string{"Unified"}, mail: true, created: gc.AddDate(1, 0, d), rule: nick})
		}
	}
	allGroup, e3Group := t.groups[0].id, ""
	if o.Plan == Enterprise {
		e3Group = t.groups[1].id
	}

	today := synth.Day(now)
	m365 := org.AppByKey("m365")
	for i, p := range org.People {
		if o.Members != nil && !o.Members(p) {
			continue
		}
		u := &user{person: i, manager: -1, enabled: true}
		u.created = p.HireDate.AddDate(0, 0, -14).Add(time.Duration(8*3600+i%3600) * time.Second)
		if u.created.After(now) {
			continue
		}
		if org.Left(i, today) {
			if today.Sub(p.LeaveDate) >= 30*24*time.Hour {
				continue // deleted: gone from /users after the retention the org applies
			}
			u.enabled = false
		}
		u.id = guid(key("user", p.ID))
		local, _, _ := strings.Cut(p.Email, "@")
		switch {
		case o.GuestContractors && p.Kind == synth.Contractor:
			u.guest = true
			u.upn = strings.ReplaceAll(p.Email, "@", "_") + "#EXT#@" + t.initial
			u.mail = p.Email
			u.other = []string{p.Email}
			u.proxy = []string{"SMTP:" + p.Email}
		case t.domain == strings.ToLower(org.Domain):
			u.upn, u.mail = p.Email, p.Email
			u.proxy = []string{"SMTP:" + p.Email}
			for _, a := range p.Aliases {
				u.proxy = append(u.proxy, "smtp:"+a)
			}
		default:
			// A subsidiary tenant: its own domain, with the parent address
			// as a secondary proxy address.
			u.upn = local + "@" + t.domain
			u.mail = u.upn
			u.proxy = []string{"SMTP:" + u.upn, "smtp:" + p.Email}
		}
		if u.other == nil {
			u.other = []string{}
		}
		h := hash(key("person", p.ID))
		u.synced = !u.guest && p.HireDate.Before(t.created.AddDate(5, 0, 0))
		if !u.guest && m365 >= 0 && org.Assigned(i, m365) {
			u.licenses = licensesOf(o, p, h, allGroup, e3Group)
		}
		t.users = append(t.users, u)
		t.byPerson[i] = u
	}
	slices.SortFunc(t.users, func(a, b *user) int { return strings.Compare(a.id, b.id) })
	for _, u := range t.users {
		if m := org.Manager(u.person); m >= 0 {
			if _, ok := t.byPerson[m]; ok {
				u.manager = m
			}
		}
	}

	catalogue := []sku{skuBusiness, skuExchange1}
	if o.Plan == Enterprise {
		catalogue = []sku{skuE3, skuE5, skuPowerBI, skuVisio, skuProject}
		if o.Premium {
			catalogue = append(catalogue, skuEntraP1)
		}
	}
	for _, s := range catalogue {
		for _, u := range t.users {
			if slices.ContainsFunc(u.licenses, func(l licState) bool { return l.sku == s.id }) {
				s.consumed++
			}
		}
		switch s.status {
		case "Suspended":
			s.suspended = 10
		case "Warning":
			s.warning = s.consumed + 2
		default:
			s.status = "Enabled"
			s.enabled = s.consumed + s.consumed/10 + 5
		}
		s.subscription = guid(key("subscription", s.id))
		t.skus = append(t.skus, s)
	}

	for _, fp := range firstParty {
		t.sps = append(t.sps, &servicePrincipal{id: guid(key("sp", fp.appID)), appID: fp.appID, name: fp.name, spType: "Application", owner: microsoftTenant, enabled: true, app: -1, tags: []string{}})
	}
	t.sps = append(t.sps, &servicePrincipal{id: guid(key("sp", "mi")), appID: guid(key("app", "mi")), name: "acme-backup-vm", spType: "ManagedIdentity", enabled: true, app: -1, tags: []string{}})
	if o.Plan == Enterprise {
		t.sps = append(t.sps, &servicePrincipal{id: guid(key("sp", "legacy")), appID: guid(key("app", "legacy")), name: "Legacy Expenses", spType: "Application", owner: t.id, mode: "saml", app: -1,
			tags: []string{"WindowsAzureActiveDirectoryIntegratedApp", "WindowsAzureActiveDirectoryCustomSingleSignOnApplication"}})
		for _, a := range org.Apps() {
			sp := &servicePrincipal{id: guid(key("sp", a.Key)), appID: guid("app|" + a.Key), name: a.Name, spType: "Application", owner: guid("vendor|" + a.Vendor), enabled: true, app: a.Index,
				tags: []string{"WindowsAzureActiveDirectoryIntegratedApp"}}
			switch a.SignOnMode {
			case synth.SAML2:
				sp.mode = "saml"
				sp.tags = append(sp.tags, "WindowsAzureActiveDirectoryCustomSingleSignOnApplication")
			case synth.OIDC:
				// Gallery OIDC apps often carry no preferred mode: the tag
				// alone marks them as integrated.
				if a.Index%2 == 0 {
					sp.mode = "oidc"
				}
			case synth.AutoLogin:
				sp.mode = "password"
			default:
				continue
			}
			for _, u := range t.users {
				if org.Assigned(u.person, a.Index) && !org.AssignedAt(u.person, a.Index).After(now) {
					p := org.People[u.person]
					sp.assigned = append(sp.assigned, assignment{id: assignmentID(sp.id, u.id), principal: u.id, principalName: p.DisplayName, principalType: "User", created: org.AssignedAt(u.person, a.Index).Add(10 * time.Hour)})
				}
			}
			if a.Everyone {
				sp.assigned = append(sp.assigned, assignment{id: assignmentID(sp.id, allGroup), principal: allGroup, principalName: "All Employees", principalType: "Group", created: gc.AddDate(0, 2, 0)})
			}
			slices.SortFunc(sp.assigned, func(a, b assignment) int { return strings.Compare(a.id, b.id) })
			t.sps = append(t.sps, sp)
		}
	}
	slices.SortFunc(t.sps, func(a, b *servicePrincipal) int { return strings.Compare(a.id, b.id) })
	slices.SortFunc(t.groups, func(a, b group) int { return strings.Compare(a.id, b.id) })
	return t
}

// assignmentID renders an appRoleAssignment id: 43 base64url characters,
// as Graph's are.
func assignmentID(resource, principal string) string {
	h := sha256.Sum256([]byte("assignment|" + resource + "|" + principal))
	return base64.RawURLEncoding.EncodeToString(h[:32])
}

// licensesOf decides a member's license states from their department and a
// per-person hash: engineers and IT hold E5 directly; everyone else E3
// through the license group, a few of them also directly (two states, one
// license); Finance holds Power BI Pro; a few hold Visio. Premium tenants
// license Entra ID P1 to everyone through the all-employees group. The
// business plan holds Business Standard or, for some, Exchange Online
// Plan 1.
func licensesOf(o Tenant, p synth.Person, h uint64, allGroup, e3Group string) []licState {
	if o.Plan == Business {
		if h%5 == 0 {
			return []licState{{sku: skuExchange1.id}}
		}
		return []licState{{sku: skuBusiness.id}}
	}
	var out []licState
	switch p.Department {
	case "Engineering", "IT":
		out = append(out, licState{sku: skuE5.id})
	default:
		out = append(out, licState{sku: skuE3.id, group: e3Group})
		if h%11 == 0 {
			out = append(out, licState{sku: skuE3.id})
		}
	}
	if p.Department == "Finance" {
		out = append(out, licState{sku: skuPowerBI.id})
	}
	if h%19 == 3 {
		out = append(out, licState{sku: skuVisio.id})
	}
	if o.Premium {
		out = append(out, licState{sku: skuEntraP1.id, group: allGroup})
	}
	return out
}
