package jsonpage

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var seeds = []string{
	`[]`, ` [ ] `, `[{"id":"a"}]`, `null`, `{"errorCode":"E0000047"}`, `[{"id":1},2]`,
	`[{"id":"x","n":[1,{"a":null}]}, {"id":"y\"z"} ,"s",[],{}]`,
	`[{"x":1,"id":"a","id":"b"},{ },{"value":{"id":"inner"}},[{"id":"deep"}],{"\u0069d":"esc","x":[]}]`,
	`{"value":[{"id":"1"}],"@odata.nextLink":"https://x/?$skiptoken=a"}`,
	`{"id":"first","id":"last"}`, `{"\u0069d":"escaped key"}`, `{"id":"caf\u00e9 ü"}`,
	"{\"id\":\"bad\xff\"}", "{\"\xb0\":1}", `"\ud800"`, `[1 2]`, `{"a":1,}`, `01`, `1.`, `-`, `tru`, `"\x"`, "\"\x01\"", `[1e5,-0.1,1E+2]`, `{"id" : "spaced" , "x" : { "id" : "nested" } }`, `"str"`, `12`,
}

// check holds the package to encoding/json on valid input.
func check(t *testing.T, body []byte) {
	if got, want := Valid(body), json.Valid(body); got != want {
		t.Fatalf("Valid(%q) = %v, encoding/json says %v", body, got, want)
	}
	if !json.Valid(body) {
		Elements(body) // must not panic
		ElementMembers(body, []string{"id"})
		Member(body, "id")
		return
	}
	var arr []json.RawMessage
	isArr := json.Unmarshal(body, &arr) == nil && arr != nil
	elems, ok := Elements(body)
	if ok != isArr {
		t.Fatalf("Elements(%q) ok = %v, want %v", body, ok, isArr)
	}
	if ok {
		if len(elems) != len(arr) {
			t.Fatalf("Elements(%q): %d elements, want %d", body, len(elems), len(arr))
		}
		for i := range elems {
			if !bytes.Equal(elems[i], arr[i]) {
				t.Fatalf("Elements(%q)[%d] = %q, want %q", body, i, elems[i], arr[i])
			}
		}
	}
	// ElementMembers is Elements, then Members of each element.
	keys := []string{"id", "value", "x"}
	elems2, vals2, ok2 := ElementMembers(body, keys)
	if ok2 != ok || len(elems2) != len(elems) || len(vals2) != len(elems)*len(keys) {
		t.Fatalf("ElementMembers(%q): ok %v, %d elements, %d values; Elements gives ok %v, %d elements",
			body, ok2, len(elems2), len(vals2), ok, len(elems))
	}
	for i, e := range elems {
		want := make([][]byte, len(keys))
		Members(e, keys, want)
		if !bytes.Equal(elems2[i], e) || cap(elems2[i]) != len(elems2[i]) {
			t.Fatalf("ElementMembers(%q) element %d = %q, want %q", body, i, elems2[i], e)
		}
		for k := range keys {
			if got := vals2[i*len(keys)+k]; !bytes.Equal(got, want[k]) || (got == nil) != (want[k] == nil) {
				t.Fatalf("ElementMembers(%q) element %d %q = %q, Members gives %q", body, i, keys[k], got, want[k])
			}
		}
	}
	var m map[string]json.RawMessage
	isObj := json.Unmarshal(body, &m) == nil && m != nil
	if IsObject(body) != isObj {
		t.Fatalf("IsObject(%q) = %v, want %v", body, !isObj, isObj)
	}
	vals := make([][]byte, len(keys))
	if Members(body, keys, vals) != isObj {
		t.Fatalf("Members(%q) = %v, want %v", body, !isObj, isObj)
	}
	for k, key := range keys {
		raw, ok := Member(body, key)
		if !bytes.Equal(vals[k], raw) || (vals[k] != nil) != ok {
			t.Fatalf("Members(%q)[%q] = %q, Member gives %q, %v", body, key, vals[k], raw, ok)
		}
		want, has := m[key]
		if ok != (isObj && has) || (ok && !bytes.Equal(raw, want)) {
			t.Fatalf("Member(%q, %q) = %q, %v; want %q, %v", body, key, raw, ok, want, isObj && has)
		}
		if !ok {
			continue
		}
		var ws string
		wantErr := json.Unmarshal(want, &ws)
		s, sok := String(raw)
		if sok != (wantErr == nil) || s != ws {
			t.Fatalf("String(%q) = %q, %v; want %q, %v", raw, s, sok, ws, wantErr == nil)
		}
	}
}

func TestAgainstEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		check(t, []byte(s))
	}
}

func FuzzAgainstEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(check)
}

// samplePage is the published Okta System Log example: events of about
// 2 KB whose uuid comes near the end, the longest scan Member makes.
func samplePage(b *testing.B) []byte {
	body, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "vendor-samples", "okta", "logs-list.json"))
	if err != nil {
		b.Skip("vendor samples not available:", err)
	}
	return body
}

func BenchmarkElements(b *testing.B) {
	body := samplePage(b)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, ok := Elements(body); !ok {
			b.Fatal("not an array")
		}
	}
}

func BenchmarkMemberString(b *testing.B) {
	body := samplePage(b)
	elems, ok := Elements(body)
	if !ok || len(elems) == 0 {
		b.Fatal("no events")
	}
	n := 0
	for _, e := range elems {
		n += len(e)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, e := range elems {
			if _, ok := MemberString(e, "uuid"); !ok {
				b.Fatal("no uuid")
			}
		}
	}
}

// TestSkipStringAcrossWords: skipString reads eight bytes at a time, so
// strings of every length up to three words, with an escaped quote or an
// escaped backslash at every offset (and doubled), must end where
// strconv.QuotedPrefix says (these strings read the same in Go and JSON),
// or at the end of the input when they are not closed.
func TestSkipStringAcrossWords(t *testing.T) {
	for n := 0; n <= 24; n++ {
		for at := 0; at <= n; at++ {
			for _, esc := range []string{``, `\"`, `\\`, `\\\"`, `\\\\`, `\u0022`} {
				body := strings.Repeat("a", at) + esc + strings.Repeat("b", n-at)
				for _, tail := range []string{`"`, `", "x"`, ``} {
					b := `"` + body + tail
					want := len(b)
					if q, err := strconv.QuotedPrefix(b); err == nil {
						want = len(q)
					}
					if got := skipString([]byte(b), 0); got != want {
						t.Fatalf("skipString(%s) = %d, want %d", b, got, want)
					}
				}
			}
		}
	}
}

// BenchmarkSplitAndKey splits the published System Log page and reads each
// event's uuid and published time, in two passes (Elements, then Members
// of each event) and in one (ElementMembers).
func BenchmarkSplitAndKey(b *testing.B) {
	body := samplePage(b)
	keys := []string{"uuid", "published"}
	b.Run("two-passes", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		vals := make([][]byte, len(keys))
		for b.Loop() {
			elems, _ := Elements(body)
			for _, e := range elems {
				if !Members(e, keys, vals) || vals[0] == nil {
					b.Fatal("no uuid")
				}
			}
		}
	})
	b.Run("one-pass", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			elems, vals, _ := ElementMembers(body, keys)
			if len(elems) == 0 || vals[0] == nil {
				b.Fatal("no uuid")
			}
		}
	})
}
