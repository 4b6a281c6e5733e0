package stage

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/saaspipe/saaspipe/extract"
)

func TestRedacting(t *testing.T) {
	okta := []string{"credentials.password", "credentials.recovery_question"}
	tests := []struct {
		name    string
		paths   []string
		in      string
		want    string
		wantErr bool
	}{
		{"okta user keeps provider and order", okta,
			`{"id":"00u1","credentials":{"password":{"value":"hunter2"},"recovery_question":{"question":"pet?","answer":"rex"},"provider":{"type":"OKTA","name":"OKTA"}},"n":1.50}`,
			`{"id":"00u1","credentials":{"provider":{"type":"OKTA","name":"OKTA"}},"n":1.50}`, false},
		{"first, middle and last members", []string{"a", "c", "e"},
			`{ "a" : 1 , "b":2, "c":[3], "d":{}, "e":"x" }`, `{  "b":2, "d":{} }`, false},
		{"only member", []string{"a"}, `{"a":{"b":1}}`, `{}`, false},
		{"duplicate keys all go", []string{"a"}, `{"a":1,"b":2,"a":3}`, `{"b":2}`, false},
		{"escaped key", []string{"password"}, `{"p\u0061ssword":"x","k":1}`, `{"k":1}`, false},
		{"absent path", okta, `{"id":"x","profile":{"credentials":"not top level"}}`, `{"id":"x","profile":{"credentials":"not top level"}}`, false},
		{"path through a non-object", okta, `{"credentials":"opaque"}`, `{"credentials":"opaque"}`, false},
		{"same name deeper stays", []string{"password"}, `{"profile":{"password":"keep"},"password":"drop"}`, `{"profile":{"password":"keep"}}`, false},
		{"not JSON fails", []string{"password"}, `{"password":`, ``, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []extract.Record
			sink := Redacting(extract.SinkFunc(func(_ context.Context, r extract.Record) error {
				got = append(got, r)
				return nil
			}), tt.paths)
			in := []byte(tt.in)
			err := sink.Emit(context.Background(), extract.Record{SourceID: "r1", Payload: in})
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "r1") {
					t.Fatalf("err = %v, want one naming the record", err)
				}
				if len(got) != 0 {
					t.Fatal("an unredactable record was passed on")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got[0].Payload) != tt.want {
				t.Errorf("payload = %s, want %s", got[0].Payload, tt.want)
			}
			if !json.Valid(got[0].Payload) {
				t.Errorf("payload %s is not JSON", got[0].Payload)
			}
			if string(in) != tt.in {
				t.Errorf("the caller's payload was modified: %s", in)
			}
		})
	}
}

// TestRedactingPassesUntouchedPayloadsOn: a payload holding the parent of a
// declared path but not the path itself (an Okta app user's credentials
// with only a userName) reaches the next sink as the same bytes, not a copy.
func TestRedactingPassesUntouchedPayloadsOn(t *testing.T) {
	var got []byte
	sink := Redacting(extract.SinkFunc(func(_ context.Context, r extract.Record) error {
		got = r.Payload
		return nil
	}), []string{"credentials.password"})
	in := []byte(`{"id":"00u1","scope":"USER","credentials":{"userName":"ann@acme.example"}}`)
	if err := sink.Emit(context.Background(), extract.Record{SourceID: "0oa1/00u1", Payload: in}); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(in) || &got[0] != &in[0] {
		t.Errorf("payload %s passed on as a copy (or changed); want the caller's bytes", got)
	}
}

func TestRedactingWithoutPathsIsTheSinkItself(t *testing.T) {
	w := &Writer{}
	if Redacting(w, nil) != extract.Sink(w) {
		t.Fatal("an entity without declared paths must not pay for redaction")
	}
}

