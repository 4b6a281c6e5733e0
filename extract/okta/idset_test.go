package okta

import (
	"math/rand/v2"
	"testing"
)

func TestIDSet(t *testing.T) {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	rng := rand.New(rand.NewPCG(1, 2))
	var s idSet
	seen := map[string]bool{}
	keys := map[[15]byte]string{}
	for range 50_000 {
		b := []byte("00u")
		for range 17 {
			b = append(b, chars[rng.IntN(len(chars))])
		}
		// Ids that differ in one character, the case of one, or its
		// position must stay apart.
		for _, id := range []string{string(b), string(b[:19]) + "z", string(b[:19]) + "Z", "00U" + string(b[3:])} {
			if k, ok := packID(id); ok {
				if prev, clash := keys[k]; clash && prev != id {
					t.Fatalf("%s and %s pack alike", prev, id)
				}
				keys[k] = id
			} else {
				t.Fatalf("%s did not pack", id)
			}
			if got := s.add(id); got == seen[id] {
				t.Fatalf("add(%s) = %v, seen before: %v", id, got, seen[id])
			}
			seen[id] = true
		}
	}
	for _, id := range []string{"", "short", "00u-with-a-dash-1234", "00uÅÅÅÅÅÅÅÅÅ", "a-very-long-id-of-another-vendor-shape"} {
		if _, ok := packID(id); ok && len(id) != 20 {
			t.Fatalf("%q packed", id)
		}
		if !s.add(id) || s.add(id) {
			t.Fatalf("%q: first add must be new, the second a duplicate", id)
		}
	}
}
