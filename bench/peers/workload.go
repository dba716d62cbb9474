package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// paymentPayload is the payload of the i-th append: the same map as the
// ledger's own benchmarks append (ledger/gormstore/bench_test.go), about 300
// bytes once canonical, shaped like a payment entry.
func paymentPayload(i int) map[string]any {
	return map[string]any{
		"voucher_no": fmt.Sprintf("记-2026-%02d-%05d", i%12+1, i), "amount": 120000 + i%5000,
		"payee":     map[string]any{"kind": "household", "id": 100000 + i%710},
		"item_code": "CY01", "period": "2026-03", "project_code": "ZT-2026-014",
		"doc_no": "浏财农指〔2026〕3号", "fund": 3, "payment_kind": "补助",
		"account_sha256": "9f2c5be1d0c1a4c8e37c1b7a06c9a4e7b2d1c0a9f8e7d6c5b4a3928170f6e5d4",
	}
}

// canonicalPayload is what the peers and the raw baselines store for the
// i-th append: the canonical JSON of paymentPayload(i). Each writer computes
// it itself, as the ledger's writers prepare theirs.
func canonicalPayload(i int) []byte {
	b, err := ledger.Canonical(paymentPayload(i))
	if err != nil {
		panic(err)
	}
	return b
}

// idemKey is the idempotency key of the i-th append.
func idemKey(i int) string { return "k" + strconv.Itoa(i) }

// system is one store under test. A fresh one is opened for every round.
type system interface {
	// Name is the row label, e.g. "ledger-sqlite".
	Name() string
	// Open creates an empty store under dir (or a fresh database) for n
	// appends.
	Open(ctx context.Context, dir string, n int) error
	// Append stores the i-th payload from writer w and returns once it is
	// durable. It is called by many goroutines at once.
	Append(ctx context.Context, w, i int) error
	// Finish is called after the last append (publish a checkpoint, sign a
	// head) and before Count, Proofs and Verify; it is not timed.
	Finish(ctx context.Context, n int) error
	// Count returns how many entries the store holds.
	Count(ctx context.Context) (int64, error)
	// Proofs builds an inclusion proof of each append index in is against
	// the full log, timing only the building, and checks every proof
	// afterwards. Nil when the system has no proofs.
	Proofs(ctx context.Context, is []int) ([]time.Duration, error)
	// Verify checks the whole log (nil error, false when the system has no
	// verify) and returns what it ran.
	Verify(ctx context.Context) (bool, error)
	// UsesMariaDB says whether the server's CPU counts for this system.
	UsesMariaDB() bool
	Close() error
}

// result is one system's figures in one round.
type result struct {
	System      string
	Round       int
	N           int
	Appended    int64
	AppendTime  time.Duration
	SelfCPU     time.Duration // this process, during the appends
	ServerCPU   time.Duration // mariadbd, during the appends (0 when not used)
	VerifyTime  time.Duration // 0 when the system has no verify
	ProofP50    time.Duration // 0 when the system has no proofs
	ProofsCount int
}

func (r result) AppendsPerSec() float64 { return float64(r.N) / r.AppendTime.Seconds() }

// CPUPerAppend is this process's plus the server's CPU per append.
func (r result) CPUPerAppend() time.Duration {
	return (r.SelfCPU + r.ServerCPU) / time.Duration(r.N)
}

// selfCPU returns this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns the user+system CPU time of process pid from
// /proc/<pid>/stat (clock ticks of 1/100 s, the Linux USER_HZ).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	s := string(b)
	// The command name is in parentheses and may hold spaces.
	j := strings.LastIndexByte(s, ')')
	if j < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command", pid)
	}
	f := strings.Fields(s[j+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// runAppends has `writers` closed-loop writers append n entries to s, each
// taking the next index; it returns the elapsed time.
func runAppends(ctx context.Context, s system, n, writers int) (time.Duration, error) {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := s.Append(ctx, w, i); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("%s: append %d: %w", s.Name(), i, err) })
					next.Store(int64(n)) // stop the others
					return
				}
			}
		}(w)
	}
	wg.Wait()
	return time.Since(start), firstErr
}

// proofIndexes picks k append indexes in [0, n), the same for every system
// of a round.
func proofIndexes(n, k int, seed int64) []int {
	r := rand.New(rand.NewSource(seed))
	is := make([]int, k)
	for j := range is {
		is[j] = r.Intn(n)
	}
	return is
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianF(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
