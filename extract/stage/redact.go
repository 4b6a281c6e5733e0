package stage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/saaspipe/saaspipe/extract"
	"github.com/saaspipe/saaspipe/extract/jsonpage"
)

// Redacting returns a sink that removes the JSON object paths of
// extract.EntitySpec.Redact ("credentials.password") from every payload
// before handing the record to next, so that credentials and recovery data
// a vendor sends never reach a staged file. Without paths it returns next
// itself: entities that declare none pay nothing.
//
// The rest of the payload is kept byte for byte, member order and number
// text included: staged payloads are the vendor's JSON as received minus
// the declared fields. A payload that is not a JSON object, or not valid
// JSON along a declared path, fails the record rather than being staged
// unredacted.
func Redacting(next extract.Sink, paths []string) extract.Sink {
	if len(paths) == 0 {
		return next
	}
	r := &redactor{next: next}
	for _, p := range paths {
		r.paths = append(r.paths, strings.Split(p, "."))
	}
	return r
}

type redactor struct {
	next  extract.Sink
	paths [][]string
}

func (r *redactor) Emit(ctx context.Context, rec extract.Record) error {
	p := rec.Payload
	// A valid payload (every payload a connector gets from a page it has
	// validated) is searched by offsets alone; anything else goes through
	// json.Decoder, which reports where it stops being JSON.
	find := findMember
	if jsonpage.Valid(p) {
		find = findMemberValid
	}
	for _, path := range r.paths {
		// Most records of a vendor either carry a field or not; a key
		// written with escapes is rare but legal, so only a payload with
		// neither the key nor an escape skips the scan.
		if !bytes.Contains(p, []byte(path[0])) && !bytes.Contains(p, []byte(`\u`)) {
			continue
		}
		out, err := deletePath(p, path, find)
		if err != nil {
			return fmt.Errorf("redacting %s of record %s: %w", strings.Join(path, "."), rec.SourceID, err)
		}
		p = out
	}
	rec.Payload = p
	return r.next.Emit(ctx, rec)
}

// deletePath removes every member named path[0] of the object obj (or,
// with a longer path, redacts inside its object value) and returns the new
// bytes; obj itself is not modified. A path through a value that is not an
// object removes nothing.
func deletePath(obj []byte, path []string, find func([]byte, string) (member, bool, error)) ([]byte, error) {
	for {
		m, found, err := find(obj, path[0])
		if err != nil || !found {
			return obj, err
		}
		if len(path) > 1 {
			inner, err := deletePath(obj[m.valStart:m.valEnd], path[1:], find)
			if err != nil {
				return nil, err
			}
			if len(inner) == m.valEnd-m.valStart {
				// Nothing removed inside (an Okta app user's
				// credentials hold a userName, rarely a password):
				// obj stands as it is, not copied.
				return obj, nil
			}
			return splice(obj, m.valStart, m.valEnd, inner), nil
		}
		end := m.valEnd
		if m.first {
			// The first member has no comma before it: take the one
			// after it instead, if any.
			i := skipSpace(obj, end)
			if i < len(obj) && obj[i] == ',' {
				end = i + 1
			}
		}
		obj = splice(obj, m.start, end, nil)
	}
}

type member struct {
	start            int // after the previous value (or the brace): its comma is inside
	valStart, valEnd int
	first            bool
}

// findMember locates the first member named key of the JSON object obj.
func findMember(obj []byte, key string) (member, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	tok, err := dec.Token()
	if err != nil {
		return member{}, false, fmt.Errorf("payload is not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return member{}, false, nil
	}
	for i := 0; dec.More(); i++ {
		start := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return member{}, false, fmt.Errorf("payload is not JSON: %w", err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return member{}, false, fmt.Errorf("payload is not JSON: %w", err)
		}
		end := int(dec.InputOffset())
		if k, _ := tok.(string); k == key {
			return member{start: start, valStart: end - len(raw), valEnd: end, first: i == 0}, true, nil
		}
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return member{}, false, fmt.Errorf("payload is not JSON: %w", err)
	}
	return member{}, false, nil
}

// findMemberValid is findMember for obj known to be valid JSON.
func findMemberValid(obj []byte, key string) (member, bool, error) {
	if i := skipSpace(obj, 0); i >= len(obj) || obj[i] != '{' {
		return findMember(obj, key) // not an object: whatever the decoder says
	}
	sp, ok := jsonpage.First(obj, key)
	if !ok {
		return member{}, false, nil
	}
	return member{start: sp.After, valStart: sp.ValStart, valEnd: sp.ValEnd, first: sp.Index == 0}, true, nil
}

func splice(b []byte, from, to int, with []byte) []byte {
	out := make([]byte, 0, len(b)-(to-from)+len(with))
	out = append(out, b[:from]...)
	out = append(out, with...)
	return append(out, b[to:]...)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
