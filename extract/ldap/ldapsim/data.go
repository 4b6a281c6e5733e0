package ldapsim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"

	"github.com/saaspipe/saaspipe/synth"
)

// Canonical statuses the staging SQL must derive from the attributes the
// directory holds for each user.
const (
	StatusActive        = "active"
	StatusLocked        = "locked"
	StatusSuspended     = "suspended"
	StatusDeprovisioned = "deprovisioned"
)

// userAccountControl flags the simulator sets.
const (
	uacDisabled         = 0x2
	uacNormalAccount    = 0x200
	uacDontExpirePasswd = 0x10000
)

// AD's group types: scope bits and the security flag.
const (
	groupGlobal    = 0x2
	groupUniversal = 0x8
	groupSecurity  = -0x80000000
)

// neverExpires is AD's "no expiry" accountExpires value besides 0.
const neverExpires = "9223372036854775807"

// User is one user object the server holds, with the truth about it.
type User struct {
	// Person is the index in the synthetic org.
	Person int
	// GUID is the objectGUID in canonical string form: the source id the
	// connector must emit.
	GUID string
	DN   string
	// Status is the canonical status the staging SQL must derive.
	Status string
	// ManagerGUID is the manager's objectGUID ("" when none is set).
	ManagerGUID string
	// Mail says whether the mail attribute is set; without it the address
	// is only in proxyAddresses as the SMTP: primary.
	Mail bool
	// LastLogon is lastLogonTimestamp (zero: never signed in).
	LastLogon time.Time
}

// Group is one group object the server holds.
type Group struct {
	GUID string
	DN   string
	Name string
}

type entry struct {
	dn    string
	attrs [][2]string // ordered (name, value) pairs; binary values raw
}

func (e *entry) add(name string, values ...string) {
	for _, v := range values {
		if v != "" {
			e.attrs = append(e.attrs, [2]string{name, v})
		}
	}
}

// dataset is everything loaded into the directory, computed once from the
// org at its snapshot date.
type dataset struct {
	base    string
	entries []entry
	users   []User
	groups  []Group
	bindDN  string
}

// guidFor derives a version-4-shaped GUID from the seed, a kind and n, and
// returns it in canonical form with its 16 bytes in AD's wire order:
// Data1, Data2 and Data3 little-endian, Data4 as written.
func guidFor(seed int64, kind string, n int) (canonical string, wire []byte) {
	h := sha256.Sum256(fmt.Appendf(nil, "ldapsim/%d/%s/%d", seed, kind, n))
	u := h[:16]
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	canonical = fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	wire = make([]byte, 16)
	binary.LittleEndian.PutUint32(wire[0:4], binary.BigEndian.Uint32(u[0:4]))
	binary.LittleEndian.PutUint16(wire[4:6], binary.BigEndian.Uint16(u[4:6]))
	binary.LittleEndian.PutUint16(wire[6:8], binary.BigEndian.Uint16(u[6:8]))
	copy(wire[8:], u[8:16])
	return canonical, wire
}

// sidFor renders a domain account SID S-1-5-21-a-b-c-rid in binary form.
func sidFor(seed int64, rid uint32) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "ldapsim/sid/%d", seed))
	b := []byte{1, 5, 0, 0, 0, 0, 0, 5} // revision 1, 5 sub-authorities, authority 5
	b = binary.LittleEndian.AppendUint32(b, 21)
	for i := 0; i < 3; i++ {
		b = binary.LittleEndian.AppendUint32(b, binary.BigEndian.Uint32(h[4*i:])&0x7fffffff)
	}
	return binary.LittleEndian.AppendUint32(b, rid)
}

// fileTime renders t as a Windows FILETIME: 100 ns intervals since
// 1601-01-01 UTC.
func fileTime(t time.Time) string {
	const epochDiff = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	return strconv.FormatInt((t.Unix()+epochDiff)*10_000_000+int64(t.Nanosecond()/100), 10)
}

// genTime renders t as AD writes generalized time: tenths of a second, Z.
func genTime(t time.Time) string {
	return t.UTC().Format("20060102150405") + ".0Z"
}

// baseDN turns a DNS domain into DC=…,DC=… in AD's spelling.
func baseDN(domain string) string {
	parts := strings.Split(domain, ".")
	for i, p := range parts {
		parts[i] = "DC=" + p
	}
	return strings.Join(parts, ",")
}

var countryNames = map[string]string{"US": "United States", "GB": "United Kingdom", "DE": "Germany", "CA": "Canada", "IN": "India"}

