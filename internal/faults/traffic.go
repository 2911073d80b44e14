package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Traffic sends GET requests through a gateway under test until ctx
// ends: for each URL prefix, that many workers (2 when 0), each one request
// at a time, 50 ms apart, at most 1000 requests — bounded, loopback only.
// Each request goes to prefix + "WORKER-N", so every line in a log is
// distinct.
func Traffic(ctx context.Context, prefixes map[string]int) *sync.WaitGroup {
	var wg sync.WaitGroup
	client := InsecureClient(5 * time.Second)
	for prefix, workers := range prefixes {
		if workers == 0 {
			workers = 2
		}
		for w := range workers {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil && i < 1000; i++ {
					req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s%d-%d", prefix, w, i), nil)
					if err != nil {
						return
					}
					if resp, err := client.Do(req); err == nil {
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					select {
					case <-ctx.Done():
					case <-time.After(50 * time.Millisecond):
					}
				}
			})
		}
	}
	return &wg
}
