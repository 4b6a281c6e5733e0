package ldap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// fileTimeEpochOffset is the number of 100 ns intervals from 1601-01-01
// (the FILETIME epoch) to 1970-01-01 (the Unix epoch).
const fileTimeEpochOffset = 116444736000000000

// maxTimestamp is the last instant a staged timestamp may hold: RFC 3339
// and DuckDB both stop at year 9999.
var maxTimestamp = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// ParseFileTime converts a Windows FILETIME written in decimal (100 ns
// intervals since 1601-01-01 UTC, as AD's Integer8 attributes
// accountExpires, lastLogonTimestamp, lockoutTime and pwdLastSet hold it).
// never is true for 0 and 0x7FFFFFFFFFFFFFFF, AD's two spellings of
// "never" (never logged on, never expires, not locked). A negative value,
// a non-number, or an instant after year 9999 is an error.
func ParseFileTime(s string) (t time.Time, never bool, err error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("FILETIME %q is not a 64-bit decimal integer", s)
	}
	switch {
	case n == 0 || n == math.MaxInt64:
		return time.Time{}, true, nil
	case n < 0:
		return time.Time{}, false, fmt.Errorf("FILETIME %q is negative", s)
	}
	// Split before scaling: n*100 overflows int64 for dates after 2262.
	rel := n - fileTimeEpochOffset
	sec, frac := rel/10_000_000, rel%10_000_000
	if frac < 0 {
		sec, frac = sec-1, frac+10_000_000
	}
	t = time.Unix(sec, frac*100).UTC()
	if t.After(maxTimestamp) {
		return time.Time{}, false, fmt.Errorf("FILETIME %q lies after year 9999", s)
	}
	return t, false, nil
}

// FormatFileTime is the inverse of ParseFileTime for instants from 1601 to
// year 9999, truncated to 100 ns.
func FormatFileTime(t time.Time) string {
	sec := t.Unix()
	return strconv.FormatInt(sec*10_000_000+int64(t.Nanosecond()/100)+fileTimeEpochOffset, 10)
}

// ParseGeneralizedTime converts an LDAP GeneralizedTime (RFC 4517 3.3.13):
// YYYYMMDDHH, optional minutes and seconds, an optional fraction of the
// last unit given (after '.' or ','), then Z or a ±HH[MM] offset. AD writes
// "20240102030405.0Z". The result is in UTC.
func ParseGeneralizedTime(s string) (time.Time, error) {
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("generalized time %q: %s", s, why)
	}
	digits := func(p string) (int, bool) {
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return 0, false
			}
			n = n*10 + int(p[i]-'0')
		}
		return n, len(p) > 0
	}
	if len(s) < 11 {
		return bad("too short")
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[4:6])
	day, ok3 := digits(s[6:8])
	hour, ok4 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return bad("date and hour must be digits")
	}
	rest := s[10:]
	var minute, second int
	// unit is the length of the last unit given, which a fraction divides.
	unit := time.Hour
	if len(rest) >= 2 && isDigit(rest[0]) {
		m, ok := digits(rest[0:2])
		if !ok {
			return bad("minutes must be two digits")
		}
		minute, rest, unit = m, rest[2:], time.Minute
		if len(rest) >= 2 && isDigit(rest[0]) {
			sec, ok := digits(rest[0:2])
			if !ok {
				return bad("seconds must be two digits")
			}
			second, rest, unit = sec, rest[2:], time.Second
		}
	}
	var frac time.Duration
	if rest != "" && (rest[0] == '.' || rest[0] == ',') {
		end := 1
		for end < len(rest) && isDigit(rest[end]) {
			end++
		}
		if end == 1 {
			return bad("empty fraction")
		}
		f, err := strconv.ParseFloat("0."+rest[1:end], 64)
		if err != nil {
			return bad("fraction")
		}
		frac = time.Duration(f * float64(unit))
		rest = rest[end:]
	}
	var offset int
	switch {
	case rest == "Z":
	case len(rest) == 3 || len(rest) == 5:
		if rest[0] != '+' && rest[0] != '-' {
			return bad("time zone must be Z or ±HH[MM]")
		}
		h, ok := digits(rest[1:3])
		m := 0
		okm := true
		if len(rest) == 5 {
			m, okm = digits(rest[3:5])
		}
		if !ok || !okm || h > 23 || m > 59 {
			return bad("time zone offset")
		}
		offset = (h*60 + m) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return bad("time zone must be Z or ±HH[MM]")
	}
	// Leap seconds (60) are allowed by the syntax and folded into the next
	// minute by time.Date; everything else out of range is refused rather
	// than normalised into another date.
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 {
		return bad("field out of range")
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, 0, time.FixedZone("", offset))
	if t.Day() != day && second != 60 {
		return bad("no such day")
	}
	t = t.Add(frac).UTC()
	if t.Year() < 1 || t.After(maxTimestamp) {
		return bad("outside years 1 to 9999")
	}
	return t, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ParseGUID renders an objectGUID in canonical form
