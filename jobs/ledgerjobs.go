package jobs

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
)

// Default schedules (DOMAIN.md §8), in SUNSHINE_TZ.
const (
	ScheduleVerify     = "0 2 * * *"
	ScheduleCheckpoint = "*/10 * * * *"
)

// Scratch opens an empty, migrated scratch store for a deep verify's replay
// and returns it with the function that closes and removes it.
type Scratch func(ctx context.Context) (ledger.Store, func(), error)

// Verify recomputes every log's tree and checks its checkpoints and its
// signed head (nightly), each up to the size its head had when its check
// began: growth meanwhile is not checked and never reported. With scratch
// (nil: none), the check is deep: every entry parsed, recording times and
// actors' roles checked, and the entries replayed through the projections'
// rules (ledger.VerifyOptions). A log that does not verify fails the run,
// naming the first bad seq, and, when s is not nil, raises (or updates) the
// town's T1 flag for the discipline office; when the flag cannot be
// appended (a log whose writer stopped), a T1 alarm is recorded beside the
// log instead.
func Verify(l *ledger.Ledger, s *ledger.Service, scratch ...Scratch) Job {
	var newScratch Scratch
	if len(scratch) > 0 {
		newScratch = scratch[0]
	}
	return Job{Name: "verify", Schedule: ScheduleVerify, Run: func(ctx context.Context) (map[string]int64, error) {
		logs, err := l.Store().Logs(ctx)
		if err != nil {
			return nil, err
		}
		counts := map[string]int64{"logs": 0, "entries": 0, "checkpoints": 0, "bad_logs": 0}
		var bad []string
		for _, lg := range logs {
			o := ledger.VerifyOptions{}
			var done func()
			if newScratch != nil {
				o.Deep = true
				if o.Scratch, done, err = newScratch(ctx); err != nil {
					return counts, err
				}
			}
			rep, err := l.Verify(ctx, lg, o)
			if done != nil {
				done()
			}
			if err != nil {
				return counts, err
			}
			counts["logs"]++
			counts["entries"] += rep.Entries
			counts["checkpoints"] += int64(rep.Checkpoints)
			if !rep.OK() {
				counts["bad_logs"]++
				bad = append(bad, fmt.Sprintf("%s: first bad seq %d (%s)", lg.Origin, rep.FirstBadSeq, rep.Problems[0].Kind))
				if s != nil {
					reason := fmt.Sprintf("账本校验不通过（核验至第 %d 条）：首个有问题的序号为 %d。%s", rep.Head, rep.FirstBadSeq, rep.Problems[0].Detail)
					f := ledger.Finding{Rule: "T1", SubjectKey: "log", Severity: ledger.SeverityHigh,
						Subject: ledger.FlagSubject{Kind: "log", ID: lg.ID, Label: lg.Origin}, Reason: reason}
					if rep.FirstBadSeq >= 0 {
						f.Evidence.Entries = []int64{rep.FirstBadSeq}
					}
					// The flag is written into the log it reports on, which
					// may be too broken to take it (a forged tail without
					// its tree hashes, a head the writer will not sign
					// over): then it is an alarm beside the log, and the
					// run's error still names the seq.
					if _, _, err := s.RecordFindings(ctx, lg, "system", []ledger.Finding{f}); err != nil {
						bad[len(bad)-1] += fmt.Sprintf("; the T1 flag could not be recorded: %v", err)
						a := ledger.Alarm{LogID: lg.ID, Rule: "T1", FirstSeq: max(rep.FirstBadSeq, 0), Detail: reason, RaisedAt: l.Now().UTC()}
						if err := l.Store().PutAlarm(ctx, a); err != nil {
							bad[len(bad)-1] += fmt.Sprintf("; nor the alarm: %v", err)
						}
					}
				}
			}
		}
		if len(bad) > 0 {
			return counts, fmt.Errorf("ledger tampered: %v", bad)
		}
		return counts, nil
	}}
}

// Checkpoint signs a checkpoint for every log that grew since its last one.
func Checkpoint(l *ledger.Ledger) Job {
	return Job{Name: "checkpoint", Schedule: ScheduleCheckpoint, Run: func(ctx context.Context) (map[string]int64, error) {
		logs, err := l.Store().Logs(ctx)
		if err != nil {
			return nil, err
		}
		counts := map[string]int64{"logs": 0, "signed": 0}
		for _, lg := range logs {
			counts["logs"]++
			size, err := l.Store().Size(ctx, lg.ID)
			if err != nil {
				return counts, err
			}
			latest, err := l.Store().LatestCheckpoint(ctx, lg.ID)
			if err == nil && latest.Size == size {
				continue
			}
			if err != nil && !ledger.IsNotFound(err) {
				return counts, err
			}
			if _, err := l.SignCheckpoint(ctx, lg); err != nil {
				return counts, err
			}
			counts["signed"]++
		}
		return counts, nil
	}}
}

