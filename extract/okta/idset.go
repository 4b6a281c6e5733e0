package okta

// idSet is the set of user ids one listing run has emitted. It holds every
// id of the tenant, so it is kept small: an Okta id is 20 characters of
// [0-9A-Za-z], and such an id is stored exactly as 15 bytes (6 bits a
// character) with no string behind it; any other id is stored as it is.
type idSet struct {
	packed map[[15]byte]struct{}
	other  map[string]struct{}
}

// add records id and reports whether it was new.
func (s *idSet) add(id string) bool {
	if k, ok := packID(id); ok {
		if s.packed == nil {
			s.packed = map[[15]byte]struct{}{}
		}
		if _, dup := s.packed[k]; dup {
			return false
		}
		s.packed[k] = struct{}{}
		return true
	}
	if s.other == nil {
		s.other = map[string]struct{}{}
	}
	if _, dup := s.other[id]; dup {
		return false
	}
	s.other[id] = struct{}{}
	return true
}

// packID packs a 20-character [0-9A-Za-z] id into 15 bytes, four
// characters to three bytes; ok is false for any other id. Distinct ids
// give distinct keys.
func packID(id string) (k [15]byte, ok bool) {
	if len(id) != 20 {
		return k, false
	}
	for g := range 5 {
		var v uint32
		for _, c := range []byte(id[4*g : 4*g+4]) {
			var d byte
			switch {
			case '0' <= c && c <= '9':
				d = c - '0'
			case 'A' <= c && c <= 'Z':
				d = c - 'A' + 10
			case 'a' <= c && c <= 'z':
				d = c - 'a' + 36
			default:
				return k, false
			}
			v = v<<6 | uint32(d)
		}
		k[3*g], k[3*g+1], k[3*g+2] = byte(v>>16), byte(v>>8), byte(v)
	}
	return k, true
}
