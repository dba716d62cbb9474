package api

import (
	"sync"
	"time"
)

// window counts events per key in a fixed window (a day, an hour, a
// minute), in memory. It bounds self-queries per (town, village, name)
// failures, per client IP and globally. With several processes each keeps
// its own counts, so the effective limits multiply by the process count.
type window struct {
	mu     sync.Mutex
	span   time.Duration
	limit  int
	start  time.Time
	counts map[string]int
	now    func() time.Time
}

func newWindow(span time.Duration, limit int, now func() time.Time) *window {
	return &window{span: span, limit: limit, counts: map[string]int{}, now: now}
}

func (w *window) roll() {
	if t := w.now(); t.Sub(w.start) >= w.span {
		w.start, w.counts = t.Truncate(w.span), map[string]int{}
	}
}

// blocked reports whether key has used up its window.
func (w *window) blocked(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	return w.counts[key] >= w.limit
}

// take counts one event for key and reports whether it was within the
// limit.
func (w *window) take(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	if w.counts[key] >= w.limit {
		return false
	}
	w.counts[key]++
	return true
}

// queryLimits are the self-query limits of DOMAIN.md §6.
type queryLimits struct {
	failures *window // per (town, village, name): 5 failures a day
	perIP    *window // per client IP: 30 an hour
	perName  *window // per (town, village, name): 20 an hour, answered or not
	global   *window // everyone: 600 a minute
}

func newQueryLimits(now func() time.Time) *queryLimits {
	return &queryLimits{
		failures: newWindow(24*time.Hour, 5, now),
		perIP:    newWindow(time.Hour, 30, now),
		perName:  newWindow(time.Hour, 20, now),
		global:   newWindow(time.Minute, 600, now),
	}
}
