package sfsim

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// sfTime renders Salesforce's datetime format.
func sfTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000+0000") }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return sfTime(t)
}

// flat is one record as field path -> value; "<Rel>.Id" entries name the
// related records (nil: no related record).
type flat map[string]any

// node is a JSON object whose keys keep their insertion order, as
// Salesforce writes fields in the order the query names them.
type node struct {
	keys []string
	vals map[string]any
}

func newNode(typ, version, id string) *node {
	n := &node{vals: map[string]any{}}
	n.set("attributes", map[string]string{"type": typ, "url": "/services/data/v" + version + "/sobjects/" + typ + "/" + id})
	return n
}

func (n *node) set(k string, v any) {
	if _, ok := n.vals[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.vals[k] = v
}

func (n *node) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range n.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(n.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// project renders rec with the requested fields, relationship paths as
// nested objects with their own attributes, a missing related record as
// null.
func project(object, version string, rec flat, fields []string) *node {
	root := newNode(object, version, rec["Id"].(string))
	for _, f := range fields {
		parts := strings.Split(f, ".")
		cur := root
		prefix := ""
		for _, rel := range parts[:len(parts)-1] {
			prefix += rel
			if existing, ok := cur.vals[rel]; ok {
				child, isNode := existing.(*node)
				if !isNode {
					cur = nil
					break
				}
				cur = child
			} else {
				id, _ := rec[prefix+".Id"].(string)
				if id == "" {
					cur.set(rel, nil)
					cur = nil
					break
				}
				child := newNode(rel, version, id)
				cur.set(rel, child)
				cur = child
			}
			prefix += "."
		}
		if cur != nil {
			cur.set(parts[len(parts)-1], rec[f])
		}
	}
	return root
}

func (d *dataset) userRec(u user) flat {
	r := flat{"Id": u.id, "Username": u.username, "Email": u.email, "FederationIdentifier": nullable(u.fedID),
		"FirstName": nullable(u.first), "LastName": u.last, "Name": strings.TrimSpace(u.first + " " + u.last),
		"Title": nullable(u.title), "Department": nullable(u.dept), "CompanyName": nullable(u.company),
		"EmployeeNumber": nullable(u.empNo), "ManagerId": nullable(u.managerID), "Country": nullable(u.country),
		"City": nullable(u.city), "IsActive": u.active, "UserType": u.userType, "LastLoginDate": nullTime(u.lastLogin),
		"CreatedDate": sfTime(u.created), "ProfileId": nil}
	if u.profile >= 0 {
		p := d.profiles[u.profile]
		l := d.licenses[p.lic]
		r["ProfileId"] = p.id
		r["Profile.Id"] = p.id
		r["Profile.Name"] = p.name
		r["Profile.UserLicenseId"] = l.id
		r["Profile.UserLicense.Id"] = l.id
		r["Profile.UserLicense.Name"] = l.name
	}
	return r
}

func licenseRec(l license) flat {
	return flat{"Id": l.id, "LicenseDefinitionKey": l.key, "MasterLabel": l.name, "Name": l.name, "Status": "Active",
		"TotalLicenses": l.total, "UsedLicenses": l.used}
}

func pslRec(p psl) flat {
	return flat{"Id": p.id, "DeveloperName": p.dev, "MasterLabel": p.label, "PermissionSetLicenseKey": p.key, "Status": "Active",
		"TotalLicenses": p.total, "UsedLicenses": p.used, "ExpirationDate": "2027-01-31"}
}

func pslaRec(a psla) flat {
	return flat{"Id": a.id, "AssigneeId": a.assignee, "PermissionSetLicenseId": a.psl, "CreatedDate": sfTime(a.created)}
}

// fields each object answers; anything else is INVALID_FIELD.
var objectFields = map[string][]string{
	"User": {"Id", "Username", "Email", "FederationIdentifier", "FirstName", "LastName", "Name", "Title", "Department", "CompanyName",
		"EmployeeNumber", "ManagerId", "Country", "City", "IsActive", "UserType", "LastLoginDate", "CreatedDate", "ProfileId",
		"Profile.Name", "Profile.UserLicenseId", "Profile.UserLicense.Name"},
	"UserLicense":                {"Id", "LicenseDefinitionKey", "MasterLabel", "Name", "Status", "TotalLicenses", "UsedLicenses"},
	"PermissionSetLicense":       {"Id", "DeveloperName", "MasterLabel", "PermissionSetLicenseKey", "Status", "TotalLicenses", "UsedLicenses", "ExpirationDate"},
	"PermissionSetLicenseAssign": {"Id", "AssigneeId", "PermissionSetLicenseId", "CreatedDate"},
	"LoginHistory":               {"Id", "UserId", "LoginTime", "LoginType", "Status", "Application", "Browser", "Platform", "SourceIp", "LoginUrl"},
	"Organization":               {"Id", "Name"},
}
