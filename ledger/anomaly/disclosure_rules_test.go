package anomaly

import (
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// listed is base() with CY01 needing a 补助对象公示, one effective CY01
// payment to household 10 (paid 2026-05-20) and a list covering it that
// ended on endsOn.
func listed(endsOn string) (*ledger.ScanData, ledger.Payment) {
	x := base()
	it := x.Items["CY01"]
	it.ListNoticeRequired = true
	x.Items["CY01"] = it
	p := pay(ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}, 10, "CY01", 100_00, "2026", "2026-05-20")
	setPayments(x, p)
	x.Notices = []ledger.Notice{{ID: 50, Type: ledger.NoticeRecipients, Village: "V1", Title: "V1补助对象公示", Code: "t-2026-0001",
		Number: "镇头公〔2026〕1号", Status: ledger.NoticeEnded, PublishedOn: "2026-05-01", EndsOn: endsOn, PublishSeq: 51,
		Rows: []ledger.NoticeRef{{Kind: "payment", ID: p.ID, Seq: p.Seq}}}}
	return x, p
}

// TestDisclosureRules: C5, D2, D3, E2, H2 and H3 each fire on a case and
// stay quiet on its near miss.
func TestDisclosureRules(t *testing.T) {
	cases := []struct {
		name string
		rule string
		data func() *ledger.ScanData
		want int
	}{
		{"C5 fires: paid before the list ended", "C5", func() *ledger.ScanData { x, _ := listed("2026-05-25"); return x }, 1},
		{"C5 near miss: paid the day after the list ended", "C5", func() *ledger.ScanData { x, _ := listed("2026-05-19"); return x }, 0},
		{"C5 fires: an objection still open", "C5", func() *ledger.ScanData {
			x, _ := listed("2026-05-10")
			x.Complaints = []ledger.Complaint{{ID: 60, Receipt: "AAAAA-BBBBB", Kind: ledger.ComplaintObjection, NoticeCode: "t-2026-0001", Status: ledger.ComplaintReplied}}
			return x
		}, 1},
		{"C5 near miss: the objection was rejected", "C5", func() *ledger.ScanData {
			x, _ := listed("2026-05-10")
			x.Complaints = []ledger.Complaint{{ID: 60, Receipt: "AAAAA-BBBBB", Kind: ledger.ComplaintObjection, NoticeCode: "t-2026-0001",
				Status: ledger.ComplaintResolved, Outcome: ledger.OutcomeRejected}}
			return x
		}, 0},
		{"H2 fires: no list at all", "H2", func() *ledger.ScanData { x, _ := listed("2026-05-10"); x.Notices = nil; return x }, 1},
		{"H2 near miss: the list was published", "H2", func() *ledger.ScanData { x, _ := listed("2026-05-10"); return x }, 0},
		{"H2 near miss: a withdrawn list does not count, but the item needs none", "H2", func() *ledger.ScanData {
			x, _ := listed("2026-05-10")
			x.Notices[0].Status = ledger.NoticeWithdrawn
			it := x.Items["CY01"]
			it.ListNoticeRequired = false
			x.Items["CY01"] = it
			return x
		}, 0},
		{"D2 fires: no allocation notice 15 working days after arrival", "D2", func() *ledger.ScanData { return base() }, 1},
		{"D2 near miss: published on the 15th working day", "D2", func() *ledger.ScanData {
			x := base()
			// 2026-01-01 is a Thursday: the 15th working day after it is 2026-01-22
			x.Notices = []ledger.Notice{{Type: ledger.NoticeAllocation, Fund: "F5", Status: ledger.NoticePublished, PublishedOn: "2026-01-22"}}
			return x
		}, 0},
		{"D2 near miss: still within the 15 working days", "D2", func() *ledger.ScanData {
			x := base()
			x.Now = time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)
			return x
		}, 0},
		{"D3 fires: withdrawn before the end date", "D3", func() *ledger.ScanData {
			x := base()
			x.Notices = []ledger.Notice{{ID: 70, Code: "t-1", Number: "镇头公〔2026〕2号", Status: ledger.NoticeWithdrawn, EndsOn: "2026-05-10",
				WithdrawnOn: "2026-05-03", WithdrawReason: "数据有误", PublishSeq: 71, LastSeq: 72}}
			return x
		}, 1},
		{"D3 near miss: withdrawn after the end date", "D3", func() *ledger.ScanData {
			x := base()
			x.Notices = []ledger.Notice{{ID: 70, Code: "t-1", Status: ledger.NoticeWithdrawn, EndsOn: "2026-05-10", WithdrawnOn: "2026-05-11", PublishSeq: 71, LastSeq: 72}}
			return x
		}, 0},
		{"E2 fires: paid before the project was in 实施", "E2", func() *ledger.ScanData {
			x := base()
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-02", "2026-02-20"))
			x.ProjectStates = map[int64][]ledger.StateChange{7: {{To: ledger.ProjLibrary, On: "2026-01-05"}, {To: ledger.ProjInProgress, On: "2026-03-01"}}}
			return x
		}, 1},
		{"E2 near miss: paid on the day it entered 实施", "E2", func() *ledger.ScanData {
			x := base()
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-01"))
			x.ProjectStates = map[int64][]ledger.StateChange{7: {{To: ledger.ProjLibrary, On: "2026-01-05"}, {To: ledger.ProjInProgress, On: "2026-03-01"}}}
			return x
		}, 0},
		{"H3 fires: a complaint open 21 days", "H3", func() *ledger.ScanData {
			x := base()
			x.Complaints = []ledger.Complaint{{ID: 80, Receipt: "CCCCC-DDDDD", Status: ledger.ComplaintReplied, FiledAt: x.Now.Add(-21 * 24 * time.Hour).Format(time.RFC3339)}}
			return x
		}, 1},
		{"H3 near miss: open 19 days", "H3", func() *ledger.ScanData {
			x := base()
			x.Complaints = []ledger.Complaint{{ID: 80, Receipt: "CCCCC-DDDDD", Status: ledger.ComplaintOpen, FiledAt: x.Now.Add(-19 * 24 * time.Hour).Format(time.RFC3339)}}
			return x
		}, 0},
	}
	for _, c := range cases {
		fs := run(t, c.rule, c.data())
		if len(fs) != c.want {
			t.Errorf("%s: %d findings, want %d: %+v", c.name, len(fs), c.want, fs)
			continue
		}
		for _, f := range fs {
			if f.Rule != c.rule || f.SubjectKey == "" || f.Reason == "" || len(f.Evidence.Entries) == 0 {
				t.Errorf("%s: incomplete finding %+v", c.name, f)
			}
		}
	}
}
