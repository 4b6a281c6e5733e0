package httpx

import (
	"context"
	"sync"
)

// Prefetch walks a chain of pages one request ahead of handle: fetch gets
// the page at first and names the next one ("" ends the chain); while handle
// works on page n, page n+1 is being fetched. Pages reach handle in order,
// and at most two are held at once (the one handled and the one fetched),
// so memory still follows the page size. A vendor with cursor paging names
// the next page as soon as a page arrives, so its listings need not wait a
// round trip per page: the request and the staging of the last page
// overlap.
//
// The first error ends the walk: fetch's, after every page before it has
// been handled (as a sequential loop would), or handle's, which also stops
// the fetch in flight. Prefetch returns only once its fetching goroutine
// has.
func Prefetch[P any](ctx context.Context, first string,
	fetch func(ctx context.Context, u string) (page P, next string, err error),
	handle func(P) error) error {
	type result struct {
		page P
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	results := make(chan result)
	// abandoned is why the fetcher stopped with a page it could not hand
	// over (ctx ended): read after results is closed.
	var abandoned error
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	wg.Go(func() {
		defer close(results)
		for u := first; u != ""; {
			page, next, err := fetch(ctx, u)
			select {
			case results <- result{page, err}:
			case <-ctx.Done():
				abandoned = context.Cause(ctx)
				return
			}
			if err != nil {
				return
			}
			u = next
		}
	})
	for r := range results {
		if r.err != nil {
			return r.err
		}
		if err := handle(r.page); err != nil {
			return err
		}
	}
	// A chain cut short by ctx must not read as a whole one.
	return abandoned
}
