package httpx

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// page is a JSON body of about 40 KB whose every byte says which one it is.
func page(n int) string {
	return fmt.Sprintf(`{"n":%d,"pad":%q,"rec":{"n":%d}}`, n, strings.Repeat(fmt.Sprint(n%10), 40<<10), n)
}

// pages is a fake vendor answering page(0) … page(n-1) to GETs of /page,
// and a client for it.
func pages(t *testing.T, n int) (*script, *http.Client) {
	steps := make([]http.HandlerFunc, n)
	for i := range steps {
		steps[i] = reply(200, page(i))
	}
	return newScript(t, http.MethodGet, "/page", steps...), newClient(Options{Vendor: "test"}, newFakeClock().clock())
}

// TestReleaseRecycles: a body released after GetJSON into a
// *json.RawMessage is what a later response is read into (sync.Pool may
// drop some, so over many rounds), and what the caller decoded from it
// before releasing it stays as it was.
func TestReleaseRecycles(t *testing.T) {
	const rounds = 40
	s, c := pages(t, rounds)
	reused := 0
	var prev *byte
	var kept []string
	for i := range rounds {
		var raw json.RawMessage
		if _, err := GetJSON(t.Context(), c, s.URL(), nil, &raw); err != nil {
			t.Fatal(err)
		}
		if string(raw) != page(i) {
			t.Fatalf("round %d: body %.40q…, want %.40q…", i, raw, page(i))
		}
		if &raw[:1][0] == prev {
			reused++
		}
		prev = &raw[:1][0]
		var v struct{ Rec json.RawMessage }
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, string(v.Rec))
		Release(raw)
	}
	if reused == 0 {
		t.Errorf("no body of %d was read into a released one", rounds)
	}
	for i, k := range kept {
		if want := fmt.Sprintf(`{"n":%d}`, i); k != want {
			t.Errorf("round %d: decoded %s, want %s", i, k, want)
		}
	}
}

// TestDoJSONReleasesDecodedBodies: a body DoJSON decodes into a struct goes
// back to the pool, the response no longer serves it, and the decoded
// values (strings, json.RawMessage) do not change when later responses
// reuse it.
func TestDoJSONReleasesDecodedBodies(t *testing.T) {
	const rounds = 20
	s, c := pages(t, rounds)
	type decoded struct {
		N   int             `json:"n"`
		Pad string          `json:"pad"`
		Rec json.RawMessage `json:"rec"`
	}
	var got []decoded
	for i := range rounds {
		var v decoded
		resp, err := GetJSON(t.Context(), c, s.URL(), nil, &v)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Body != http.NoBody {
			t.Fatalf("round %d: the response still serves its released body", i)
		}
		got = append(got, v)
	}
	for i, v := range got {
		if v.N != i || v.Pad != strings.Repeat(fmt.Sprint(i%10), 40<<10) || string(v.Rec) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("round %d: decoded n=%d rec=%s pad %.8q…, changed by later responses", i, v.N, v.Rec, v.Pad)
		}
	}
}
