package graphsim

import (
	"net/http"
	"slices"
	"strings"
)

var groupDefaults = props("group", "id", "deletedDateTime", "classification", "createdDateTime", "creationOptions", "description", "displayName",
	"expirationDateTime", "groupTypes", "isAssignableToRole", "mail", "mailEnabled", "mailNickname", "membershipRule", "membershipRuleProcessingState",
	"onPremisesSyncEnabled", "renewedDateTime", "securityEnabled", "securityIdentifier", "visibility")

// listGroups serves GET /v1.0/groups.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, t *tenant) {
	q, ok := s.parseQuery(w, r, 999, "$select", "$top", "$skiptoken")
	if !ok {
		return
	}
	full := make([]map[string]any, len(t.groups))
	for k, g := range t.groups {
		var mail, nick, rule, state, visibility any
		if g.mail {
			nick = g.rule
			mail = g.rule + "@" + t.domain
			visibility = "Private"
		} else {
			nick = strings.ToLower(strings.ReplaceAll(g.name, " ", "-"))
		}
		if slices.Contains(g.types, "DynamicMembership") {
			rule, state = g.rule, "On"
		}
		full[k] = map[string]any{"id": g.id, "deletedDateTime": nil, "classification": nil, "createdDateTime": graphTime(g.created),
			"creationOptions": []string{}, "description": g.desc, "displayName": g.name, "expirationDateTime": nil, "groupTypes": g.types,
			"isAssignableToRole": nil, "mail": mail, "mailEnabled": g.mail, "mailNickname": nick, "membershipRule": rule,
			"membershipRuleProcessingState": state, "onPremisesSyncEnabled": nil, "renewedDateTime": graphTime(g.created),
			"securityEnabled": g.security, "securityIdentifier": "S-1-12-1-" + g.id[:8], "visibility": visibility}
		if full[k]["groupTypes"] == nil {
			full[k]["groupTypes"] = []string{}
		}
	}
	items, ok := s.project(w, r, "group", q, groupDefaults, full)
	if !ok {
		return
	}
	s.page(w, r, "groups", q, items)
}

var spDefaults = props("servicePrincipal", "id", "accountEnabled", "appDisplayName", "appId", "appOwnerOrganizationId", "appRoleAssignmentRequired",
	"displayName", "preferredSingleSignOnMode", "servicePrincipalNames", "servicePrincipalType", "signInAudience", "tags", "homepage", "loginUrl", "notes")

// listServicePrincipals serves GET /v1.0/servicePrincipals.
func (s *Server) listServicePrincipals(w http.ResponseWriter, r *http.Request, t *tenant) {
	q, ok := s.parseQuery(w, r, 999, "$select", "$top", "$skiptoken")
	if !ok {
		return
	}
	full := make([]map[string]any, len(t.sps))
	for k, sp := range t.sps {
		var mode, login any
		if sp.mode != "" {
			mode = sp.mode
		}
		if sp.app >= 0 {
			login = "https://" + s.org.Apps()[sp.app].Key + ".example/sso"
		}
		audience := "AzureADMultipleOrgs"
		if sp.spType == "ManagedIdentity" || sp.owner == t.id {
			audience = "AzureADMyOrg"
		}
		var owner any
		if sp.owner != "" {
			owner = sp.owner
		}
		full[k] = map[string]any{"id": sp.id, "accountEnabled": sp.enabled, "appDisplayName": sp.name, "appId": sp.appID,
			"appOwnerOrganizationId": owner, "appRoleAssignmentRequired": sp.mode != "", "displayName": sp.name,
			"preferredSingleSignOnMode": mode, "servicePrincipalNames": []string{sp.appID}, "servicePrincipalType": sp.spType,
			"signInAudience": audience, "tags": sp.tags, "homepage": nil, "loginUrl": login, "notes": nil}
	}
	items, ok := s.project(w, r, "servicePrincipal", q, spDefaults, full)
	if !ok {
		return
	}
	s.page(w, r, "servicePrincipals", q, items)
}

