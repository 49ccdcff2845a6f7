// Command loadgen posts /auth/login to an acctl server from concurrent
// clients for a while and reports what came back: the load of
// bench/serve_memory.sh. It is a benchmark tool, not part of the tests.
//
//	go run ./bench/loadgen -url http://127.0.0.1:8080 -clients 96 -duration 10s
//
// Each client sends its next login when it has read the answer to the
// last, for a name that no account has (the server then checks a dummy
// hash: the same work as a wrong password). A 503 is the server's full
// hashing pool: the client waits for its Retry-After, as a well-behaved
// client does, then goes on. It prints one line of JSON.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Report is what one run measured.
type Report struct {
	Clients  int     `json:"clients"`
	Seconds  float64 `json:"seconds"`
	Checked  int     `json:"checked"`   // answers 401 or 200: a password check done
	Busy     int     `json:"busy"`      // answers 503: refused by a full pool
	Other    int     `json:"other"`     // any other answer, or a transport error
	CheckedS float64 `json:"checked_s"` // checked per second
	P50ms    float64 `json:"p50_ms"`    // latency of a checked answer
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	BusyP50  float64 `json:"busy_p50_ms"` // latency of a 503
	FirstErr string  `json:"first_error,omitempty"`
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the server's base `URL`")
	clients := flag.Int("clients", 16, "concurrent `N` clients")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	honor := flag.Bool("retry-after", true, "wait for a 503's Retry-After before the next request")
	flag.Parse()
	r, err := run(*base, *clients, *duration, *honor)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(r)
}

func run(base string, clients int, d time.Duration, honor bool) (*Report, error) {
	if clients < 1 {
		return nil, fmt.Errorf("-clients must be at least 1")
	}
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	type tally struct {
		checked, busy []time.Duration
		other         int
		firstErr      string
	}
	tallies := make([]tally, clients)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			t := &tallies[c]
			for i := 0; ctx.Err() == nil; i++ {
				form := url.Values{"username": {fmt.Sprintf("nobody-%d-%d@example.com", c, i)},
					"password": {"not the password of anyone at all"}}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/auth/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						t.other++
						if t.firstErr == "" {
							t.firstErr = err.Error()
						}
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat := time.Since(t0)
				switch resp.StatusCode {
				case http.StatusOK, http.StatusUnauthorized:
					t.checked = append(t.checked, lat)
				case http.StatusServiceUnavailable:
					t.busy = append(t.busy, lat)
					if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); honor && err == nil && secs > 0 {
						select {
						case <-time.After(time.Duration(secs) * time.Second):
						case <-ctx.Done():
						}
					}
				default:
					t.other++
					if t.firstErr == "" {
						t.firstErr = resp.Status
					}
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := &Report{Clients: clients, Seconds: elapsed.Seconds()}
	var checked, busy []time.Duration
	for _, t := range tallies {
		checked = append(checked, t.checked...)
		busy = append(busy, t.busy...)
		r.Other += t.other
		if r.FirstErr == "" {
			r.FirstErr = t.firstErr
		}
	}
	r.Checked, r.Busy = len(checked), len(busy)
	r.CheckedS = float64(len(checked)) / elapsed.Seconds()
	r.P50ms, r.P99ms, r.MaxMs = quantile(checked, 0.5), quantile(checked, 0.99), quantile(checked, 1)
	r.BusyP50 = quantile(busy, 0.5)
	return r, nil
}

// quantile returns the q-quantile of ds in milliseconds (0 when empty).
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(q * float64(len(ds)-1))
	return float64(ds[i].Microseconds()) / 1000
}
