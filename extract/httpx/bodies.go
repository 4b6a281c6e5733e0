package httpx

import "sync"

// bodies recycles the buffers response bodies are read into. A listing
// reads hundreds of pages of up to a few MB each: at 10,000 people that was
// 0.85 GB of fresh buffers per run, each zeroed (and, fresh from the
// kernel, faulted in) before the body was read into it.
var bodies sync.Pool // of *[]byte

// minRecycled is the smallest buffer worth keeping: token and error answers
// are small, and a pooled buffer too small for the next body is dropped.
const minRecycled = 16 << 10

// bodyBuffer returns an empty buffer of at least n bytes' capacity, a
// released one when the pool has one large enough.
func bodyBuffer(n int) []byte {
	if p, _ := bodies.Get().(*[]byte); p != nil && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]byte, 0, n)
}

// Release hands back a body GetJSON or DoJSON stored into a
// *json.RawMessage, for a later response to be read into. Call it once
// nothing reads the body or any slice of it any more: every record emitted
// (the sink copies what it keeps) and every field needed decoded into
// strings. Releasing is optional (a body not released is garbage
// collected); using a body after releasing it reads another response.
// DoJSON releases the bodies it decodes into other types itself.
func Release(body []byte) {
	if cap(body) < minRecycled {
		return
	}
	body = body[:0]
	bodies.Put(&body)
}