// listAssignedTo serves GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo.
func (s *Server) listAssignedTo(w http.ResponseWriter, r *http.Request, t *tenant, id string) {
	q, ok := s.parseQuery(w, r, 999, "$top", "$skiptoken")
	if !ok {
		return
	}
	k := slices.IndexFunc(t.sps, func(sp *servicePrincipal) bool { return sp.id == id })
	if k < 0 {
		s.flag("GET %s: no such service principal in tenant %s", r.URL.Path, t.id)
		writeError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	sp := t.sps[k]
	// Only the page's assignments are rendered: an application assigned
	// to thousands would otherwise be rendered whole for every page.
	lo, hi := q.window(len(sp.assigned))
	items := make([]any, 0, hi-lo)
	for _, a := range sp.assigned[lo:hi] {
		items = append(items, map[string]any{"id": a.id, "deletedDateTime": nil, "appRoleId": "00000000-0000-0000-0000-000000000000",
			"createdDateTime": graphTime(a.created), "principalDisplayName": a.principalName, "principalId": a.principal,
			"principalType": a.principalType, "resourceDisplayName": sp.name, "resourceId": sp.id})
	}
	s.pageOf(w, r, "servicePrincipals('"+id+"')/appRoleAssignedTo", q, len(sp.assigned), items)
}

var skuDefaults = props("subscribedSku", "accountName", "accountId", "appliesTo", "capabilityStatus", "consumedUnits", "id", "prepaidUnits",
	"servicePlans", "skuId", "skuPartNumber", "subscriptionIds")

// listSkus serves GET /v1.0/subscribedSkus: one page, only $select.
func (s *Server) listSkus(w http.ResponseWriter, r *http.Request, t *tenant) {
	q, ok := s.parseQuery(w, r, 999, "$select")
	if !ok {
		return
	}
	full := make([]map[string]any, len(t.skus))
	for k, sk := range t.skus {
		plans := make([]any, len(sk.plans))
		for i, p := range sk.plans {
			status := "Success"
			if sk.status == "Suspended" {
				status = "Disabled"
			}
			plans[i] = map[string]any{"servicePlanId": p.id, "servicePlanName": p.name, "provisioningStatus": status, "appliesTo": p.appliesTo}
		}
		full[k] = map[string]any{"accountName": t.name, "accountId": t.id, "appliesTo": "User", "capabilityStatus": sk.status,
			"consumedUnits": sk.consumed, "id": t.id + "_" + sk.id,
			"prepaidUnits": map[string]any{"enabled": sk.enabled, "lockedOut": sk.lockedOut, "suspended": sk.suspended, "warning": sk.warning},
			"servicePlans": plans, "skuId": sk.id, "skuPartNumber": sk.part, "subscriptionIds": []string{sk.subscription}}
	}
	items, ok := s.project(w, r, "subscribedSku", q, skuDefaults, full)
	if !ok {
		return
	}
	q.top = len(items) + 1 // not paged
	s.page(w, r, "subscribedSkus", q, items)
}

var orgDefaults = props("organization", "id", "displayName", "verifiedDomains", "createdDateTime", "countryLetterCode", "tenantType",
	"businessPhones", "city", "country", "postalCode", "street", "technicalNotificationMails", "onPremisesSyncEnabled")

// listOrganization serves GET /v1.0/organization: the one tenant the token
// is for.
func (s *Server) listOrganization(w http.ResponseWriter, r *http.Request, t *tenant) {
	q, ok := s.parseQuery(w, r, 999, "$select")
	if !ok {
		return
	}
	var domains []any
	for k, d := range append(slices.Clone(t.domains), t.initial) {
		caps := "Email, OfficeCommunicationsOnline"
		if d == t.initial {
			caps = "Email, OfficeCommunicationsOnline, MoeraDomain"
		}
		domains = append(domains, map[string]any{"capabilities": caps, "isDefault": k == 0, "isInitial": d == t.initial, "name": d, "type": "Managed"})
	}
	full := []map[string]any{{"id": t.id, "displayName": t.name, "verifiedDomains": domains, "createdDateTime": graphTime(t.created),
		"countryLetterCode": "US", "tenantType": "AAD", "businessPhones": []string{"+1 425 555 0100"}, "city": "Redmond", "country": nil,
		"postalCode": "98052", "street": "1 Example Way", "technicalNotificationMails": []string{"it@" + t.domain},
		"onPremisesSyncEnabled": true}}
	items, ok := s.project(w, r, "organization", q, orgDefaults, full)
	if !ok {
		return
	}
	q.top = 2
	s.page(w, r, "organization", q, items)
}
