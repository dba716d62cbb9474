package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/sunshine-ledger/sunshine/pages"
)

// Long operations started from a staff page (an import of 10,000 rows, a
// job run by hand, a deep verification) run as tasks: the form starts one
// and is answered at once with a page that reloads itself (a meta refresh,
// no script) and shows the step and elapsed time until the task ends. A
// task is kept in memory by the process that runs it, for an hour after it
// ends; only the user who started it may read it.
type task struct {
	ID       string
	Owner    string // user id
	Title    string
	Started  time.Time
	mu       sync.Mutex
	step     string
	done     bool
	ended    time.Time
	err      error
	result   string // Chinese, shown when done
	next     string // a link to follow when done
	nextText string
	links    []pages.Option // links to what the task made (Value the href)
	finished chan struct{}  // closed when the task ends
}

// TaskView is what the task page shows.
type TaskView struct {
	ID       string
	Title    string
	Step     string
	Elapsed  string
	Done     bool
	Failed   bool
	Result   string
	Next     string
	NextText string
	Links    []pages.Option // to what the task made: Value the href, Label its words
}

// addLink adds a link to what the task made, shown when it ends.
func (t *task) addLink(href, text string) {
	t.mu.Lock()
	t.links = append(t.links, pages.Option{Value: href, Label: text})
	t.mu.Unlock()
}

func (t *task) setStep(s string) {
	t.mu.Lock()
	t.step = s
	t.mu.Unlock()
}

func (t *task) view(now time.Time) TaskView {
	t.mu.Lock()
	defer t.mu.Unlock()
	end := now
	if t.done {
		end = t.ended
	}
	v := TaskView{ID: t.ID, Title: t.Title, Step: t.step, Elapsed: pages.DurationText(end.Sub(t.Started)), Done: t.done,
		Result: t.result, Next: t.next, NextText: t.nextText, Links: t.links}
	if t.err != nil {
		v.Failed = true
		v.Result = problemDetail(t.err)
	}
	return v
}

type tasks struct {
	mu sync.Mutex
	m  map[string]*task
}

// start runs fn in the background (not bound to the request, which ends
// now) and returns the task.
func (ts *tasks) start(owner, title string, fn func(ctx context.Context, t *task) (result string, err error)) *task {
	var b [12]byte
	_, _ = rand.Read(b[:])
	t := &task{ID: hex.EncodeToString(b[:]), Owner: owner, Title: title, Started: time.Now(), step: "已开始", finished: make(chan struct{})}
	ts.mu.Lock()
	if ts.m == nil {
		ts.m = map[string]*task{}
	}
	for id, old := range ts.m { // forget tasks ended over an hour ago
		old.mu.Lock()
		stale := old.done && time.Since(old.ended) > time.Hour
		old.mu.Unlock()
		if stale {
			delete(ts.m, id)
		}
	}
	ts.m[t.ID] = t
	ts.mu.Unlock()
	go func() {
		var res string
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = errPanic(r)
				}
			}()
			res, err = fn(context.Background(), t)
		}()
		t.mu.Lock()
		t.done, t.ended, t.result, t.err = true, time.Now(), res, err
		t.mu.Unlock()
		close(t.finished)
	}()
	return t
}

func (ts *tasks) get(id, owner string) (*task, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.m[id]
	if !ok || t.Owner != owner {
		return nil, false
	}
	return t, true
}

// wait waits up to d for a task to end (a short task's first page shows
// its result).
func (t *task) wait(d time.Duration) bool {
	select {
	case <-t.finished:
		return true
	case <-time.After(d):
		return false
	}
}
