package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestNextLink(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{
			name:  "okta self and next as separate headers",
			lines: []string{`<https://x.okta.com/api/v1/users?limit=200>; rel="self"`, `<https://x.okta.com/api/v1/users?after=00ubfjQEMYBLRUWIEDKK&limit=200>; rel="next"`},
			want:  "https://x.okta.com/api/v1/users?after=00ubfjQEMYBLRUWIEDKK&limit=200",
		},
		{
			name:  "github comma-separated in one header",
			lines: []string{`<https://api.github.com/orgs/o/members?page=2>; rel="next", <https://api.github.com/orgs/o/members?page=5>; rel="last"`},
			want:  "https://api.github.com/orgs/o/members?page=2",
		},
		{
			name:  "next after prev and first",
			lines: []string{`<https://api.github.com/r?page=1>; rel="prev", <https://api.github.com/r?page=1>; rel="first", <https://api.github.com/r?page=3>; rel="next"`},
			want:  "https://api.github.com/r?page=3",
		},
		{name: "unquoted rel", lines: []string{`<https://webexapis.com/v1/people?cursor=abc>; rel=next`}, want: "https://webexapis.com/v1/people?cursor=abc"},
		{name: "rel list", lines: []string{`<https://h/p?page=9>; rel="next last"`}, want: "https://h/p?page=9"},
		{name: "rel case-insensitive", lines: []string{`<https://h/p?page=2>; REL="Next"`}, want: "https://h/p?page=2"},
		{name: "params in any order", lines: []string{`<https://h/p?page=2>; title="page, two; of many"; type="application/json"; rel="next"`}, want: "https://h/p?page=2"},
		{name: "no space around semicolons", lines: []string{`<https://h/a>;rel=prev,<https://h/b>;rel=next`}, want: "https://h/b"},
		{name: "comma inside the URL", lines: []string{`<https://h/p?fields=a,b&page=2>; rel="next"`}, want: "https://h/p?fields=a,b&page=2"},
		{name: "escaped quote in a param", lines: []string{`<https://h/a>; title="say \"hi\", rel=next"; rel=prev, <https://h/b>; rel=next`}, want: "https://h/b"},
		{name: "only the first rel counts", lines: []string{`<https://h/a>; rel=prev; rel=next`}, want: ""},
		{name: "relative reference kept as written", lines: []string{`</api/v1/users?after=x>; rel="next"`}, want: "/api/v1/users?after=x"},
		{name: "next-archive is not next", lines: []string{`<https://h/a>; rel="next-archive"`}, want: ""},
		{name: "empty next skipped", lines: []string{`<>; rel=next`, `<https://h/2>; rel=next`}, want: "https://h/2"},
		{name: "no next", lines: []string{`<https://h/a>; rel="self"`}, want: ""},
		{name: "no header", want: ""},
		{name: "malformed entry skipped", lines: []string{`garbage; rel=next, <https://h/b>; rel="next"`}, want: "https://h/b"},
		{name: "unterminated URL", lines: []string{`<https://h/a; rel=next`}, want: ""},
		{name: "first of two nexts", lines: []string{`<https://h/1>; rel=next`, `<https://h/2>; rel=next`}, want: "https://h/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, l := range tc.lines {
				h.Add("Link", l)
			}
			if got := NextLink(h); got != tc.want {
				t.Errorf("NextLink = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNextURLResolves(t *testing.T) {
	req := &http.Request{URL: &url.URL{Scheme: "https", Host: "x.okta.com", Path: "/api/v1/users", RawQuery: "limit=2"}}
	resp := &http.Response{Request: req, Header: http.Header{"Link": {`</api/v1/users?after=abc&limit=2>; rel="next"`}}}
	if got, want := NextURL(resp), "https://x.okta.com/api/v1/users?after=abc&limit=2"; got != want {
		t.Errorf("NextURL = %q, want %q", got, want)
	}
}

func FuzzNextLink(f *testing.F) {
	f.Add(`<https://h/p?page=2>; rel="next", <https://h/p?page=5>; rel="last"`, "https://h/x?a=1,2")
	f.Add(`<a>; rel=prev; title="x, y", <b>;rel="next last"`, "b")
	f.Add(`<>; rel=next`, "")
	f.Add(`"<x>"; rel=next, <y`, `q"r`)
	f.Fuzz(func(t *testing.T, raw, target string) {
		// Whatever the input, a result must have been written between angle
		// brackets in it.
		first := NextLink(http.Header{"Link": {raw}})
		if first != "" && !strings.Contains(raw, "<"+first+">") {
			t.Fatalf("NextLink(%q) = %q, which is not a bracketed URL of the input", raw, first)
		}
		if strings.ContainsAny(target, "<>") {
			return
		}
		// A well-formed next link on a later header line is found whenever
		// the junk before it holds none: one bad line hides nothing.
		h := http.Header{"Link": {raw, `<` + target + `>; rel="next"`}}
		want := first
		if want == "" {
			want = target
		}
		if got := NextLink(h); got != want {
			t.Fatalf("NextLink(%q, <%s>; rel=next) = %q, want %q", raw, target, got, want)
		}
	})
}

func TestPageGuard(t *testing.T) {
	tests := []struct {
		name     string
		maxPages int
		cursors  []string
		wantErr  error
		failAt   int // index of the cursor that fails
	}{
		{name: "distinct cursors", cursors: []string{"a", "b", "c", ""}},
		{name: "immediate repeat", cursors: []string{"a", "b", "b"}, wantErr: ErrCursorLoop, failAt: 2},
		{name: "long loop", cursors: []string{"https://h/p?after=1", "https://h/p?after=2", "https://h/p?after=3", "https://h/p?after=1"}, wantErr: ErrCursorLoop, failAt: 3},
		{name: "page cap", maxPages: 3, cursors: []string{"a", "b", "c", "d"}, wantErr: ErrPageLimit, failAt: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := PageGuard{MaxPages: tc.maxPages}
			for i, c := range tc.cursors {
				err := g.Seen(c)
				if tc.wantErr != nil && i == tc.failAt {
					if !errors.Is(err, tc.wantErr) {
						t.Fatalf("Seen(%q) = %v, want %v", c, err, tc.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatalf("Seen(%q) = %v at %d", c, err, i)
				}
			}
			if tc.wantErr != nil {
				t.Fatalf("no error, want %v", tc.wantErr)
			}
		})
	}
}

func TestPageGuardMessage(t *testing.T) {
	var g PageGuard
	for _, c := range []string{"x", "y", "z"} {
		if err := g.Seen(c); err != nil {
			t.Fatal(err)
		}
	}
	err := g.Seen("y")
	if want := "page 4 repeats the cursor of page 2"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Seen = %v, want %q", err, want)
	}
}

func BenchmarkPageGuard(b *testing.B) {
	cursors := make([]string, 1<<16)
	for i := range cursors {
		cursors[i] = fmt.Sprintf("https://x.okta.com/api/v1/logs?after=%024d&limit=1000", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		var g PageGuard
		for _, c := range cursors {
			if err := g.Seen(c); err != nil {
				b.Fatal(err)
			}
		}
	}
}
