package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// jobRun is the answer of POST /api/v1/jobs/{name}/run.
type jobRun struct {
	Outcome string           `json:"outcome"`
	Counts  map[string]int64 `json:"counts"`
	Error   string           `json:"error"`
}

func (e *townEnv) runNoticesJob() jobRun {
	e.t.Helper()
	r := e.call("POST", "/api/v1/jobs/notices/run", "admin", nil)
	var j jobRun
	e.decode(r, &j)
	if r.status != 200 || j.Outcome != "success" {
		e.t.Fatalf("notices job: %s", r)
	}
	return j
}

// stageNotice returns the notice of a type about a project (any status
// but withdrawn), and how many there are.
func (e *townEnv) stageNotice(typ, project string) (ledger.Notice, int) {
	e.t.Helper()
	ns, err := e.svc.Notices(context.Background(), e.lg, "", "", typ)
	if err != nil {
		e.t.Fatal(err)
	}
	var out ledger.Notice
	k := 0
	for _, n := range ns {
		if n.Project == project && n.Status != ledger.NoticeWithdrawn {
			out, k = n, k+1
		}
	}
	return out, k
}

// TestProjectStages (issue 16, every project stage), SQLite and MariaDB:
// the notices job drafts each stage's notice when a village project enters
// 实施, 验收 and 完工, never twice, and publishes it by itself only when the
// town's settings name its type; the PDFs hold the fields the rules
// require (施工单位, 监理单位, 合同金额, 开工/完工日期, 责任人; 验收日期, 验收结论,
// 验收组; 决算金额, 形成资产 and its 管护主体) and the village's contacts (the
// county office, the 村务监督委员会, 12317); 验收 without its date or result
// is refused; a 竣工公告 without paid rows is refused with its reason; the
// asset register takes assets only after acceptance and shows them on the
// project's public page.
func TestProjectStages(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			code := "ZT-2026-031"
			e.toInProgress(ledger.ProjectRow{Code: code, Name: "石牛村组道路硬化", Category: "基础设施", Nature: "新建", Village: "石牛村",
				Location: "石牛村三组", Task: "硬化村组道路 2.5 公里", Budget: lt.Y("480000"), ResponsibleUnit: "石牛村村民委员会",
				ResponsiblePerson: "彭光明", Implementer: "石牛村村民委员会", StartOn: lt.D("2026-03-01"), EndOn: lt.D("2026-10-31"),
				Targets: "道路通达率 100%", Mechanism: "优先吸纳脱贫户务工", SubsidyStandard: "每公里补助 19.2 万元",
				BudgetBySource: []ledger.FundBudget{{SourceLevel: "中央", Amount: lt.Y("480000")}}}, 31)
			// the contacts village notices print
			if r := e.call("PUT", "/api/v1/town", "admin", map[string]any{"name": "镇头镇", "short_name": "镇头", "phones": []string{"0731-83000000"},
				"county_office": "浏阳市乡村振兴局", "county_phone": "0731-83012317"}); r.status != 200 {
				t.Fatalf("town: %s", r)
			}
			wantProblem(t, "a bad supervision phone", e.call("PUT", "/api/v1/villages/石牛村/contacts", "admin",
				map[string]any{"supervision_name": "李春生", "supervision_phone": "打电话"}), 422, ledger.CodeValidationFailed)
			if r := e.call("PUT", "/api/v1/villages/石牛村/contacts", "admin", map[string]any{"supervision_name": "李春生", "supervision_phone": "13807312101"}); r.status != 200 {
				t.Fatalf("village contacts: %s", r)
			}
			// the contract: refused without a 监理单位, then recorded
			contract := map[string]any{"contract_no": "HT-2026-031", "contractor": "湖南镇头路桥工程有限公司", "supervisor": "",
				"procurement_method": "公开招标", "contract_amount": "462500.00", "started_on": "2026-03-05", "ends_on": "2026-10-31"}
			wantProblem(t, "a contract without 监理单位", e.call("POST", "/api/v1/projects/"+code+"/contract", "finance", contract), 422, ledger.CodeValidationFailed)
			contract["supervisor"] = "湖南浏建工程监理有限公司"
			if r := e.call("POST", "/api/v1/projects/"+code+"/contract", "finance", contract); r.status != http.StatusCreated {
				t.Fatalf("contract: %s", r)
			}

			// money allocated (nothing paid yet)
			if _, err := e.svc.RecordAllocation(context.Background(), e.lg, "fin", ledger.AllocationRow{DocNo: envFundDoc, ProjectCode: code,
				Amount: lt.Y("50000"), AllocatedOn: lt.D("2026-02-20")}, nil); err != nil {
				t.Fatal(err)
			}
			// 实施: the job drafts the 项目实施前公示; by default it waits for a person
			j := e.runNoticesJob()
			pre, k := e.stageNotice(ledger.NoticePreStart, code)
			if k != 1 || pre.Status != ledger.NoticeDraft || j.Counts["drafted"] == 0 {
				t.Fatalf("after 实施: %d drafts, status %q, counts %v", k, pre.Status, j.Counts)
			}
			if _, k := e.stageNotice(ledger.NoticePreStart, code); k != 1 {
				t.Fatal("drafted twice")
			}
			e.runNoticesJob()
			if _, k := e.stageNotice(ledger.NoticePreStart, code); k != 1 {
				t.Fatalf("the job's second run drafted again: %d", k)
			}
			plan := e.publish(pre.ID)
			text := squash(pdfText(t, e.call("GET", "/notices/"+plan.Code+".pdf", "none", nil).body))
			for _, w := range []string{"施工单位", "湖南镇头路桥工程有限公司", "监理单位", "湖南浏建工程监理有限公司", "合同金额", "462,500.00",
				"开工日期", "2026年3月5日", "完工日期", "2026年10月31日", "项目责任人", "彭光明", "采购方式", "公开招标",
				"浏阳市乡村振兴局", "0731-83012317", "石牛村村务监督委员会（李春生）13807312101", "12317"} {
				if !strings.Contains(text, squash(w)) {
					t.Errorf("项目实施前公示: pdftotext lacks %q", w)
				}
			}

			// the town publishes acceptance notices by itself from now on
			if r := e.call("PUT", "/api/v1/town", "admin", map[string]any{"name": "镇头镇", "short_name": "镇头", "phones": []string{"0731-83000000"},
				"county_office": "浏阳市乡村振兴局", "county_phone": "0731-83012317",
				"auto_publish": []string{ledger.NoticePaymentResult, ledger.NoticeQuarterly, ledger.NoticeAcceptance, ledger.NoticeCompletion}}); r.status != 200 {
				t.Fatalf("town: %s", r)
			}
			// 验收 without its date or result is refused, nothing written
			before := e.size()
			for _, body := range []map[string]any{{"to": ledger.ProjAccepted, "note": "验收"},
				{"to": ledger.ProjAccepted, "note": "验收", "accepted_on": "2026-02-27"},
				{"to": ledger.ProjAccepted, "note": "验收", "acceptance_result": "合格"}} {
				p := wantProblem(t, "验收 without its date or result", e.call("POST", "/api/v1/projects/"+code+"/transitions", "finance", body),
					422, ledger.CodeValidationFailed)
				if !strings.Contains(p.Detail, "验收") {
					t.Errorf("detail: %s", p.Detail)
				}
			}
			// an asset before acceptance is refused
			asset := map[string]any{"name": "村组道路 2.5 公里", "kind": "公益性资产", "value": "460000.00", "custodian": "石牛村股份经济合作社",
				"handed_over_on": "2026-02-28"}
			wantProblem(t, "an asset before 验收", e.call("POST", "/api/v1/projects/"+code+"/assets", "finance", asset), 422, ledger.CodeProjectState)
			if e.size() != before {
				t.Fatal("a refused transition or asset wrote entries")
			}
			if r := e.call("POST", "/api/v1/projects/"+code+"/transitions", "finance", map[string]any{"to": ledger.ProjAccepted, "note": "竣工验收",
				"accepted_on": "2026-02-27", "acceptance_result": "合格", "acceptance_group": "镇农办、镇财政所、村务监督委员会"}); r.status != http.StatusCreated {
				t.Fatalf("验收: %s", r)
			}
			e.runNoticesJob()
			acc, k := e.stageNotice(ledger.NoticeAcceptance, code)
			if k != 1 || acc.Status != ledger.NoticePublished {
				t.Fatalf("after 验收: %d notices, status %q", k, acc.Status)
			}
			text = squash(pdfText(t, e.call("GET", "/notices/"+acc.Code+".pdf", "none", nil).body))
			for _, w := range []string{"验收日期", "2026年2月27日", "验收结论", "合格", "验收组", "镇农办、镇财政所、村务监督委员会", "5个工作日"} {
				if !strings.Contains(text, squash(w)) {
					t.Errorf("项目验收公示: pdftotext lacks %q", w)
				}
			}

			// 完工 with nothing paid: the job refuses the 竣工公告, and so does a draft by hand
			if r := e.call("POST", "/api/v1/projects/"+code+"/transitions", "finance", map[string]any{"to": ledger.ProjCompleted, "note": "决算审核完毕",
				"final_amount": "458000.00"}); r.status != http.StatusCreated {
				t.Fatalf("完工: %s", r)
			}
			j = e.runNoticesJob()
			if _, k := e.stageNotice(ledger.NoticeCompletion, code); k != 0 || j.Counts["refused"] != 1 {
				t.Fatalf("a 竣工公告 without paid rows: %d drafted, counts %v", k, j.Counts)
			}
			p := wantProblem(t, "a 竣工公告 by hand without paid rows", e.call("POST", "/api/v1/notices", "finance",
				map[string]any{"type": ledger.NoticeCompletion, "project": code}), 422, ledger.CodeValidationFailed)
			if !strings.Contains(p.Detail, "没有已支付的资金记录") {
				t.Errorf("the refusal gives no reason: %s", p.Detail)
			}
			// paid (a final payment), with its asset: the job publishes it
			e.payment("finance", ledger.PaymentRow{ProjectCode: code, Kind: ledger.PayFinal, PayeeOrgName: "湖南镇头路桥工程有限公司",
				PayeeUSCC: lt.USCC(93), Amount: lt.Y("4580"), PaidOn: lt.D("2026-02-28"), ContractNo: "HT-2026-031"})
			wantProblem(t, "an asset of another kind", e.call("POST", "/api/v1/projects/"+code+"/assets", "finance",
				map[string]any{"name": "道路", "kind": "固定资产", "value": "1.00", "custodian": "村委会", "handed_over_on": "2026-02-28"}), 422, ledger.CodeValidationFailed)
			if r := e.call("POST", "/api/v1/projects/"+code+"/assets", "finance", asset); r.status != http.StatusCreated {
				t.Fatalf("asset: %s", r)
			}
			e.runNoticesJob()
			done, k := e.stageNotice(ledger.NoticeCompletion, code)
			if k != 1 || done.Status != ledger.NoticePublished {
				t.Fatalf("after 完工 and payment: %d notices, status %q", k, done.Status)
			}
			text = squash(pdfText(t, e.call("GET", "/notices/"+done.Code+".pdf", "none", nil).body))
			for _, w := range []string{"决算金额", "458,000.00", "形成资产及管护主体", "村组道路 2.5 公里", "公益性资产", "石牛村股份经济合作社",
				"验收结论", "验收组", "4,580.00"} {
				if !strings.Contains(text, squash(w)) {
					t.Errorf("竣工公告: pdftotext lacks %q", w)
				}
			}
			// the project's public page shows the asset register
			page := e.call("GET", "/projects/"+code, "none", nil)
			for _, w := range []string{"形成资产（共 1 项）", "村组道路 2.5 公里", "石牛村股份经济合作社", "460,000.00", "湖南镇头路桥工程有限公司", done.Code} {
				if page.status != 200 || !strings.Contains(string(page.body), w) {
					t.Errorf("the project page lacks %q (%d)", w, page.status)
				}
			}
			var got struct {
				Project struct {
					Assets []struct{ Name, Custodian string } `json:"assets"`
				} `json:"project"`
			}
			e.decode(e.call("GET", "/api/v1/projects/"+code, "auditor", nil), &got)
			if len(got.Project.Assets) != 1 || got.Project.Assets[0].Custodian != "石牛村股份经济合作社" {
				t.Errorf("the staff API's project: %+v", got)
			}
			if r := e.call("GET", "/projects/ZT-NONE", "none", nil); r.status != 404 {
				t.Errorf("an unknown project's page: %d", r.status)
			}
		})
	}
}

