package ldap

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	goldap "github.com/go-ldap/ldap/v3"
)

// kind says how a mapped attribute's values are converted.
type kind int

const (
	kText     kind = iota // first value, as a string
	kList                 // every value, as strings
	kGUID                 // 16-byte GUID or textual UUID → canonical string
	kSID                  // binary SID → S-1-…
	kInt                  // decimal integer
	kGenTime              // generalized time → RFC 3339 UTC
	kFileTime             // FILETIME (or generalized time) → RFC 3339 UTC, null for never
	kDN                   // first value, a DN, as the server wrote it
)

type field struct {
	name string // the AD attribute name: the key in "mapped"
	kind kind
}

// userFields are the AD attributes the users entity reads, in AD's names;
// attribute_map can point each at another attribute of the directory.
var userFields = []field{
	{"objectGUID", kGUID}, {"objectSid", kSID}, {"sAMAccountName", kText}, {"userPrincipalName", kText},
	{"mail", kText}, {"proxyAddresses", kList}, {"givenName", kText}, {"sn", kText}, {"displayName", kText},
	{"department", kText}, {"title", kText}, {"company", kText}, {"employeeID", kText}, {"employeeNumber", kText},
	{"employeeType", kText}, {"manager", kDN}, {"physicalDeliveryOfficeName", kText}, {"l", kText},
	{"c", kText}, {"co", kText}, {"memberOf", kList}, {"whenCreated", kGenTime}, {"whenChanged", kGenTime},
	{"userAccountControl", kInt}, {"lockoutTime", kFileTime}, {"accountExpires", kFileTime},
	{"lastLogonTimestamp", kFileTime}, {"pwdLastSet", kFileTime}, {"adminCount", kInt},
}

// groupFields are the AD attributes the groups entity reads.
var groupFields = []field{
	{"objectGUID", kGUID}, {"objectSid", kSID}, {"cn", kText}, {"sAMAccountName", kText},
	{"description", kText}, {"mail", kText}, {"groupType", kInt}, {"whenCreated", kGenTime},
	{"whenChanged", kGenTime},
}

// binaryAttrs are attributes whose values are bytes, not text, in AD.
var binaryAttrs = map[string]bool{"objectguid": true, "objectsid": true, "msexchmailboxguid": true,
	"thumbnailphoto": true, "jpegphoto": true, "usercertificate": true, "ms-ds-consistencyguid": true}

// attrMap maps AD attribute names to the directory's, from attribute_map.
type attrMap map[string]string

// parseAttrMap reads attribute_map entries "adName=directoryName".
func parseAttrMap(entries []string) (attrMap, error) {
	known := map[string]bool{}
	for _, f := range append(slices.Clone(userFields), groupFields...) {
		known[f.name] = true
	}
	m := attrMap{}
	for i, e := range entries {
		ad, dir, ok := strings.Cut(e, "=")
		ad, dir = strings.TrimSpace(ad), strings.TrimSpace(dir)
		if !ok || ad == "" || dir == "" {
			return nil, fmt.Errorf("attribute_map[%d]: %q must be written adAttribute=directoryAttribute, e.g. objectGUID=entryUUID", i, e)
		}
		if !known[ad] {
			return nil, fmt.Errorf("attribute_map[%d]: %q is not an attribute the connector reads (see the users and groups entities' fields)", i, ad)
		}
		m[ad] = dir
	}
	return m, nil
}

func (m attrMap) source(ad string) string {
	if s, ok := m[ad]; ok {
		return s
	}
	return ad
}

// requested lists the directory attributes to ask for: never "*", so a
// directory returns only what is mapped, and no attribute twice.
func (m attrMap) requested(fields []field) []string {
	var out []string
	for _, f := range fields {
		if s := m.source(f.name); !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, s) }) {
			out = append(out, s)
		}
	}
	return out
}

