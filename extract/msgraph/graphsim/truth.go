package graphsim

import (
	"slices"
	"strings"

	"github.com/saaspipe/saaspipe/synth"
)

// MainTenant is the organisation's own tenant: everyone at the primary
// domain, contractors as guests, Entra ID P1, the enterprise plans, names
// shown in reports.
func MainTenant(org *synth.Org) Tenant {
	return Tenant{Name: "Acme Inc.", Domain: org.Domain, GuestContractors: true, Premium: true, Plan: Enterprise}
}

// SubsidiaryTenant is the acquired company's tenant, still running: its
// employees only, at the acquired domain, no Entra ID premium, the business
// plans, and reports that conceal user names.
func SubsidiaryTenant(org *synth.Org) Tenant {
	return Tenant{Name: "Acme UK Ltd", Domain: org.AcquiredDomain, Plan: Business, Concealed: true,
		Members: func(p synth.Person) bool { return p.Location.Acquired && p.Kind == synth.Employee }}
}

// TenantIDs lists the tenants' ids in Options order.
func (s *Server) TenantIDs() []string {
	out := make([]string, len(s.tenants))
	for k, t := range s.tenants {
		out[k] = t.id
	}
	return out
}

// Credentials returns the client id and secret the tenant's app
// registration accepts.
func (s *Server) Credentials(tenantID string) (clientID, secret string) {
	t := s.byID[tenantID]
	if t == nil {
		return "", ""
	}
	return t.clientID, t.secret
}

// UPNs maps each user id of the tenant to its user principal name.
func (s *Server) UPNs(tenantID string) map[string]string {
	t := s.byID[tenantID]
	if t == nil {
		return nil
	}
	out := make(map[string]string, len(t.users))
	for _, u := range t.users {
		out[u.id] = u.upn
	}
	return out
}

// Manager returns the manager's user id of user id in the tenant ("" when
// none).
func (s *Server) Manager(tenantID, id string) string {
	t := s.byID[tenantID]
	if t == nil {
		return ""
	}
	for _, u := range t.users {
		if u.id == id && u.manager >= 0 {
			return t.byPerson[u.manager].id
		}
	}
	return ""
}

// Expected lists, sorted, the source ids a tenant holds for an entity in
// the connectors' conventions: users, groups, subscriptions (skuId),
// license_assignments ("<userId>/<skuId>", one per license however many
// assignment states it has), applications (service principals that are SSO
// applications: a preferred single sign-on mode or the integrated-app tag),
// app_assignments ("<servicePrincipalId>/<assignmentId>") and activity
// (report rows, "<refresh date>/<user principal name as the report shows
// it>"). It returns nil for an unknown tenant or entity.
func (s *Server) Expected(tenantID, entity string) []string {
	t := s.byID[tenantID]
	if t == nil {
		return nil
	}
	var out []string
	switch entity {
	case "users":
		for _, u := range t.users {
			out = append(out, u.id)
		}
	case "groups":
		for _, g := range t.groups {
			out = append(out, g.id)
		}
	case "subscriptions":
		for _, sk := range t.skus {
			out = append(out, sk.id)
		}
	case "license_assignments":
		for _, u := range t.users {
			for _, l := range u.licenses {
				if id := u.id + "/" + l.sku; !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	case "applications":
		for _, sp := range t.sps {
			if sp.mode != "" || slices.Contains(sp.tags, "WindowsAzureActiveDirectoryIntegratedApp") {
				out = append(out, sp.id)
			}
		}
	case "app_assignments":
		for _, sp := range t.sps {
			for _, a := range sp.assigned {
				out = append(out, sp.id+"/"+a.id)
			}
		}
	case "activity":
		for _, row := range s.reportRows(t) {
			out = append(out, row[0]+"/"+row[1])
		}
	default:
		return nil
	}
	slices.Sort(out)
	return out
}

// Concealed reports whether the tenant conceals names in reports.
func (s *Server) Concealed(tenantID string) bool {
	t := s.byID[tenantID]
	return t != nil && t.opts.Concealed
}

// Premium reports whether the tenant holds Entra ID P1/P2.
func (s *Server) Premium(tenantID string) bool {
	t := s.byID[tenantID]
	return t != nil && t.opts.Premium
}

// Domain is the tenant's default domain.
func (s *Server) Domain(tenantID string) string {
	if t := s.byID[tenantID]; t != nil {
		return t.domain
	}
	return ""
}

// HasSuffix reports whether upn ends with @domain, as the domains filter
// matches.
func HasSuffix(upn, domain string) bool {
	return strings.HasSuffix(strings.ToLower(upn), "@"+strings.ToLower(domain))
}