// TestImportedProjectNeedsAcceptance (issue 16): a 项目 sheet's project in
// 验收 (or 完工) needs its 验收日期 and 验收结论 (extra columns, with 补助标准
// and 筹资方式): without them the import is refused naming the row and
// nothing is written; with them the project carries them.
func TestImportedProjectNeedsAcceptance(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	header := "项目编号,项目名称,项目类别,建设性质,村,建设任务,预算(元),实施单位,责任人,开始日期,结束日期,受益户数,受益脱贫户数,绩效目标,带贫减贫机制,项目状态,批复文号,批复日期,验收日期,验收结论,补助标准,筹资方式\n"
	row := func(accepted, result string) []byte {
		return []byte(header + "ZT-2026-077,田坪村机耕道,基础设施,新建,田坪村,机耕道 1.2 公里,120000,田坪村村民委员会,王五,2026-01-10,2026-02-20,80,30,通行率 100%,务工," +
			"验收,浏乡振发〔2026〕77号,2026-01-05," + accepted + "," + result + ",每公里 10 万元,财政资金与村集体自筹\n")
	}
	before := e.size()
	r := e.upload("/api/v1/imports/projects", "finance", "项目.csv", row("", ""), "")
	p := wantProblem(t, "a project in 验收 without its acceptance", r, 422, ledger.CodeImportRowsInvalid)
	if len(p.Errors) != 1 || p.Errors[0].Row != 2 || !strings.Contains(p.Errors[0].Message, "验收日期和验收结论") {
		t.Errorf("errors: %+v", p.Errors)
	}
	if e.size() != before {
		t.Fatal("a refused import wrote entries")
	}
	if r := e.upload("/api/v1/imports/projects", "finance", "项目.csv", row("2026-02-25", "合格"), ""); r.status != http.StatusCreated {
		t.Fatalf("import: %s", r)
	}
	pr, err := e.svc.ProjectByCode(context.Background(), e.lg, "ZT-2026-077")
	if err != nil || pr.AcceptedOn != lt.D("2026-02-25") || pr.AcceptanceResult != "合格" || pr.SubsidyStandard != "每公里 10 万元" || pr.Financing != "财政资金与村集体自筹" {
		t.Fatalf("imported: %v %+v", err, pr)
	}
}