// render builds a record's payload from one entry:
//
//	{"dn": …, "attributes": {name: [values…]}, "binary": [names…], "mapped": {…}}
//
// attributes is the entry as the server returned it, names as spelled by
// the server, every value a string; the values of binary attributes
// (listed in binary) are base64. mapped is the entry read through the
// attribute map in AD's vocabulary with values converted (see the package
// doc); extra holds fields the connector derived (manager resolution, OU
// path). It returns the objectGUID as the record's source id.
func render(e *goldap.Entry, fields []field, m attrMap, extra map[string]any) (id string, payload []byte, err error) {
	attrs := make(map[string][]string, len(e.Attributes))
	var binaryNames []string
	for _, a := range e.Attributes {
		isBinary := binaryAttrs[strings.ToLower(a.Name)]
		for _, v := range a.ByteValues {
			isBinary = isBinary || !utf8.Valid(v)
		}
		vals := make([]string, len(a.ByteValues))
		for i, v := range a.ByteValues {
			if isBinary {
				vals[i] = base64.StdEncoding.EncodeToString(v)
			} else {
				vals[i] = string(v)
			}
		}
		if isBinary {
			binaryNames = append(binaryNames, a.Name)
		}
		attrs[a.Name] = vals
	}
	mapped := make(map[string]any, len(fields)+len(extra))
	for _, f := range fields {
		src := m.source(f.name)
		raw := e.GetEqualFoldRawAttributeValues(src)
		if len(raw) == 0 {
			continue
		}
		v, err := convert(f.kind, raw)
		if err != nil {
			return "", nil, fmt.Errorf("entry %q attribute %s: %w", e.DN, src, err)
		}
		mapped[f.name] = v
	}
	guid, _ := mapped["objectGUID"].(string)
	if guid == "" {
		return "", nil, fmt.Errorf("entry %q has no %s, the id every record needs", e.DN, m.source("objectGUID"))
	}
	for k, v := range extra {
		mapped[k] = v
	}
	if binaryNames == nil {
		binaryNames = []string{}
	}
	payload, err = json.Marshal(struct {
		DN         string              `json:"dn"`
		Attributes map[string][]string `json:"attributes"`
		Binary     []string            `json:"binary"`
		Mapped     map[string]any      `json:"mapped"`
	}{e.DN, attrs, binaryNames, mapped})
	if err != nil {
		return "", nil, fmt.Errorf("encoding entry %q: %w", e.DN, err)
	}
	return guid, payload, nil
}

// convert turns raw values into the JSON value of a mapped field; nil
// means "never" for FILETIMEs.
func convert(k kind, raw [][]byte) (any, error) {
	first := raw[0]
	switch k {
	case kList:
		out := make([]string, len(raw))
		for i, v := range raw {
			out[i] = string(v)
		}
		return out, nil
	case kGUID:
		return ParseGUID(first)
	case kSID:
		return ParseSID(first)
	case kInt:
		n, err := strconv.ParseInt(strings.TrimSpace(string(first)), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", first)
		}
		return n, nil
	case kGenTime:
		t, err := ParseGeneralizedTime(string(first))
		if err != nil {
			return nil, err
		}
		return rfc3339(t), nil
	case kFileTime:
		s := string(first)
		// A directory mapped onto a FILETIME field may hold generalized
		// time instead (OpenLDAP's pwdChangedTime); FILETIMEs are bare
		// digits and generalized time always ends with a zone.
		if strings.ContainsAny(s, "Z+-") {
			t, err := ParseGeneralizedTime(s)
			if err != nil {
				return nil, err
			}
			return rfc3339(t), nil
		}
		t, never, err := ParseFileTime(s)
		if err != nil || never {
			return nil, err
		}
		return rfc3339(t), nil
	default:
		return string(first), nil
	}
}

func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.9999999Z07:00") }

// ouPath is the entry's organisational-unit path from the top, joined by
// '/': CN=A,OU=Sales,OU=People,DC=acme,DC=example → People/Sales.
func ouPath(dn *goldap.DN) string {
	var ous []string
	for i := len(dn.RDNs) - 1; i >= 0; i-- {
		for _, a := range dn.RDNs[i].Attributes {
			if strings.EqualFold(a.Type, "ou") {
				ous = append(ous, a.Value)
			}
		}
	}
	return strings.Join(ous, "/")
}

// dnKey is a DN in the form two spellings of one DN share: types and
// values lower-cased, spaces around separators and escapes normalised.
func dnKey(dn string) (string, error) {
	d, err := goldap.ParseDN(dn)
	if err != nil {
		return "", err
	}
	return strings.ToLower(d.String()), nil
}
