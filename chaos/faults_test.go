package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// outcome is what a fault allows a run to end with.
type outcome int

const (
	// mustComplete: a transient fault the HTTP layer rides out within its
	// retry budget, or a payload change a connector must tolerate.
	mustComplete outcome = iota
	// mayFail: the run either completes exactly or fails cleanly.
	mayFail
	// mustFail: completing would mean data the vendor never sent or a
	// listing cut short, so only a clean failure is right.
	mustFail
)

// fault is one kind of misbehaviour the injector plays.
type fault struct {
	name   string
	expect outcome
	// cause must match a failure's message (lower-cased), so that a run
	// that fails does so for the injected reason and says so.
	cause []string
	// statics overrides expect for connectors whose credentials cannot be
	// refreshed (only the expiring token needs it).
	statics outcome
}

// Bursts hit requests burstFrom..burstFrom+burstLen-1 of a run: after the
// first request, so that they land mid-paging, and fewer than the retry cap
// so that one request survives all of them.
const (
	burstFrom = 2
	burstLen  = 3
)

var faults = []fault{
	{name: "429 with Retry-After", expect: mustComplete},
	{name: "429 without Retry-After", expect: mustComplete},
	{name: "500 burst", expect: mustComplete},
	{name: "502 burst", expect: mustComplete},
	{name: "503 burst", expect: mustComplete},
	{name: "504 burst", expect: mustComplete},
	{name: "connection reset", expect: mustComplete},
	{name: "slower than timeout", expect: mustComplete},
	{name: "truncated body", expect: mustComplete},
	{name: "malformed JSON", expect: mayFail, cause: []string{"decod", "json", "unexpected end", "invalid character"}},
	{name: "token expires mid-paging", expect: mustComplete, statics: mayFail, cause: []string{"401"}},
	{name: "repeated cursor", expect: mustFail, cause: []string{"cursor", "repeat", "loop"}},
	{name: "empty page with next link", expect: mustComplete},
	{name: "duplicates across pages", expect: mustComplete},
	{name: "unknown fields", expect: mustComplete},
	{name: "missing fields", expect: mustComplete},
	{name: "record without id", expect: mustFail, cause: []string{"id"}},
}

// injector is the transport under the connector's HTTP layer: it forwards
// to the simulator and plays one fault. Counting is per run, over every
// attempt, retries included.
type injector struct {
	fault string
	next  http.RoundTripper
	reset string // address of a listener that resets every connection

	mu       sync.Mutex
	n        int               // attempts so far
	api      int               // API (non-token) attempts so far
	prev     map[string][]byte // last 2xx listing body per endpoint
	prevHdr  map[string]http.Header
	prevURL  map[string]*url.URL
	lastRec  map[string]json.RawMessage // last record of the previous page per endpoint
	fired    bool
	injected int
	paths    map[string]bool
}

const emptyMark = "chaosempty"

func newInjector(fault string, next http.RoundTripper, reset string) *injector {
	return &injector{fault: fault, next: next, reset: reset, prev: map[string][]byte{}, prevHdr: map[string]http.Header{}, prevURL: map[string]*url.URL{},
		lastRec: map[string]json.RawMessage{}, paths: map[string]bool{}}
}

// isToken tells OAuth token endpoints apart from the vendor API: payload
// faults target listings, not the credential exchange.
func isToken(r *http.Request) bool {
	p := strings.ToLower(r.URL.Path)
	return strings.Contains(p, "token") || strings.Contains(p, "oauth2")
}

// endpoint keys a listing across its pages: Salesforce's next pages are
// locator paths under the query path, with no query string.
func endpoint(r *http.Request) string {
	if r.URL.RawQuery == "" && strings.Contains(r.URL.Path, "/query/") {
		return path.Dir(r.URL.Path)
	}
	return r.URL.Path
}