// build lays the org out as a domain at the org's snapshot date: people
// hired by then are users under OU=<department>,OU=People (contractors
// under OU=Contractors,OU=People); leavers are disabled within a week of
// leaving, with accountExpires set to their leave date, and moved to
// OU=Leavers after 30 days; a few active users are locked out; employees'
// accounts never expire (0 or 0x7FFFFFFFFFFFFFFF, alternately) and
// contractors' expire at the end of their contract.
func build(org *synth.Org, password string) *dataset {
	seed := org.Params.Seed
	now := org.End()
	today := synth.Day(org.Date())
	base := baseDN(org.Domain)
	d := &dataset{base: base}

	root := entry{dn: base}
	root.add("objectClass", "top", "domain")
	root.add("dc", strings.SplitN(org.Domain, ".", 2)[0])
	d.entries = append(d.entries, root)
	for _, ou := range []string{"OU=People," + base, "OU=Contractors,OU=People," + base, "OU=Leavers," + base, "OU=Groups," + base, "OU=Service Accounts," + base} {
		e := entry{dn: ou}
		e.add("objectClass", "top", "organizationalUnit")
		e.add("ou", strings.TrimPrefix(strings.SplitN(ou, ",", 2)[0], "OU="))
		d.entries = append(d.entries, e)
	}
	for _, dep := range org.Departments() {
		e := entry{dn: "OU=" + goldap.EscapeDN(dep) + ",OU=People," + base}
		e.add("objectClass", "top", "organizationalUnit")
		e.add("ou", dep)
		d.entries = append(d.entries, e)
	}

	// Groups first: users name them in memberOf.
	groupDN := map[string]string{}
	addGroup := func(n int, name, desc string, gtype int) {
		guid, wire := guidFor(seed, "group", n)
		dn := "CN=" + goldap.EscapeDN(name) + ",OU=Groups," + base
		groupDN[name] = dn
		e := entry{dn: dn}
		e.add("objectClass", "top", "group")
		e.add("cn", name)
		e.add("objectGUID", string(wire))
		e.add("objectSid", string(sidFor(seed, uint32(5000+n))))
		e.add("objectCategory", "group")
		e.add("sAMAccountName", name)
		e.add("description", desc)
		e.add("groupType", strconv.Itoa(gtype))
		created := org.Params.Epoch.AddDate(-10, 0, n)
		if org.Params.Epoch.IsZero() {
			created = today.AddDate(-10, 0, n)
		}
		e.add("whenCreated", genTime(created.Add(9*time.Hour)))
		d.entries = append(d.entries, e)
		d.groups = append(d.groups, Group{GUID: guid, DN: dn, Name: name})
	}
	addGroup(0, "All Staff", "Everyone employed or contracted", groupUniversal)
	addGroup(1, "Contractors", "External contractors", groupGlobal|groupSecurity)
	addGroup(2, "Domain Admins", "Designated administrators of the domain", groupGlobal|groupSecurity)
	for k, dep := range org.Departments() {
		addGroup(3+k, dep, "Members of the "+dep+" department", groupGlobal|groupSecurity)
	}

	// Who is in the directory, and their DNs, before any user entry is
	// written: manager references must point at existing objects.
	type placed struct {
		dn, guid, sam string
		wire          []byte
	}
	where := make([]placed, len(org.People))
	usedDN := map[string]bool{}
	usedSAM := map[string]bool{}
	for i, p := range org.People {
		if !org.Hired(i, today) {
			continue
		}
		parent := "OU=" + goldap.EscapeDN(p.Department) + ",OU=People," + base
		switch {
		case org.Left(i, today) && today.Sub(p.LeaveDate) >= 30*24*time.Hour:
			parent = "OU=Leavers," + base
		case p.Kind == synth.Contractor:
			parent = "OU=Contractors,OU=People," + base
		}
		dn := "CN=" + goldap.EscapeDN(p.DisplayName) + "," + parent
		if usedDN[strings.ToLower(dn)] {
			dn = "CN=" + goldap.EscapeDN(p.DisplayName+" ("+p.EmployeeID+")") + "," + parent
		}
		usedDN[strings.ToLower(dn)] = true
		sam := strings.SplitN(p.Email, "@", 2)[0]
		if len(sam) > 20 {
			sam = sam[:20] // AD's limit for pre-Windows 2000 names
		}
		if usedSAM[strings.ToLower(sam)] {
			sam = strings.ToLower(p.EmployeeID)
		}
		usedSAM[strings.ToLower(sam)] = true
		guid, wire := guidFor(seed, "user", i)
		where[i] = placed{dn: dn, guid: guid, sam: sam, wire: wire}
	}

	for i, p := range org.People {
		w := where[i]
		if w.dn == "" {
			continue
		}
		u := User{Person: i, GUID: w.guid, DN: w.dn, Status: StatusActive, Mail: i%41 != 5}
		e := entry{dn: w.dn}
		e.add("objectClass", "top", "person", "organizationalPerson", "user")
		e.add("cn", strings.TrimPrefix(strings.SplitN(w.dn, ",", 2)[0], "CN="))
		e.add("objectGUID", string(w.wire))
		e.add("objectSid", string(sidFor(seed, uint32(1100+i))))
		e.add("objectCategory", "person")
		e.add("sAMAccountName", w.sam)
		e.add("userPrincipalName", strings.SplitN(p.Email, "@", 2)[0]+"@"+org.Domain)
		if u.Mail {
			e.add("mail", p.Email)
		}
		e.add("proxyAddresses", "SMTP:"+p.Email)
		for _, a := range p.Aliases {
			e.add("proxyAddresses", "smtp:"+a)
		}
		e.add("givenName", p.GivenName)
		e.add("sn", p.FamilyName)
		e.add("displayName", p.DisplayName)
		e.add("department", p.Department)
		e.add("title", p.Title)
		company := "Acme Corporation"
		if p.Location.Acquired {
			company = "Acme UK Ltd"
		}
		e.add("company", company)
		e.add("employeeID", p.EmployeeID)
		e.add("employeeType", map[synth.Kind]string{synth.Employee: "Employee", synth.Contractor: "Contractor"}[p.Kind])
		e.add("physicalDeliveryOfficeName", p.Location.City)
		e.add("l", p.Location.City)
		e.add("c", p.Location.Country)
		e.add("co", countryNames[p.Location.Country])

		left := org.Left(i, today)
		m := org.Manager(i)
		if left {
			m = p.ManagerIndex
		}
		if m >= 0 && where[m].dn != "" {
			e.add("manager", where[m].dn)
			u.ManagerGUID = where[m].guid
		}

		e.add("memberOf", groupDN[p.Department])
		if !left {
			e.add("memberOf", groupDN["All Staff"])
		}
		if p.Kind == synth.Contractor {
			e.add("memberOf", groupDN["Contractors"])
		}
		admin := !left && p.Department == "IT" && (p.Title == "Head of IT" || p.Title == "Systems Administrator")
		if admin {
			e.add("memberOf", groupDN["Domain Admins"])
			e.add("adminCount", "1")
		}

		created := p.HireDate.AddDate(0, 0, -14).Add(time.Duration(8*3600+i%3600) * time.Second)
		e.add("whenCreated", genTime(created))
		e.add("pwdLastSet", fileTime(created.Add(time.Hour)))

		uac := uacNormalAccount
		if i%3 == 0 {
			uac |= uacDontExpirePasswd
		}
		expires := "0"
		if i%2 == 1 {
			expires = neverExpires
		}
		switch {
		case left:
			expires = fileTime(p.LeaveDate)
			switch {
			case today.Sub(p.LeaveDate) >= 30*24*time.Hour:
				uac |= uacDisabled
				u.Status = StatusDeprovisioned
			case today.Sub(p.LeaveDate) >= 7*24*time.Hour:
				uac |= uacDisabled
				u.Status = StatusSuspended
			default:
				// Expired but not yet disabled: IT has not caught up.
				u.Status = StatusSuspended
			}
		case p.Kind == synth.Contractor:
			end := p.LeaveDate
			if end.IsZero() {
				end = today.AddDate(0, 3+i%9, 0)
			}
			expires = fileTime(end)
		}
		e.add("userAccountControl", strconv.Itoa(uac))
		e.add("accountExpires", expires)

		if last, ok := org.LastActive(i, -1, now); ok {
			u.LastLogon = last
			e.add("lastLogonTimestamp", fileTime(last))
			if !left && i%53 == 37 {
				lock := last.Add(time.Duration(60+i%600) * time.Second)
				if lock.After(now) {
					lock = now
				}
				e.add("lockoutTime", fileTime(lock))
				u.Status = StatusLocked
			} else {
				e.add("lockoutTime", "0")
			}
		}
		e.add("whenChanged", genTime(maxTime(created, u.LastLogon)))
		d.entries = append(d.entries, e)
		d.users = append(d.users, u)
	}

	// The account the connector binds as. It is not a person: its category
	// keeps it out of (&(objectCategory=person)(objectClass=user)), as a
	// managed service account's would.
	d.bindDN = "CN=svc-saaspipe,OU=Service Accounts," + base
	svc := entry{dn: d.bindDN}
	svc.add("objectClass", "top", "person", "organizationalPerson", "user")
	svc.add("cn", "svc-saaspipe")
	svc.add("sn", "svc-saaspipe")
	_, wire := guidFor(seed, "service", 0)
	svc.add("objectGUID", string(wire))
	svc.add("objectCategory", "msDS-ManagedServiceAccount")
	svc.add("sAMAccountName", "svc-saaspipe")
	svc.add("userAccountControl", strconv.Itoa(uacNormalAccount|uacDontExpirePasswd))
	svc.add("userPassword", ssha(password, seed))
	d.entries = append(d.entries, svc)
	return d
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