func BenchmarkRedactOktaUser(b *testing.B) {
	payload := []byte(`{"id":"00u118oQYT4TBGuay0g4","status":"ACTIVE","created":"2022-04-04T15:56:05.000Z","profile":{"firstName":"Alice","lastName":"Smith","login":"alice.smith@example.com","email":"alice.smith@example.com"},"credentials":{"password":{},"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"self":{"href":"https://x.okta.com/api/v1/users/00u118oQYT4TBGuay0g4"}}}`)
	sink := Redacting(extract.SinkFunc(func(context.Context, extract.Record) error { return nil }), []string{"credentials.password", "credentials.recovery_question"})
	b.ReportAllocs()
	for b.Loop() {
		if err := sink.Emit(context.Background(), extract.Record{SourceID: "x", Payload: payload}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzRedacting: for any payload, redaction never panics; for a JSON
// object it yields a JSON object without the declared members and with
// every other member unchanged.
func FuzzRedacting(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","credentials":{"password":{"value":"x"},"provider":{"type":"OKTA"}}}`,
		`{"credentials":{"recovery_question":{}},"credentials":1}`,
		`{ "a" : [1,{"credentials":2}] , "credentials" : null }`,
		`{"cr\u0065dentials":{"password":"x"}}`,
		`[{"credentials":{}}]`, `{"credentials":`, `{}`, `"credentials"`,
	} {
		f.Add([]byte(s))
	}
	paths := []string{"credentials.password", "credentials.recovery_question", "secret"}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var got []byte
		sink := Redacting(extract.SinkFunc(func(_ context.Context, r extract.Record) error {
			got = r.Payload
			return nil
		}), paths)
		err := sink.Emit(context.Background(), extract.Record{SourceID: "r", Payload: payload})
		var in map[string]json.RawMessage
		if json.Unmarshal(payload, &in) != nil || in == nil {
			return
		}
		if err != nil {
			t.Fatalf("a JSON object failed redaction: %v", err)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(got, &out); err != nil {
			t.Fatalf("redacted %s into invalid JSON %s: %v", payload, got, err)
		}
		if _, ok := out["secret"]; ok {
			t.Fatalf("secret survived: %s", got)
		}
		var cred map[string]json.RawMessage
		if json.Unmarshal(out["credentials"], &cred) == nil {
			if _, ok := cred["password"]; ok {
				t.Fatalf("credentials.password survived: %s", got)
			}
		}
		for k, v := range in {
			if k == "secret" || k == "credentials" {
				continue
			}
			if string(out[k]) != string(v) {
				t.Fatalf("member %q changed from %s to %s", k, v, out[k])
			}
		}
	})
}

// FuzzFindMemberValid: on valid JSON the offset scanner finds exactly what
// json.Decoder finds.
func FuzzFindMemberValid(f *testing.F) {
	for _, s := range []string{
		`{ "a" : 1 , "b":2, "c":[3], "d":{}, "e":"x" }`, `{"p\u0061ssword":"x","k":1}`, `{"a":1,"b":2,"a":3}`,
		`{"credentials":{"password":{"value":"x"}}}`, `[1]`, `"a"`, `{}`, ` { "a" : { "a" : 1 } } `,
	} {
		f.Add([]byte(s), "a")
	}
	f.Fuzz(func(t *testing.T, obj []byte, key string) {
		if !json.Valid(obj) {
			return
		}
		want, wok, werr := findMember(obj, key)
		got, gok, gerr := findMemberValid(obj, key)
		if (werr == nil) != (gerr == nil) || gok != wok || got != want {
			t.Fatalf("findMemberValid(%q, %q) = %+v %v %v; findMember = %+v %v %v", obj, key, got, gok, gerr, want, wok, werr)
		}
	})
}

// BenchmarkRedacting redacts Okta's two credential paths from a ~1 KB user.
func BenchmarkRedacting(b *testing.B) {
	user := []byte(`{"id":"00u1a2b3c4d5e6f7g8h9","status":"ACTIVE","created":"2024-01-01T08:00:00.000Z","activated":"2024-01-01T09:00:00.000Z","statusChanged":"2024-01-01T09:00:00.000Z","lastLogin":"2026-11-27T10:11:12.000Z","lastUpdated":"2026-11-27T10:11:12.000Z","passwordChanged":"2024-01-01T09:03:00.000Z","type":{"id":"otyabcdefghijklmnopq"},"profile":{"firstName":"Ada","lastName":"Lovelace","mobilePhone":null,"secondEmail":"ada@acme-uk.example","login":"ada.lovelace@acme.example","email":"ada.lovelace@acme.example","displayName":"Ada Lovelace","nickName":null,"title":"Engineer","department":"Engineering","employeeNumber":"E01234","costCenter":"CC-100","organization":"Acme Inc.","userType":"Employee","manager":"Grace Hopper","managerId":"00u9z8y7x6w5v4u3t2s1","city":"London","countryCode":"GB"},"credentials":{"password":{},"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"self":{"href":"https://acme.okta.example/api/v1/users/00u1a2b3c4d5e6f7g8h9"}}}`)
	sink := Redacting(extract.SinkFunc(func(context.Context, extract.Record) error { return nil }),
		[]string{"credentials.password", "credentials.recovery_question"})
	b.ReportAllocs()
	b.SetBytes(int64(len(user)))
	for b.Loop() {
		if err := sink.Emit(context.Background(), extract.Record{SourceID: "u", Payload: user}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRedactOktaAppUser(b *testing.B) {
	payload := []byte(`{"id":"00u118oQYT4TBGuay0g4","scope":"USER","status":"ACTIVE","created":"2022-04-04T15:56:05.000Z","credentials":{"userName":"alice.smith@example.com"},"profile":{"email":"alice.smith@example.com"},"_links":{"app":{"href":"https://x.okta.com/api/v1/apps/0oa1"},"user":{"href":"https://x.okta.com/api/v1/users/00u118oQYT4TBGuay0g4"}}}`)
	sink := Redacting(extract.SinkFunc(func(context.Context, extract.Record) error { return nil }), []string{"credentials.password"})
	b.ReportAllocs()
	for b.Loop() {
		if err := sink.Emit(context.Background(), extract.Record{SourceID: "x", Payload: payload}); err != nil {
			b.Fatal(err)
		}
	}
}