func (in *injector) RoundTrip(req *http.Request) (*http.Response, error) {
	in.mu.Lock()
	in.n++
	n := in.n
	tok := isToken(req)
	if !tok {
		in.api++
	}
	api := in.api
	in.paths[req.URL.Path] = true
	ep := endpoint(req)
	in.mu.Unlock()

	burst := n >= burstFrom && n < burstFrom+burstLen
	switch in.fault {
	case "429 with Retry-After":
		if burst {
			return in.status(req, http.StatusTooManyRequests, "1")
		}
	case "429 without Retry-After":
		if burst {
			return in.status(req, http.StatusTooManyRequests, "")
		}
	case "500 burst", "502 burst", "503 burst", "504 burst":
		if burst {
			var code int
			fmt.Sscanf(in.fault, "%d", &code)
			return in.status(req, code, "")
		}
	case "connection reset":
		if burst {
			in.count()
			r := req.Clone(req.Context())
			r.URL.Host, r.Host = in.reset, in.reset
			return in.next.RoundTrip(r)
		}
	case "slower than timeout":
		if n >= burstFrom && n < burstFrom+2 {
			in.count()
			// A server that does not answer before the attempt's
			// deadline; the bound keeps a connector without a timeout
			// from hanging the suite for long.
			select {
			case <-req.Context().Done():
				return nil, req.Context().Err()
			case <-time.After(20 * time.Second):
			}
		}
	case "truncated body":
		if burst && !tok {
			resp, err := in.next.RoundTrip(req)
			if err != nil {
				return nil, err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, err
			}
			in.count()
			// The connection drops half-way through the declared length,
			// which net/http reports as an unexpected EOF.
			resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body[:len(body)/2]), errReader{io.ErrUnexpectedEOF}))
			return resp, nil
		}
	case "token expires mid-paging":
		if !tok && api == 2 && in.once() {
			return in.status(req, http.StatusUnauthorized, "")
		}
	}

	if strings.Contains(req.URL.String(), emptyMark) {
		r := req.Clone(req.Context())
		r.URL.RawQuery = strings.ReplaceAll(r.URL.RawQuery, emptyMark, "")
		r.URL.Path = strings.ReplaceAll(r.URL.Path, emptyMark, "")
		r.URL.RawPath = ""
		req = r
	}
	resp, err := in.next.RoundTrip(req)
	if err != nil || tok || resp.StatusCode/100 != 2 {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = in.payload(req, ep, resp.Header, body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// payload plays the faults that change a 2xx body.
func (in *injector) payload(req *http.Request, ep string, hdr http.Header, body []byte) []byte {
	in.mu.Lock()
	defer in.mu.Unlock()
	prev, hadPrev := in.prev[ep]
	prevHdr := in.prevHdr[ep]
	cursor := cursorOf(req, in.prevURL[ep], prev, prevHdr)
	in.prev[ep], in.prevHdr[ep], in.prevURL[ep] = body, hdr.Clone(), req.URL
	if cursor == "" {
		// A first page: a new listing starts on this endpoint.
		delete(in.lastRec, ep)
	}
	switch in.fault {
	case "malformed JSON":
		if !in.fired {
			in.fired = true
			in.injected++
			return body[:len(body)/2]
		}
	case "repeated cursor":
		// The vendor ignores the cursor and serves the previous page
		// again, next pointer included.
		if hadPrev && cursor != "" && !in.fired {
			in.fired = true
			in.injected++
			for k, v := range prevHdr {
				hdr[k] = v
			}
			return prev
		}
	case "empty page with next link":
		// The page reached through a cursor comes back empty with a next
		// pointer that leads to the same page again (marked so that the
		// injector can tell): nothing may be lost or looped on.
		if c := cursor; hadPrev && c != "" && !in.fired {
			in.fired = true
			in.injected++
			in.prev[ep] = prev
			hdr.Del("Link")
			for _, l := range prevHdr.Values("Link") {
				hdr.Add("Link", strings.ReplaceAll(l, c, c+emptyMark))
			}
			return mapRecords(prev, func(key string, recs []json.RawMessage) []json.RawMessage { return nil }, func(s string) string {
				return strings.ReplaceAll(s, c, c+emptyMark)
			})
		}
	case "duplicates across pages":
		last := in.lastRec[ep]
		return mapRecords(body, func(key string, recs []json.RawMessage) []json.RawMessage {
			if len(recs) > 0 {
				in.lastRec[ep] = recs[len(recs)-1]
			}
			if last == nil {
				return recs
			}
			in.injected++
			return append([]json.RawMessage{last}, recs...)
		}, nil)
	case "unknown fields":
		in.injected++
		return addField(body)
	case "missing fields":
		return mapRecords(body, func(key string, recs []json.RawMessage) []json.RawMessage {
			for i := range recs {
				recs[i] = dropKeys(recs[i], sqlFields)
			}
			in.injected++
			return recs
		}, nil)
	case "record without id":
		if in.fired {
			return body
		}
		return mapRecords(body, func(key string, recs []json.RawMessage) []json.RawMessage {
			for i := range recs {
				if in.fired {
					break
				}
				if r := dropKeys(recs[i], map[string]bool{"id": true, "Id": true}); !bytes.Equal(r, recs[i]) {
					recs[i], in.fired = r, true
					in.injected++
				}
			}
			return recs
		}, nil)
	}
	return body
}

func (in *injector) once() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.fired {
		return false
	}
	in.fired = true
	in.injected++
	return true
}

func (in *injector) count() {
	in.mu.Lock()
	in.injected++
	in.mu.Unlock()
}

// status answers req itself, as a vendor's edge would.
func (in *injector) status(req *http.Request, code int, retryAfter string) (*http.Response, error) {
	in.count()
	h := http.Header{"Content-Type": {"application/json"}}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	body := fmt.Sprintf(`{"error":"chaos %d"}`, code)
	return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), Header: h,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// cursorOf returns the value in req's URL (a query value or, for locator
// paths, the last path element) that is new since the previous request to
// the endpoint and that the previous page handed out in its next pointer
// (Link header or a string outside the records), or "" for a first page.
func cursorOf(req *http.Request, prevURL *url.URL, prev []byte, prevHdr http.Header) string {
	if prev == nil || prevURL == nil {
		return ""
	}
	var cands []string
	old := prevURL.Query()
	for k, vs := range req.URL.Query() {
		if len(vs) == 1 && (len(old[k]) != 1 || old[k][0] != vs[0]) {
			cands = append(cands, vs[0])
		}
	}
	if b := path.Base(req.URL.Path); b != path.Base(prevURL.Path) {
		cands = append(cands, b)
	}
	link := strings.Join(prevHdr.Values("Link"), ",")
	for _, c := range cands {
		if len(c) < 4 {
			continue // page numbers and flags, not cursors
		}
		if strings.Contains(link, c) || pointerContains(prev, c) {
			return c
		}
	}
	return ""
}

// pointerContains reports whether a string of page, outside its record
// arrays, contains s: where next pointers live.
func pointerContains(page []byte, s string) bool {
	found := false
	mapRecords(page, func(_ string, r []json.RawMessage) []json.RawMessage { return r }, func(x string) string {
		if strings.Contains(x, s) {
			found = true
		}
		return x
	})
	return found
}

func walk(v any, f func(string) string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = walk(e, f)
		}
	case []any:
		for i, e := range x {
			x[i] = walk(e, f)
		}
	case string:
		return f(x)
	}
	return v
}

