package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// The county office (县乡村振兴局、县财政局) reads every town of the service:
// its reads take ?town=CODE (countyTown), and it has the summary below.

// CountyTownDTO is one town's line of the county summary. Amounts are
// yuan strings (API.md).
type CountyTownDTO struct {
	Town             string `json:"town"`
	Name             string `json:"name"`
	FundsReceived    string `json:"funds_received"`
	FundsAllocated   string `json:"funds_allocated"`
	FundsPaid        string `json:"funds_paid"`
	NoticesPublished int    `json:"notices_published"`
	// OpenFlags counts the unresolved flags (未办结: open, acknowledged
	// or escalated; not confirmed or dismissed) by severity: info, warn,
	// high. The name predates acknowledged and escalated being counted and
	// stays for the API's clients.
	OpenFlags map[string]int `json:"open_flags"`
	// LastVerify is the last run of the verify job (every town's log in
	// one run) and what it found for this town: passed, failed, or
	// not_verified (the run stopped before it, or none has run).
	LastVerify *CountyVerifyDTO `json:"last_verify"`
}

// CountyVerifyDTO is the last verify run as a town's line shows it.
type CountyVerifyDTO struct {
	FinishedAt string `json:"finished_at"`
	Result     string `json:"result"`
}

// countySummary computes every town's line, in the order the towns were
// added.
func (s *Server) countySummary(c *gin.Context) ([]CountyTownDTO, error) {
	ctx := c.Request.Context()
	logs, err := s.store.Logs(ctx)
	if err != nil {
		return nil, err
	}
	var last *ledger.JobRun
	if js, ok := s.store.(ledger.JobStore); ok {
		if runs, err := js.JobRuns(ctx, "verify", 1); err == nil && len(runs) == 1 {
			last = &runs[0]
		}
	}
	out := make([]CountyTownDTO, 0, len(logs))
	for _, lg := range logs {
		line := CountyTownDTO{Town: lg.Town, Name: lg.Town, OpenFlags: map[string]int{ledger.SeverityInfo: 0, ledger.SeverityWarn: 0, ledger.SeverityHigh: 0}}
		if t, err := s.svc.Town(ctx, lg); err == nil && t.Name != "" {
			line.Name = t.Name
		}
		funds, err := s.svc.Funds(ctx, lg)
		if err != nil {
			return nil, err
		}
		var received, allocated, paid ledger.Fen
		for _, f := range funds {
			if f.Reversed {
				continue
			}
			received += f.Amount
			allocated += f.Allocated
			paid += f.Paid
		}
		line.FundsReceived, line.FundsAllocated, line.FundsPaid = received.Yuan(), allocated.Yuan(), paid.Yuan()
		// One read of the town's notices and one of its flags, each counted
		// by status here (the store has no count by status; a read per
		// status would read every object once per status).
		ns, err := s.svc.Notices(ctx, lg, "", "", "")
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			if countyPublished(n.Status) {
				line.NoticesPublished++
			}
		}
		fs, err := s.svc.Flags(ctx, lg, ledger.FlagFilter{}, nil)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if countyUnresolved(f.Status) {
				line.OpenFlags[f.Severity]++
			}
		}
		if last != nil {
			line.LastVerify = &CountyVerifyDTO{FinishedAt: last.FinishedAt.UTC().Format(time.RFC3339), Result: countyVerifyResult(*last, lg.Origin)}
		}
		out = append(out, line)
	}
	return out, nil
}

// countyUnresolved reports whether a flag of that status is still being
// dealt with (未办结): open (待处理), acknowledged (已签收) or escalated
// (已移交纪委), the statuses in which a monitor or the discipline office
// may still review it (canReview); confirmed and dismissed flags are closed.
// The summary's open_flags counts these, so a flag does not drop out of it
// when a monitor signs for it or the escalate job hands it on.
func countyUnresolved(status string) bool {
	switch status {
	case ledger.FlagOpen, ledger.FlagAcknowledged, ledger.FlagEscalated:
		return true
	}
	return false
}

// countyPublished reports whether a notice of that status counts as
// published in the summary: in its posting period (published) or past it
// (ended). Drafts were never published; a withdrawn notice was taken back.
// A superseded notice does not count either: it was replaced by a corrected
// notice of the same matter, which counts itself (published or ended), so
// counting both would count one disclosure twice; the correction is what
// stands, as with a withdrawal.
func countyPublished(status string) bool {
	return status == ledger.NoticePublished || status == ledger.NoticeEnded
}

// verifyTampered starts the error of a verify run that verified every log
// and found some bad (jobs.VerifyJob: "ledger tampered: [ORIGIN: first bad
// seq N (kind) ORIGIN: …]"); any other error stopped the run part-way.
const verifyTampered = "ledger tampered: ["

// countyVerifyResult is one town's result of the last verify run: failed
// when the run's error names its log, passed when the run succeeded or
// verified every log and named others only, not_verified when the run
// stopped (or was skipped) before saying anything about it.
func countyVerifyResult(run ledger.JobRun, origin string) string {
	named := strings.HasPrefix(run.Error, verifyTampered+origin+": ") || strings.Contains(run.Error, " "+origin+": ")
	switch {
	case run.Outcome == ledger.OutcomeSuccess:
		return "passed"
	case named:
		return "failed"
	case run.Outcome == ledger.OutcomeFailure && strings.HasPrefix(run.Error, verifyTampered):
		return "passed"
	}
	return "not_verified"
}

// GET /api/v1/county/summary (county): per town funds received, allocated
// and paid, notices published (published or ended), unresolved flags by
// severity and the last verify.
func (s *Server) getCountySummary(c *gin.Context) {
	lines, err := s.countySummary(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": lines})
}

// GET /staff/county: the county summary page.
func (s *Server) staffCounty(c *gin.Context) {
	lines, err := s.countySummary(c)
	if err != nil {
		s.staffRender(c, statusOf(err), "county", "全县汇总", pages.Page{Error: problemDetail(err)})
		return
	}
	d := make([]pages.CountyTown, 0, len(lines))
	for _, l := range lines {
		t := pages.CountyTown{Town: l.Town, Name: l.Name, Received: l.FundsReceived, Allocated: l.FundsAllocated, Paid: l.FundsPaid,
			Notices: l.NoticesPublished, High: l.OpenFlags[ledger.SeverityHigh], Warn: l.OpenFlags[ledger.SeverityWarn], Info: l.OpenFlags[ledger.SeverityInfo]}
		if l.LastVerify != nil {
			t.VerifiedAt, t.Verify = l.LastVerify.FinishedAt, l.LastVerify.Result
		}
		d = append(d, t)
	}
	s.staffRender(c, http.StatusOK, "county", "全县汇总", pages.Page{Data: d})
}
