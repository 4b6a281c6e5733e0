package ldap

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

func TestParseFileTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		never   bool
		wantErr bool
	}{
		{"0", time.Time{}, true, false},
		{"9223372036854775807", time.Time{}, true, false},
		{"116444736000000000", time.Unix(0, 0).UTC(), false, false},
		// 2024-01-01T00:00:00Z, as PowerShell's [datetime]::FromFileTimeUtc prints it.
		{"133485408000000000", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), false, false},
		{"133485408001234567", time.Date(2024, 1, 1, 0, 0, 0, 123456700, time.UTC), false, false},
		{"1", time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC), false, false},
		{" 133485408000000000 ", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), false, false},
		// The last FILETIME of year 9999, and the first after it.
		{"2650467743999999999", time.Date(9999, 12, 31, 23, 59, 59, 999999900, time.UTC), false, false},
		{"2650467744000000000", time.Time{}, false, true},
		{"9223372036854775806", time.Time{}, false, true},
		{"-1", time.Time{}, false, true},
		{"", time.Time{}, false, true},
		{"0x7FFFFFFFFFFFFFFF", time.Time{}, false, true},
		{"9223372036854775808", time.Time{}, false, true},
	}
	for _, tt := range tests {
		got, never, err := ParseFileTime(tt.in)
		if (err != nil) != tt.wantErr || never != tt.never || !got.Equal(tt.want) {
			t.Errorf("ParseFileTime(%q) = %v, %v, %v; want %v, %v, err %v", tt.in, got, never, err, tt.want, tt.never, tt.wantErr)
		}
		if err == nil && !never && FormatFileTime(got) != strings.TrimSpace(tt.in) {
			t.Errorf("FormatFileTime(%v) = %s, want %s", got, FormatFileTime(got), tt.in)
		}
	}
}

func FuzzParseFileTime(f *testing.F) {
	for _, s := range []string{"0", "9223372036854775807", "133485408001234567", "1", "-1", "2650467744000000000", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, never, err := ParseFileTime(s)
		if err != nil || never {
			if !got.IsZero() {
				t.Fatalf("ParseFileTime(%q) returned %v with never=%v err=%v", s, got, never, err)
			}
			return
		}
		if got.Location() != time.UTC || got.After(maxTimestamp) || got.Year() < 1601 {
			t.Fatalf("ParseFileTime(%q) = %v: out of range or not UTC", s, got)
		}
		// Canonical inputs round-trip exactly.
		back := FormatFileTime(got)
		again, _, err := ParseFileTime(back)
		if err != nil || !again.Equal(got) {
			t.Fatalf("round trip of %q: %s → %v, %v", s, back, again, err)
		}
	})
}

func TestParseGeneralizedTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"20240102030405.0Z", utc(2024, 1, 2, 3, 4, 5, 0), false}, // AD's spelling
		{"20240102030405Z", utc(2024, 1, 2, 3, 4, 5, 0), false},
		{"20240102030405.123Z", utc(2024, 1, 2, 3, 4, 5, 123000000), false},
		{"20240102030405,5Z", utc(2024, 1, 2, 3, 4, 5, 500000000), false},
		{"202401020304Z", utc(2024, 1, 2, 3, 4, 0, 0), false},
		{"2024010203Z", utc(2024, 1, 2, 3, 0, 0, 0), false},
		{"2024010203.5Z", utc(2024, 1, 2, 3, 30, 0, 0), false},   // half an hour
		{"202401020304.5Z", utc(2024, 1, 2, 3, 4, 30, 0), false}, // half a minute
		{"20240102030405+0200", utc(2024, 1, 2, 1, 4, 5, 0), false},
		{"20240102030405-05", utc(2024, 1, 2, 8, 4, 5, 0), false},
		{"20241231235959.9Z", utc(2024, 12, 31, 23, 59, 59, 900000000), false},
		{"20240229120000Z", utc(2024, 2, 29, 12, 0, 0, 0), false},
		{"20230229120000Z", time.Time{}, true}, // no such day
		{"20240102030405", time.Time{}, true},  // no zone
		{"20241302030405Z", time.Time{}, true},
		{"20240102240000Z", time.Time{}, true},
		{"20240102036005Z", time.Time{}, true},
		{"20240102030405.Z", time.Time{}, true},
		{"20240102030405+2400", time.Time{}, true},
		{"2024-01-02T03:04:05Z", time.Time{}, true},
		{"", time.Time{}, true},
		{"2024010203", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseGeneralizedTime(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("ParseGeneralizedTime(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.Location() != time.UTC {
			t.Errorf("ParseGeneralizedTime(%q) is in %v, want UTC", tt.in, got.Location())
		}
	}
}

