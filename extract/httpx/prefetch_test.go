package httpx

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// chain fetches pages "0".."n-1"; fetch of page failAt fails.
type chain struct {
	n, failAt int
	ahead     atomic.Int32 // fetches completed minus pages handled
	maxAhead  atomic.Int32
	fetched   atomic.Int32
}

func (c *chain) fetch(ctx context.Context, u string) (int, string, error) {
	if err := ctx.Err(); err != nil {
		return 0, "", err
	}
	i, _ := strconv.Atoi(u)
	c.fetched.Add(1)
	if i == c.failAt {
		return 0, "", fmt.Errorf("page %d: %w", i, errFetch)
	}
	if a := c.ahead.Add(1); a > c.maxAhead.Load() {
		c.maxAhead.Store(a)
	}
	next := ""
	if i+1 < c.n {
		next = strconv.Itoa(i + 1)
	}
	return i, next, nil
}

var errFetch, errHandle = errors.New("fetch failed"), errors.New("handle failed")

func TestPrefetch(t *testing.T) {
	for _, tc := range []struct {
		name             string
		n, failAt, stop  int // stop: handle fails on this page
		wantPages        []int
		wantErr          error
		maxFetchedBeyond int // pages fetched past the last one handled
	}{
		{name: "whole chain", n: 5, failAt: -1, stop: -1, wantPages: []int{0, 1, 2, 3, 4}},
		{name: "one page", n: 1, failAt: -1, stop: -1, wantPages: []int{0}},
		{name: "fetch fails: earlier pages handled first", n: 5, failAt: 3, stop: -1, wantPages: []int{0, 1, 2}, wantErr: errFetch},
		{name: "first fetch fails", n: 5, failAt: 0, stop: -1, wantErr: errFetch},
		{name: "handle fails: no page after it", n: 50, failAt: -1, stop: 2, wantPages: []int{0, 1, 2}, wantErr: errHandle, maxFetchedBeyond: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &chain{n: tc.n, failAt: tc.failAt}
			var got []int
			err := Prefetch(context.Background(), "0", c.fetch, func(p int) error {
				time.Sleep(time.Millisecond) // let the fetcher run ahead if it would
				c.ahead.Add(-1)
				got = append(got, p)
				if p == tc.stop {
					return errHandle
				}
				return nil
			})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(got, tc.wantPages) {
				t.Fatalf("handled %v, want %v", got, tc.wantPages)
			}
			// One page handled and one fetched, at most: a fetched page
			// waits for handle before the next fetch starts.
			if m := c.maxAhead.Load(); m > 2 {
				t.Fatalf("%d pages fetched ahead of handle, want at most 2", m)
			}
			if tc.stop >= 0 {
				if beyond := int(c.fetched.Load()) - len(got); beyond > tc.maxFetchedBeyond {
					t.Fatalf("%d pages fetched after handle failed, want at most %d", beyond, tc.maxFetchedBeyond)
				}
			}
		})
	}
}

func TestPrefetchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &chain{n: 1000, failAt: -1}
	n := 0
	err := Prefetch(ctx, "0", c.fetch, func(int) error {
		if n++; n == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v after cancel, want context.Canceled", err)
	}
	if n > 5 {
		t.Fatalf("%d pages handled after cancel at the third", n)
	}
}
