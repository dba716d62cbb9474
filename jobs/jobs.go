package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Job is a plain unit of scheduled work: cron only triggers it, and every
// job can be run once from the CLI or the API. Run returns counts named per
// job (entries checked, checkpoints signed …).
type Job struct {
	Name     string
	Schedule string // cron spec in the business time zone, e.g. "0 2 * * *"
	Run      func(ctx context.Context) (map[string]int64, error)
}

// Options configure a Scheduler.
type Options struct {
	Store    ledger.JobStore
	Location *time.Location // SUNSHINE_TZ
	Holder   string         // this process, for the lease (host:pid)
	Now      func() time.Time
	Timeout  time.Duration // per run; default 1 hour
	// Observe, when set, is told of every run's outcome (metrics).
	Observe func(job, outcome string)
}

// Scheduler runs jobs on their schedules: never two runs of a job at once
// (in this process: skip if still running; across processes on one
// database: a lease), a panic recorded as a failure, each run recorded, and
// a run missed while the service was down run once at start-up.
type Scheduler struct {
	o    Options
	jobs map[string]Job
	cron *cron.Cron

	mu      sync.Mutex
	running map[string]bool
}

// ErrUnknownJob is returned for a job name that is not registered.
var ErrUnknownJob = ledger.Errorf(ledger.CodeNotFound, "没有这个任务")

// New validates the jobs' schedules and returns a scheduler.
func New(o Options, jobs ...Job) (*Scheduler, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout == 0 {
		o.Timeout = time.Hour
	}
	s := &Scheduler{o: o, jobs: map[string]Job{}, running: map[string]bool{},
		cron: cron.New(cron.WithLocation(o.Location))}
	for _, j := range jobs {
		if _, err := cron.ParseStandard(j.Schedule); err != nil {
			return nil, fmt.Errorf("schedule of job %s (%q): %w", j.Name, j.Schedule, err)
		}
		if _, dup := s.jobs[j.Name]; dup {
			return nil, fmt.Errorf("job %s registered twice", j.Name)
		}
		s.jobs[j.Name] = j
	}
	return s, nil
}

// Names returns the registered job names, sorted.
func (s *Scheduler) Names() []string {
	var out []string
	for n := range s.jobs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Schedule returns a job's cron spec ("" for an unknown job).
func (s *Scheduler) Schedule(name string) string { return s.jobs[name].Schedule }

// Job returns a registered job.
func (s *Scheduler) Job(name string) (Job, bool) {
	j, ok := s.jobs[name]
	return j, ok
}

// RunNow runs a job once and returns its record: skipped when it is running
// already (here, or in another process holding its lease), failure when it
// returned an error or panicked.
func (s *Scheduler) RunNow(ctx context.Context, name string) (ledger.JobRun, error) {
	j, ok := s.jobs[name]
	if !ok {
		return ledger.JobRun{}, ErrUnknownJob
	}
	rec := ledger.JobRun{Job: name, Holder: s.o.Holder, StartedAt: s.o.Now().UTC(), Counts: map[string]int64{}}
	s.mu.Lock()
	busy := s.running[name]
	if !busy {
		s.running[name] = true
	}
	s.mu.Unlock()
	if busy {
		return s.finish(ctx, rec, ledger.OutcomeSkipped, errors.New("the job is running already"))
	}
	defer func() {
		s.mu.Lock()
		delete(s.running, name)
		s.mu.Unlock()
	}()
	got, err := s.o.Store.AcquireLease(ctx, name, s.o.Holder, rec.StartedAt, rec.StartedAt.Add(s.o.Timeout+time.Minute))
	if err != nil {
		return s.finish(ctx, rec, ledger.OutcomeFailure, fmt.Errorf("lease: %w", err))
	}
	if !got {
		return s.finish(ctx, rec, ledger.OutcomeSkipped, errors.New("another process is running the job"))
	}
	defer s.o.Store.ReleaseLease(context.WithoutCancel(ctx), name, s.o.Holder)
	rctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	counts, err := safeRun(rctx, j)
	if counts != nil {
		rec.Counts = counts
	}
	if err != nil {
		return s.finish(ctx, rec, ledger.OutcomeFailure, err)
	}
	return s.finish(ctx, rec, ledger.OutcomeSuccess, nil)
}

func safeRun(ctx context.Context, j Job) (counts map[string]int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return j.Run(ctx)
}

func (s *Scheduler) finish(ctx context.Context, rec ledger.JobRun, outcome string, err error) (ledger.JobRun, error) {
	rec.FinishedAt = s.o.Now().UTC()
	rec.Outcome = outcome
	if err != nil {
		rec.Error = err.Error()
	}
	id, rerr := s.o.Store.RecordRun(context.WithoutCancel(ctx), rec)
	rec.ID = id
	if s.o.Observe != nil {
		s.o.Observe(rec.Job, outcome)
	}
	if outcome == ledger.OutcomeFailure {
		slog.Error("job failed", "job", rec.Job, "err", rec.Error)
	} else {
		slog.Info("job ran", "job", rec.Job, "outcome", outcome, "counts", rec.Counts)
	}
	return rec, rerr
}

// Start schedules every job and, first, runs once each job whose last
// scheduled time passed while no run was recorded (the service was down).
// Stop with the returned function; it waits for runs under way.
func (s *Scheduler) Start(ctx context.Context) (stop func(), err error) {
	var catchUp sync.WaitGroup
	for _, name := range s.Names() {
		j := s.jobs[name]
		if missed, err := s.Missed(ctx, name); err != nil {
			return nil, err
		} else if missed {
			catchUp.Add(1)
			go func() {
				defer catchUp.Done()
				s.RunNow(ctx, name)
			}()
		}
		if _, err := s.cron.AddFunc(j.Schedule, func() { s.RunNow(ctx, name) }); err != nil {
			return nil, err
		}
	}
	s.cron.Start()
	return func() {
		<-s.cron.Stop().Done()
		catchUp.Wait()
	}, nil
}

// Missed reports whether the job's latest scheduled time before now has no
// run recorded at or after it.
func (s *Scheduler) Missed(ctx context.Context, name string) (bool, error) {
	j := s.jobs[name]
	sched, err := cron.ParseStandard(j.Schedule)
	if err != nil {
		return false, err
	}
	now := s.o.Now().In(s.o.Location)
	last := previous(sched, now)
	if last.IsZero() {
		return false, nil
	}
	runs, err := s.o.Store.JobRuns(ctx, name, 1)
	if err != nil {
		return false, err
	}
	return len(runs) == 0 || runs[0].StartedAt.Before(last), nil
}

// previous returns the latest activation of sched at or before now, looking
// back at most 35 days (so that monthly jobs are caught up too).
func previous(sched cron.Schedule, now time.Time) time.Time {
	var last time.Time
	t := sched.Next(now.Add(-35 * 24 * time.Hour))
	for !t.IsZero() && !t.After(now) {
		last = t
		t = sched.Next(t)
	}
	return last
}
