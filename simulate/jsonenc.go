package simulate

import (
	"encoding/json"
	"math"
	"strconv"
)

// AppendString appends s as a JSON string exactly as encoding/json writes
// it (HTML characters escaped, invalid UTF-8 replaced), so that a record a
// simulator writes by hand is byte for byte what json.Marshal would make of
// it. Plain ASCII takes the fast path; anything else goes through
// encoding/json itself.
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plainJSON[s[i]] {
			enc, _ := json.Marshal(s)
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainJSON marks the bytes a JSON string holds as they are: printable
// ASCII but the quote, the backslash and the characters encoding/json
// escapes for HTML. One table lookup per byte instead of seven compares.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = true
	}
	for _, c := range []byte(`"\<>&`) {
		t[c] = false
	}
	return t
}()

// AppendNullString appends JSON null for "" and the string otherwise.
func AppendNullString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return AppendString(b, s)
}

// AppendFloat appends f as encoding/json writes a float64.
func AppendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
		enc, _ := json.Marshal(f)
		return append(b, enc...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// AppendArray appends the JSON array of the already encoded items.
func AppendArray(b []byte, items [][]byte) []byte {
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, ']')
}

// pageBuffers holds page buffers for reuse: a simulator builds each listing
// page in one byte slice, and net/http has written it to the connection by
// the time the handler's Write returns, so the slice can build the next
// page instead of being garbage (over half a gigabyte of System Log pages
// in a 10,000-person demo).
var pageBuffers = make(chan []byte, 16)

// maxPooledPage bounds the buffers kept, so one huge page does not stay
// resident.
const maxPooledPage = 8 << 20

// PageBuffer returns an empty slice with room for at least n bytes, reused
// from a page PutPageBuffer returned when one is free.
func PageBuffer(n int) []byte {
	select {
	case b := <-pageBuffers:
		if cap(b) >= n {
			return b[:0]
		}
	default:
	}
	return make([]byte, 0, n)
}

// PutPageBuffer hands b back once it has been written and nothing refers
// to it any more.
func PutPageBuffer(b []byte) {
	if cap(b) > maxPooledPage {
		return
	}
	select {
	case pageBuffers <- b[:0]:
	default:
	}
}