// ScheduleEscalate is the escalate job's default schedule.
const ScheduleEscalate = "0 8 * * *"

// Escalate moves to the discipline office every flag left open past its
// SLA (ledger.FlagSLA), in every town. (Complaints past 20 days join it with
// the complaints.)
func Escalate(s *ledger.Service) Job {
	return Job{Name: "escalate", Schedule: ScheduleEscalate, Run: func(ctx context.Context) (map[string]int64, error) {
		logs, err := s.L.Store().Logs(ctx)
		if err != nil {
			return nil, err
		}
		counts := map[string]int64{"flags_escalated": 0, "complaints_escalated": 0}
		for _, lg := range logs {
			n, err := s.EscalateOverdue(ctx, lg, s.L.Now())
			if err != nil {
				return counts, err
			}
			counts["flags_escalated"] += int64(n)
			m, err := s.EscalateComplaints(ctx, lg, s.L.Now())
			if err != nil {
				return counts, err
			}
			counts["complaints_escalated"] += int64(m)
		}
		return counts, nil
	}}
}

// ScheduleScan is the scan job's default schedule (hourly).
const ScheduleScan = "0 * * * *"

// Scan runs the rule catalogue over every town's books and records the
// findings as flags (raised once per rule and subject, updated with new
// evidence). Time-driven rules (D1, D2, G7, H3 …) are evaluated as of the
// run. The first scan of each day (local time; with the hourly schedule, the
// one after midnight) is a full scan; the others are incremental: they look
// only at what changed since the last successful scan (runs, the job's run
// records, remember how far each log was scanned; nil: always full) and
// at every payment sharing a payee, household, account, invoice or item
// and period with a change. An incremental scan keeps the findings of the
// payment rules that cite a change; the rules over loans, funds, notices and
// complaints see all of them every time. With several towns, a full scan
// also compares them (B7, the same person or account paid the same item for
// the same period by two towns: ledger.CrossTownIndex).
func Scan(s *ledger.Service, cfg anomaly.Config, runs ledger.JobStore) Job {
	return Job{Name: "scan", Schedule: ScheduleScan, Run: func(ctx context.Context) (map[string]int64, error) {
		logs, err := s.L.Store().Logs(ctx)
		if err != nil {
			return nil, err
		}
		prev, lastFull := lastScans(ctx, runs)
		now := s.L.Now()
		fullDue := lastFull.IsZero() || ledger.DateOf(lastFull, s.L.Location()) != ledger.DateOf(now, s.L.Location())
		if len(logs) > 1 && slices.ContainsFunc(logs, func(lg ledger.Log) bool { _, ok := prev[throughKey(lg)]; return !ok }) {
			// A town new to the scan is compared with every other town
			// (B7), and they with it: one full scan of all of them, so
			// that each town flags its own side the same day.
			fullDue = true
		}
		counts := map[string]int64{"towns": 0, "payments": 0, "findings": 0, "raised": 0, "updated": 0, "full": 0}
		if fullDue {
			// A full scan holds every payment at once (in compact form,
			// without pointers: a collection costs little); let the heap
			// grow by a tenth of what is live instead of doubling it.
			if old := debug.SetGCPercent(scanGCPercent); old < scanGCPercent {
				debug.SetGCPercent(old)
			} else {
				defer debug.SetGCPercent(old)
			}
		}
		// B7 compares the towns: the full scans read every town's payments
		// once more, for the keys (item, period, ID or account blind index)
		// two towns paid. Incremental scans do not (B7 is a daily check).
		var cross *ledger.CrossTown
		if len(logs) > 1 && fullDue {
			Progress(ctx, "正在比对全县 %d 个乡镇的发放记录（跨乡镇重复领取）", len(logs))
			if cross, err = s.CrossTownIndex(ctx, logs); err != nil {
				return counts, err
			}
		}
		for _, lg := range logs {
			since, known := prev[throughKey(lg)]
			town := lg.Town // for the progress a staff page shows: the name when set
			if Reporting(ctx) {
				if t, err := s.Town(ctx, lg); err == nil && t.Name != "" {
					town = t.Name
				}
			}
			record := func(fs []ledger.Finding) error {
				raised, updated, err := s.RecordFindings(ctx, lg, "system", fs)
				counts["findings"] += int64(len(fs))
				counts["raised"] += int64(raised)
				counts["updated"] += int64(updated)
				return err
			}
			if fullDue || !known {
				size, err := s.L.Store().Size(ctx, lg.ID)
				if err != nil {
					return counts, err
				}
				Progress(ctx, "正在读取%s的全部支付记录", town)
				d, err := s.ScanData(ctx, lg)
				if err != nil {
					return counts, err
				}
				counts["full"] = 1
				counts["payments"] += int64(len(d.Payments))
				d.CrossTown = cross
				counts["cross_town_payments"] += int64(cross.Matched(lg.Town))
				counts[throughKey(lg)] = size
				// Each rule's findings are recorded as they come, so that
				// the snapshot and all the findings of a town (a first scan
				// may raise 100,000 flags) are never held at once.
				cat := anomaly.Catalogue()
				for i, r := range cat {
					Progress(ctx, "全面检查%s（%d 笔支付）：规则 %s %s，第 %d / %d 条", town, len(d.Payments), r.Code, r.Name, i+1, len(cat))
					if err := record(r.Check(d, cfg)); err != nil {
						return counts, err
					}
				}
			} else {
				Progress(ctx, "正在检查%s自账本序号 %d 以来的变动", town, since)
				d, ch, err := s.ScanDataSince(ctx, lg, since)
				if err != nil {
					return counts, err
				}
				var fs []ledger.Finding
				for _, f := range anomaly.Run(d, cfg) {
					if !anomaly.PaymentRule(f.Rule) || ch.Cites(f) {
						fs = append(fs, f)
					}
				}
				counts["payments"] += int64(ch.Payments)
				counts[throughKey(lg)] = ch.Size
				if err := record(fs); err != nil {
					return counts, err
				}
			}
			// The flags this run wrote need no second look: the next
			// incremental scan starts after them unless something else was
			// written meanwhile.
			if through, err := pastOwnFlags(ctx, s.L.Store(), lg, counts[throughKey(lg)]); err == nil {
				counts[throughKey(lg)] = through
			}
			counts["towns"]++
		}
		return counts, nil
	}}
}