// (f81d4fae-7dec-11d0-a765-00a0c91e6bf6, lower case). AD sends the 16
// bytes in Microsoft's wire order: Data1 (4 bytes), Data2 and Data3 (2
// each) little-endian, Data4 (8 bytes) as is; the string is what
// PowerShell's [guid] and Entra's onPremisesImmutableId decoding print.
// Directories that store a textual UUID (OpenLDAP's entryUUID) are
// accepted too, with or without braces.
func ParseGUID(b []byte) (string, error) {
	switch len(b) {
	case 16:
		return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
			binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]),
			binary.LittleEndian.Uint16(b[6:8]), b[8:10], b[10:16]), nil
	case 38:
		if b[0] != '{' || b[37] != '}' {
			break
		}
		b = b[1:37]
		fallthrough
	case 36:
		for i, c := range b {
			switch {
			case i == 8 || i == 13 || i == 18 || i == 23:
				if c != '-' {
					return "", fmt.Errorf("GUID %q: expected '-' at %d", b, i)
				}
			case isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F':
			default:
				return "", fmt.Errorf("GUID %q: not a hex digit at %d", b, i)
			}
		}
		return strings.ToLower(string(b)), nil
	}
	return "", fmt.Errorf("GUID of %d bytes: want 16 binary bytes or a 36-character string", len(b))
}

// GUIDBytes is the inverse of ParseGUID's binary case: the 16 wire bytes
// of a canonical GUID string.
func GUIDBytes(s string) ([]byte, error) {
	canon, err := ParseGUID([]byte(s))
	if err != nil {
		return nil, err
	}
	hexDigits := strings.ReplaceAll(canon, "-", "")
	raw := make([]byte, 16)
	for i := range raw {
		v, err := strconv.ParseUint(hexDigits[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, err
		}
		raw[i] = byte(v)
	}
	out := make([]byte, 16)
	binary.LittleEndian.PutUint32(out[0:4], binary.BigEndian.Uint32(raw[0:4]))
	binary.LittleEndian.PutUint16(out[4:6], binary.BigEndian.Uint16(raw[4:6]))
	binary.LittleEndian.PutUint16(out[6:8], binary.BigEndian.Uint16(raw[6:8]))
	copy(out[8:], raw[8:])
	return out, nil
}

// ParseSID renders a binary security identifier (objectSid) as S-1-5-21-….
func ParseSID(b []byte) (string, error) {
	if len(b) < 8 {
		return "", errors.New("SID shorter than 8 bytes")
	}
	n := int(b[1])
	if b[0] != 1 || len(b) != 8+4*n {
		return "", fmt.Errorf("SID of %d bytes: revision %d with %d sub-authorities", len(b), b[0], n)
	}
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "S-1-%d", auth)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "-%d", binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return sb.String(), nil
}