func FuzzParseGeneralizedTime(f *testing.F) {
	for _, s := range []string{"20240102030405.0Z", "20240102030405+0200", "2024010203.5Z", "20230229120000Z", "99991231235959.999Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseGeneralizedTime(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC || got.After(maxTimestamp) || got.Year() < 1 {
			t.Fatalf("ParseGeneralizedTime(%q) = %v: out of range or not UTC", s, got)
		}
		// What it accepts, rendered back in AD's form, parses to the same
		// instant (to the 100 ns AD keeps).
		back := got.Format("20060102150405.0000000") + "Z"
		again, err := ParseGeneralizedTime(back)
		if err != nil || !again.Equal(got.Truncate(100*time.Nanosecond)) {
			t.Fatalf("round trip of %q via %q: %v, %v", s, back, again, err)
		}
	})
}

func TestParseGUID(t *testing.T) {
	// f81d4fae-7dec-11d0-a765-00a0c91e6bf6 as AD sends it: the first
	// three groups byte-swapped.
	wire := []byte{0xae, 0x4f, 0x1d, 0xf8, 0xec, 0x7d, 0xd0, 0x11, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6}
	tests := []struct {
		in      []byte
		want    string
		wantErr bool
	}{
		{wire, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", false},
		{make([]byte, 16), "00000000-0000-0000-0000-000000000000", false},
		{[]byte("F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"), "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", false},
		{[]byte("{f81d4fae-7dec-11d0-a765-00a0c91e6bf6}"), "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", false},
		{[]byte("f81d4fae7dec-11d0-a765-00a0c91e6bf6x"), "", true},
		{[]byte("g81d4fae-7dec-11d0-a765-00a0c91e6bf6"), "", true},
		{[]byte("(f81d4fae-7dec-11d0-a765-00a0c91e6bf6)"), "", true},
		{wire[:15], "", true},
		{nil, "", true},
	}
	for _, tt := range tests {
		got, err := ParseGUID(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseGUID(%x) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	back, err := GUIDBytes("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
	if err != nil || !bytes.Equal(back, wire) {
		t.Errorf("GUIDBytes = %x, %v; want %x", back, err, wire)
	}
}

func FuzzParseGUID(f *testing.F) {
	f.Add([]byte{0xae, 0x4f, 0x1d, 0xf8, 0xec, 0x7d, 0xd0, 0x11, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6})
	f.Add([]byte("{F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6}"))
	f.Add([]byte("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseGUID(b)
		if err != nil {
			return
		}
		if len(s) != 36 || s != strings.ToLower(s) {
			t.Fatalf("ParseGUID(%x) = %q: not canonical", b, s)
		}
		wire, err := GUIDBytes(s)
		if err != nil {
			t.Fatalf("GUIDBytes(%q): %v", s, err)
		}
		if len(b) == 16 && !bytes.Equal(wire, b) {
			t.Fatalf("binary round trip: %x → %q → %x", b, s, wire)
		}
		if again, err := ParseGUID(wire); err != nil || again != s {
			t.Fatalf("ParseGUID(GUIDBytes(%q)) = %q, %v", s, again, err)
		}
	})
}

func TestParseSID(t *testing.T) {
	tests := []struct {
		in      []byte
		want    string
		wantErr bool
	}{
		{[]byte{1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}, "S-1-5-18", false},
		{[]byte{1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xe9, 3, 0, 0}, "S-1-5-21-1-2-3-1001", false},
		{[]byte{1, 2, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}, "", true},
		{[]byte{2, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}, "", true},
		{[]byte{1}, "", true},
	}
	for _, tt := range tests {
		got, err := ParseSID(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSID(%x) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestRender checks a record's payload for one entry: raw attributes kept,
// binary ones base64, mapped values converted, and conversion errors naming
// the entry and attribute.
func TestRender(t *testing.T) {
	guid := []byte{0xae, 0x4f, 0x1d, 0xf8, 0xec, 0x7d, 0xd0, 0x11, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6}
	entry := func(over map[string][]string) *goldap.Entry {
		attrs := map[string][]string{
			"objectGUID": {string(guid)}, "sAMAccountName": {"ann.lee"}, "proxyAddresses": {"SMTP:ann@corp.example", "smtp:al@corp.example"},
			"whenCreated": {"20240102030405.0Z"}, "userAccountControl": {"514"}, "accountExpires": {"9223372036854775807"},
			"lastLogonTimestamp": {"133485408001234567"}, "lockoutTime": {"0"}, "thumbnailPhoto": {"\xff\xd8\xff"},
		}
		for k, v := range over {
			if v == nil {
				delete(attrs, k)
			} else {
				attrs[k] = v
			}
		}
		return goldap.NewEntry("CN=Ann Lee,OU=Sales,OU=People,DC=corp,DC=example", attrs)
	}
	tests := []struct {
		name    string
		e       *goldap.Entry
		m       attrMap
		want    map[string]any // mapped fields to check; nil value = absent or null
		wantErr string
	}{
		{"ad user", entry(nil), nil, map[string]any{
			"objectGUID": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "sAMAccountName": "ann.lee",
			"proxyAddresses": []any{"SMTP:ann@corp.example", "smtp:al@corp.example"}, "whenCreated": "2024-01-02T03:04:05Z",
			"userAccountControl": float64(514), "accountExpires": nil, "lockoutTime": nil,
			"lastLogonTimestamp": "2024-01-01T00:00:00.1234567Z", "ouPath": "People/Sales",
		}, ""},
		{"mapped names", entry(map[string][]string{"uid": {"ann"}, "sAMAccountName": nil}), attrMap{"sAMAccountName": "uid"},
			map[string]any{"sAMAccountName": "ann"}, ""},
		{"bad filetime", entry(map[string][]string{"lastLogonTimestamp": {"soon"}}), nil, nil, `"CN=Ann Lee,OU=Sales,OU=People,DC=corp,DC=example" attribute lastLogonTimestamp`},
		{"bad time", entry(map[string][]string{"whenCreated": {"yesterday"}}), nil, nil, "attribute whenCreated"},
		{"no guid", entry(map[string][]string{"objectGUID": nil}), nil, nil, "has no objectGUID"},
		{"short guid", entry(map[string][]string{"objectGUID": {"abc"}}), nil, nil, "attribute objectGUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dn, _ := goldap.ParseDN(tt.e.DN)
			id, payload, err := render(tt.e, userFields, tt.m, map[string]any{"ouPath": ouPath(dn)})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("render: %v; want an error mentioning %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rec struct {
				DN         string
				Attributes map[string][]string
				Binary     []string
				Mapped     map[string]any
			}
			if err := json.Unmarshal(payload, &rec); err != nil {
				t.Fatal(err)
			}
			if id != "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" || rec.DN != tt.e.DN {
				t.Errorf("id %q dn %q", id, rec.DN)
			}
			if got := rec.Attributes["objectGUID"]; len(got) != 1 || got[0] != "rk8d+Ox90BGnZQCgyR5r9g==" {
				t.Errorf("raw objectGUID = %v", got)
			}
			if got := rec.Attributes["thumbnailPhoto"]; len(got) != 1 || got[0] != "/9j/" {
				t.Errorf("raw thumbnailPhoto = %v", got)
			}
			if strings.Join(rec.Binary, ",") != "objectGUID,thumbnailPhoto" && strings.Join(rec.Binary, ",") != "thumbnailPhoto,objectGUID" {
				t.Errorf("binary = %v", rec.Binary)
			}
			for k, want := range tt.want {
				got, _ := json.Marshal(rec.Mapped[k])
				exp, _ := json.Marshal(want)
				if !bytes.Equal(got, exp) {
					t.Errorf("mapped %s = %s, want %s", k, got, exp)
				}
			}
		})
	}
}

func TestParseAttrMap(t *testing.T) {
	m, err := parseAttrMap([]string{"objectGUID=entryUUID", " sAMAccountName = uid "})
	if err != nil || m.source("objectGUID") != "entryUUID" || m.source("sAMAccountName") != "uid" || m.source("mail") != "mail" {
		t.Fatalf("parseAttrMap = %v, %v", m, err)
	}
	if got := m.requested(userFields); got[0] != "entryUUID" || !strings.Contains(strings.Join(got, ","), ",uid,") {
		t.Errorf("requested = %v", got)
	}
	for _, bad := range []string{"objectGUID", "=uid", "nosuch=uid", "mail="} {
		if _, err := parseAttrMap([]string{"objectGUID=entryUUID", bad}); err == nil || !strings.Contains(err.Error(), "attribute_map[1]") {
			t.Errorf("parseAttrMap(%q): %v; want an error naming attribute_map[1]", bad, err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	guid := []byte{0xae, 0x4f, 0x1d, 0xf8, 0xec, 0x7d, 0xd0, 0x11, 0xa7, 0x65, 0x00, 0xa0, 0xc9, 0x1e, 0x6b, 0xf6}
	e := goldap.NewEntry("CN=Ann Lee,OU=Sales,OU=People,DC=corp,DC=example", map[string][]string{
		"objectGUID": {string(guid)}, "sAMAccountName": {"ann.lee"}, "mail": {"ann@corp.example"},
		"proxyAddresses": {"SMTP:ann@corp.example", "smtp:al@corp.example"}, "givenName": {"Ann"}, "sn": {"Lee"},
		"displayName": {"Ann Lee"}, "department": {"Sales"}, "title": {"Account Executive"}, "manager": {"CN=Bo Chan,OU=Sales,DC=corp,DC=example"},
		"memberOf":    {"CN=Sales,OU=Groups,DC=corp,DC=example", "CN=All Staff,OU=Groups,DC=corp,DC=example"},
		"whenCreated": {"20240102030405.0Z"}, "userAccountControl": {"512"}, "accountExpires": {"0"},
		"lastLogonTimestamp": {"133485408001234567"}, "lockoutTime": {"0"},
	})
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := render(e, userFields, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