// scanGCPercent is the garbage collector's target (GOGC) during a full
// scan, where the snapshot is most of the heap: at the default 100 the peak
// is about twice the live snapshot. The snapshot's payments hold no
// pointers, so the collections a low target brings are cheap (at 1,000,000
// payments, 10 instead of 25 took 27 MiB off the peak and no measurable
// time). A lower GOGC set by the operator is kept.
const scanGCPercent = 10

func throughKey(lg ledger.Log) string { return fmt.Sprintf("through_log_%d", lg.ID) }

// pastOwnFlags returns how far the next incremental scan may start: the log
// size now when every entry since from is a flag entry (what a scan writes),
// else from.
func pastOwnFlags(ctx context.Context, st ledger.Store, lg ledger.Log, from int64) (int64, error) {
	size, err := st.Size(ctx, lg.ID)
	if err != nil {
		return from, err
	}
	for n := from; n < size; {
		rows, err := st.Entries(ctx, lg.ID, n, 4096)
		if err != nil || len(rows) == 0 {
			return from, err
		}
		for _, r := range rows {
			if f, _ := ledger.Family(r.Type); f != "flag" {
				return from, nil
			}
			n = r.Seq + 1
		}
	}
	return size, nil
}

// lastScans returns the counts of the last successful scan and when the
// last successful full scan started (zero: none).
func lastScans(ctx context.Context, runs ledger.JobStore) (map[string]int64, time.Time) {
	if runs == nil {
		return nil, time.Time{}
	}
	rs, err := runs.JobRuns(ctx, "scan", 200)
	if err != nil {
		return nil, time.Time{}
	}
	var prev map[string]int64
	var full time.Time
	for _, r := range rs {
		if r.Outcome != ledger.OutcomeSuccess {
			continue
		}
		if prev == nil {
			prev = r.Counts
		}
		if r.Counts["full"] == 1 {
			full = r.StartedAt
			break
		}
	}
	return prev, full
}

// ScheduleLoans is the loans job's default schedule.
const ScheduleLoans = "0 7 * * *"

// Loans re-evaluates G7 alone (loans due soon and overdue), every morning.
func Loans(s *ledger.Service, cfg anomaly.Config) Job {
	return Job{Name: "loans", Schedule: ScheduleLoans, Run: func(ctx context.Context) (map[string]int64, error) {
		logs, err := s.L.Store().Logs(ctx)
		if err != nil {
			return nil, err
		}
		counts := map[string]int64{"loans": 0, "raised": 0, "updated": 0}
		for _, lg := range logs {
			// no payments are needed: the snapshot "since the end" holds
			// the loans, registry and funds only
			d, _, err := s.ScanDataSince(ctx, lg, 1<<62)
			if err != nil {
				return counts, err
			}
			var fs []ledger.Finding
			for _, r := range anomaly.Catalogue() {
				if r.Code == "G7" {
					fs = r.Check(d, cfg)
				}
			}
			raised, updated, err := s.RecordFindings(ctx, lg, "system", fs)
			if err != nil {
				return counts, err
			}
			counts["loans"] += int64(len(d.Loans))
			counts["raised"] += int64(raised)
			counts["updated"] += int64(updated)
		}
		return counts, nil
	}}
}
