package sfsim

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/saaspipe/saaspipe/simulate"
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

func (n *node) MarshalJSON() ([]byte, error) { return n.appendJSON(nil), nil }

// appendJSON appends the node as encoding/json would write its keys in
// order and its values (TestNodeEncoding holds it to that), without
// reflection for the types records hold.
func (n *node) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, k := range n.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = simulate.AppendString(b, k)
		b = append(b, ':')
		b = appendValue(b, n.vals[k])
	}
	return append(b, '}')
}

func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return simulate.AppendString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case *node:
		if v == nil {
			return append(b, "null"...)
		}
		return v.appendJSON(b)
	case map[string]string:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = simulate.AppendString(b, k)
			b = append(b, ':')
			b = simulate.AppendString(b, v[k])
		}
		return append(b, '}')
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, enc...)
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

// appendFlat is project(...).appendJSON for fields without relationship
// paths, written straight from get without building the record or the
// node: {"attributes":{"type","url"}, then each field in query order}.
func appendFlat(b []byte, object, version, id string, fields []string, get func(field string) any) []byte {
	b = append(b, `{"attributes":{"type":`...)
	b = simulate.AppendString(b, object)
	b = append(b, `,"url":`...)
	b = simulate.AppendString(b, "/services/data/v"+version+"/sobjects/"+object+"/"+id)
	b = append(b, '}')
	for _, f := range fields {
		b = append(b, ',')
		b = simulate.AppendString(b, f)
		b = append(b, ':')
		b = appendValue(b, get(f))
	}
	return append(b, '}')
}

// flatFields reports whether no field is a relationship path.
func flatFields(fields []string) bool {
	for _, f := range fields {
		if strings.Contains(f, ".") {
			return false
		}
	}
	return true
}

// loginField is the value of one LoginHistory field of l.
func (d *dataset) loginField(l *loginRow, f string) any {
	switch f {
	case "Id":
		return l.id
	case "UserId":
		return l.user
	case "LoginTime":
		return sfTime(l.at)
	case "LoginType":
		return l.typ
	case "Status":
		return l.status
	case "Application":
		return l.app
	case "Browser":
		return l.browser
	case "Platform":
		return l.platform
	case "SourceIp":
		return l.ip
	case "LoginUrl":
		return d.host
	}
	return nil
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