// mapRecords finds the record arrays of a listing page — the page itself
// when it is an array of objects, else every top-level array of objects —
// and replaces each by recs(key, records); strs, when set, rewrites every
// other string of the page. Numbers keep their text.
func mapRecords(body []byte, recs func(key string, r []json.RawMessage) []json.RawMessage, strs func(string) string) []byte {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal(trimmed, &arr) != nil || !objects(arr) {
			return body
		}
		out, _ := json.Marshal(recs("", arr))
		if string(out) == "null" {
			out = []byte("[]")
		}
		return out
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(trimmed, &obj) != nil {
		return body
	}
	for k, raw := range obj {
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) == nil && objects(arr) {
			b, _ := json.Marshal(recs(k, arr))
			if b == nil || string(b) == "null" {
				b = []byte("[]")
			}
			obj[k] = b
			continue
		}
		if strs != nil {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var v any
			if dec.Decode(&v) == nil {
				obj[k], _ = json.Marshal(walk(v, strs))
			}
		}
	}
	out, _ := json.Marshal(obj)
	return out
}

func objects(arr []json.RawMessage) bool {
	if len(arr) == 0 {
		return false
	}
	for _, r := range arr {
		if t := bytes.TrimSpace(r); len(t) == 0 || t[0] != '{' {
			return false
		}
	}
	return true
}

// sqlFields are attributes the staging SQL reads that no connector needs
// to page or to name a record: a vendor omitting them must not stop the
// run (the SQL reads them as NULL).
var sqlFields = map[string]bool{
	"email": true, "status": true, "profile": true, "lastLogin": true, "displayName": true, "mail": true,
	"primaryEmail": true, "lastLoginTime": true, "real_name": true, "deleted": true, "is_admin": true,
	"accountEnabled": true, "Email": true, "IsActive": true, "LastLoginDate": true, "Username": true,
	"created": true, "created_at": true, "last_login_time": true, "signInActivity": true, "suspended": true,
	"isAdmin": true, "label": true, "jobTitle": true, "department": true, "userType": true,
}

func dropKeys(rec json.RawMessage, keys map[string]bool) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(rec, &m) != nil {
		return rec
	}
	changed := false
	for k := range m {
		if keys[k] {
			delete(m, k)
			changed = true
		}
	}
	if !changed {
		return rec
	}
	out, _ := json.Marshal(m)
	return out
}

// addField adds an unknown field to every object of a JSON document, as a
// vendor extending its schema would.
func addField(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return body
	}
	var add func(any)
	add = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			keyed := len(x) > 0
			for _, e := range x {
				add(e)
				if _, ok := e.(map[string]any); !ok {
					keyed = false
				}
			}
			// An object of objects is a map keyed by id (Slack's
			// billable_info): a new key there would be a new record, not
			// a new field.
			if !keyed {
				x["chaos_unknown_field"] = map[string]any{"added": []any{1, "x", nil}}
			}
		case []any:
			for _, e := range x {
				add(e)
			}
		}
	}
	add(v)
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// resetListener accepts connections and resets each at once (SO_LINGER 0),
// so that clients see a real ECONNRESET or EOF.
func resetListener(ctx context.Context) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
		}
	}()
	return ln.Addr().String(), func() { ln.Close() }, nil
}
