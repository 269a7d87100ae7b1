// The Go anchors of bench/bench.py, printed as "key value" lines like
// bench/macro_bench:
//
//	go run main.go spawn_join N      start N empty goroutines, wait for them all
//	go run main.go alive N HOLD_MS   N goroutines alive at once, each in
//	                                 time.Sleep until a common deadline
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func arg(i int, fallback int) int {
	if len(os.Args) > i {
		if v, err := strconv.Atoi(os.Args[i]); err == nil {
			return v
		}
	}
	return fallback
}

func rssKiB() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var pages, resident int64
	fmt.Sscan(string(b), &pages, &resident)
	return resident * int64(os.Getpagesize()) / 1024
}

func peakKiB() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss
}

func spawnJoin(n int) {
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { wg.Done() }()
	}
	wg.Wait()
	fmt.Printf("go_spawn_join_ns %.1f\n", float64(time.Since(t0).Nanoseconds())/float64(n))
}

func alive(n int, holdMs int) {
	base := rssKiB()
	var wg sync.WaitGroup
	var now, most, started int64
	allStarted := make(chan struct{})
	t0 := time.Now()
	release := t0.Add(time.Duration(holdMs) * time.Millisecond)
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer wg.Done()
			v := atomic.AddInt64(&now, 1)
			for {
				m := atomic.LoadInt64(&most)
				if v <= m || atomic.CompareAndSwapInt64(&most, m, v) {
					break
				}
			}
			if atomic.AddInt64(&started, 1) == int64(n) {
				close(allStarted)
			}
			time.Sleep(time.Until(release))
			atomic.AddInt64(&now, -1)
		}()
	}
	<-allStarted
	startMs := float64(time.Since(t0).Nanoseconds()) / 1e6
	wg.Wait()
	fmt.Printf("go_alive_spawn_ms %.1f\n", startMs)
	fmt.Printf("go_alive_most_at_once %d\n", most)
	fmt.Printf("go_alive_release_ms %.1f\n", float64(time.Since(release).Nanoseconds())/1e6)
	fmt.Printf("go_alive_total_ms %.1f\n", float64(time.Since(t0).Nanoseconds())/1e6)
	fmt.Printf("go_alive_rss_per_goroutine_bytes %.1f\n", float64(peakKiB()-base)*1024/float64(n))
}

func main() {
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "spawn_join":
		spawnJoin(arg(2, 1000000))
	case "alive":
		alive(arg(2, 1000000), arg(3, 5000))
	default:
		fmt.Fprintln(os.Stderr, "usage: main spawn_join N | alive N HOLD_MS")
		os.Exit(2)
	}
}
