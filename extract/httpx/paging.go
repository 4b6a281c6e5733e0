package httpx

import (
	"fmt"
	"hash/maphash"
	"net/http"
	"net/url"
	"strings"
)

// NextLink returns the URL of the RFC 8288 Link header entry with rel="next",
// or "" when there is none. It reads every Link header line and every
// comma-separated link-value in them, accepts quoted and unquoted rel values,
// rel lists ("next last") in any case, and parameters in any order; only the
// first rel parameter of a link counts, as RFC 8288 §3.3 requires. The URL
// is returned as written, possibly relative; NextURL resolves it.
func NextLink(h http.Header) string {
	for _, line := range h.Values("Link") {
		if u, ok := nextInLine(line); ok {
			return u
		}
	}
	return ""
}

// NextURL returns resp's rel="next" link resolved against the URL of the
// request that produced resp, or "" when there is none or it does not parse.
func NextURL(resp *http.Response) string {
	next := NextLink(resp.Header)
	if next == "" || resp.Request == nil || resp.Request.URL == nil {
		return next
	}
	ref, err := url.Parse(next)
	if err != nil {
		return ""
	}
	return resp.Request.URL.ResolveReference(ref).String()
}

// nextInLine scans one Link header line. A malformed link-value is skipped
// up to the next comma outside brackets and quotes, so one bad entry does not
// hide a good one.
func nextInLine(s string) (string, bool) {
	i := 0
	for i < len(s) {
		i = skipSpaceAndCommas(s, i)
		if i >= len(s) {
			break
		}
		if s[i] != '<' {
			i = skipToComma(s, i)
			continue
		}
		end := strings.IndexByte(s[i+1:], '>')
		if end < 0 {
			return "", false
		}
		target := s[i+1 : i+1+end]
		i += end + 2
		isNext := false
		relSeen := false
		for {
			i = skipOWS(s, i)
			if i >= len(s) || s[i] == ',' {
				break
			}
			if s[i] != ';' {
				i = skipToComma(s, i)
				break
			}
			i = skipOWS(s, i+1)
			start := i
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			name := s[start:i]
			i = skipOWS(s, i)
			var value string
			if i < len(s) && s[i] == '=' {
				i = skipOWS(s, i+1)
				value, i = paramValue(s, i)
			}
			if name == "" {
				i = skipToComma(s, i)
				break
			}
			if strings.EqualFold(name, "rel") && !relSeen {
				relSeen = true
				for _, rel := range strings.Fields(value) {
					if strings.EqualFold(rel, "next") {
						isNext = true
					}
				}
			}
		}
		// An empty target would name the current page again: it is no way
		// forward, so the search goes on.
		if isNext && target != "" {
			return target, true
		}
	}
	return "", false
}

// paramValue reads a token or a quoted-string (with backslash escapes)
// starting at i.
func paramValue(s string, i int) (string, int) {
	if i < len(s) && s[i] == '"' {
		var b strings.Builder
		i++
		for i < len(s) {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s):
				b.WriteByte(s[i+1])
				i += 2
			case c == '"':
				return b.String(), i + 1
			default:
				b.WriteByte(c)
				i++
			}
		}
		return b.String(), i
	}
	start := i
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return s[start:i], i
}

func skipOWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func skipSpaceAndCommas(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
		i++
	}
	return i
}

// skipToComma moves past the rest of a malformed link-value: to the next
// comma that is not inside a quoted string or angle brackets.
func skipToComma(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ',':
			return i + 1
		case '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end >= 0 {
				i += end
			} else {
				return len(s)
			}
		}
		i++
	}
	return i
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// DefaultMaxPages is PageGuard's page cap when MaxPages is zero: a listing of
// a million pages (hundreds of millions of records) is beyond any tenant
// saaspipe reads, so hitting it means a vendor is paging without end.
const DefaultMaxPages = 1_000_000

// PageGuard stops paging loops: Seen returns ErrCursorLoop (wrapped with the
// cursor's position) when a cursor or next URL was already followed.
//
// It remembers a 64-bit hash of every cursor, not the cursor itself: cursors
// and next URLs can be kilobytes long, a hash is eight bytes, and a collision
// among a million pages has a probability near 10⁻⁸. Remembering all of them
// (rather than the last few) catches loops of any length, and the page cap
// bounds the memory at a few tens of megabytes for even an endless listing.
// The zero value is ready to use; a PageGuard is not safe for concurrent use.
type PageGuard struct {
	// MaxPages caps the pages of one listing (0: DefaultMaxPages); Seen fails
	// with ErrPageLimit beyond it.
	MaxPages int

	seed  maphash.Seed
	seen  map[uint64]int
	pages int
}

// Seen records cursor and fails if it was seen before.
func (g *PageGuard) Seen(cursor string) error {
	if g.seen == nil {
		g.seed = maphash.MakeSeed()
		g.seen = make(map[uint64]int)
	}
	limit := g.MaxPages
	if limit <= 0 {
		limit = DefaultMaxPages
	}
	page := g.pages + 1
	h := maphash.String(g.seed, cursor)
	if n, ok := g.seen[h]; ok {
		return fmt.Errorf("page %d repeats the cursor of page %d: %w", page, n, ErrCursorLoop)
	}
	if page > limit {
		return fmt.Errorf("page %d is past the cap of %d pages: %w", page, limit, ErrPageLimit)
	}
	g.seen[h] = page
	g.pages = page
	return nil
}
