package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// published is the answer of POST /api/v1/notices/{id}/publish.
type published struct {
	ID         int64  `json:"id"`
	Code       string `json:"code"`
	Number     string `json:"number"`
	PDFSHA256  string `json:"pdf_sha256"`
	Checkpoint string `json:"checkpoint"`
	EntrySeq   int64  `json:"entry_seq"`
	EndsOn     string `json:"ends_on"`
}

// draft posts a draft as finance and returns its id.
func (e *townEnv) draft(body map[string]any) int64 {
	e.t.Helper()
	r := e.call("POST", "/api/v1/notices", "finance", body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("draft %v: %s", body, r)
	}
	var n api.NoticeDTO
	e.decode(r, &n)
	return n.ID
}

// publish publishes a draft as finance.
func (e *townEnv) publish(id int64) published {
	e.t.Helper()
	r := e.call("POST", fmt.Sprintf("/api/v1/notices/%d/publish", id), "finance", nil)
	if r.status != http.StatusCreated {
		e.t.Fatalf("publish %d: %s", id, r)
	}
	var p published
	e.decode(r, &p)
	return p
}

// disclosureTown adds to the env what every notice type needs and
// publishes one notice of each type through the API. It returns them by
// type.
func (e *townEnv) disclosureTown() map[string]published {
	e.t.Helper()
	ctx := context.Background()
	// 补助对象公示: two 教育资助 payments waiting for publicity in 田坪村.
	for _, k := range []string{"tp1", "tp2"} {
		p := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids[k], ItemCode: "JY04", Amount: lt.Y("1000"),
			Period: lt.P("2026"), PaidOn: lt.D("2026-03-20")})
		if p.Status != ledger.StatusAwaitingPublicity {
			e.t.Fatalf("JY04 payment: %s", p.Status)
		}
	}
	// 资金发放结果公告 and 竣工公告: effective payments in February.
	for i, k := range []string{"tp3", "tp1"} {
		p := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids[k], Amount: lt.Y(fmt.Sprint(800 + i*50)),
			PaidOn: lt.D("2026-02-1" + fmt.Sprint(i+5))})
		if p.Status != ledger.StatusEffective {
			e.t.Fatalf("payment: %s", p.Status)
		}
	}
	// 项目入库公示: a project in 公示 with every library field.
	lib := ledger.ProjectRow{Code: "ZT-2026-010", Name: "田坪村油茶基地提质改造", Category: "产业", Nature: "新建", Village: "田坪村",
		Location: "田坪村三组", Task: "改造油茶林 300 亩", Budget: lt.Y("300000"), ResponsibleUnit: "田坪村村民委员会", ResponsiblePerson: "王五",
		Implementer: "田坪村股份经济合作社", StartOn: lt.D("2026-04-01"), EndOn: lt.D("2026-10-31"), Beneficiaries: 120, PoorBeneficiaries: 46,
		Targets: "亩产提高 30%", Participation: "村民代表会议审议通过", Mechanism: "脱贫户务工与分红",
		BudgetBySource: []ledger.FundBudget{{SourceLevel: "中央", Amount: lt.Y("200000")}, {SourceLevel: "县市区级", Amount: lt.Y("100000")}}}
	if _, err := e.svc.RegisterProject(ctx, e.lg, "fin", lib, nil); err != nil {
		e.t.Fatal(err)
	}
	for _, to := range []string{ledger.ProjReviewed, ledger.ProjPublicized} {
		if _, err := e.svc.TransitionProject(ctx, e.lg, "fin", lib.Code, ledger.Transition{To: to, Note: "按程序推进"}, nil); err != nil {
			e.t.Fatal(err)
		}
	}
	// 项目实施前公示 and 项目验收公示: a project with dates and budget sources.
	site := lib
	site.Code, site.Name, site.Village, site.Location = "ZT-2026-011", "石牛村安全饮水巩固提升工程", "石牛村", "石牛村一组至五组"
	site.Category, site.Task = "基础设施", "新建蓄水池 2 座、铺设管网 3.5 公里"
	e.toInProgress(site, 11)

	out := map[string]published{}
	pub := func(body map[string]any) {
		out[body["type"].(string)] = e.publish(e.draft(body))
	}
	pub(map[string]any{"type": ledger.NoticeAllocation, "fund": envFundDoc, "fields": map[string]string{"allocation_principle": "因素法分配，向脱贫人口多的村倾斜"}})
	pub(map[string]any{"type": ledger.NoticeLibrary, "village": village1})
	pub(map[string]any{"type": ledger.NoticePlan, "period": "2026", "fields": map[string]string{"subsidy_standard": "按项目批复标准执行"}})
	// 项目实施前公示 from the contract the ledger holds (issue 16)
	if _, err := e.svc.RecordProjectContract(ctx, e.lg, "fin", site.Code, ledger.ContractInput{ContractNo: "HT-2026-011",
		Contractor: "浏阳市安澜水利建设有限公司", Supervisor: "湖南湘江工程监理有限公司", ProcurementMethod: "公开招标", Amount: lt.Y("285600"),
		StartOn: lt.D("2026-03-05"), EndOn: lt.D("2026-10-31")}, nil); err != nil {
		e.t.Fatal(err)
	}
	pub(map[string]any{"type": ledger.NoticePreStart, "project": site.Code})
	// a progress payment to the contractor, so that the 竣工公告 has paid rows
	if _, err := e.svc.RecordAllocation(ctx, e.lg, "fin", ledger.AllocationRow{DocNo: envFundDoc, ProjectCode: site.Code, Amount: lt.Y("50000"),
		AllocatedOn: lt.D("2026-02-20")}, nil); err != nil {
		e.t.Fatal(err)
	}
	e.payment("finance", ledger.PaymentRow{ProjectCode: site.Code, Kind: ledger.PayProgress, PayeeOrgName: "浏阳市安澜水利建设有限公司",
		PayeeUSCC: lt.USCC(61), Amount: lt.Y("4000"), PaidOn: lt.D("2026-02-26"), ContractNo: "HT-2026-011"})
	if _, err := e.svc.TransitionProject(ctx, e.lg, "fin", site.Code, ledger.Transition{To: ledger.ProjAccepted, Note: "竣工验收",
		AcceptedOn: lt.D("2026-02-25"), AcceptanceResult: "合格", AcceptanceGroup: "镇农办、镇财政所、石牛村村务监督委员会"}, nil); err != nil {
		e.t.Fatal(err)
	}
	pub(map[string]any{"type": ledger.NoticeAcceptance, "project": site.Code, "fields": map[string]string{"outputs": "蓄水池 2 座、管网 3.5 公里"}})
	if _, err := e.svc.TransitionProject(ctx, e.lg, "fin", site.Code, ledger.Transition{To: ledger.ProjCompleted, Note: "决算审核完毕",
		FinalAmount: lt.Y("283950.50")}, nil); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.RecordProjectAsset(ctx, e.lg, "fin", site.Code, ledger.ProjectAsset{Name: "石牛村蓄水池及供水管网", Kind: "公益性资产",
		Value: lt.Y("283950.50"), Custodian: "石牛村股份经济合作社", HandedOverOn: lt.D("2026-02-28")}, nil); err != nil {
		e.t.Fatal(err)
	}
	pub(map[string]any{"type": ledger.NoticeCompletion, "project": site.Code, "fields": map[string]string{"targets_met": "受益群众满意度 98%"}})
	pub(map[string]any{"type": ledger.NoticeRecipients, "village": village1})
	pub(map[string]any{"type": ledger.NoticePaymentResult, "village": village1, "period": "2026-02"})
	pub(map[string]any{"type": ledger.NoticeLoans, "village": village1, "period": "2026-02"})
	pub(map[string]any{"type": ledger.NoticeQuarterly, "period": "2026-Q1"})
	return out
}

// artifacts is where tests keep what a person may want to look at (PDF
// page renders, screenshots): $SUNSHINE_ARTIFACTS (CI sets it to
// test-output/ in the clone), else a folder under the system's temp dir.
var artifacts = func() string {
	if d := os.Getenv("SUNSHINE_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "sunshine-test-output")
}()

// pdfText returns pdftotext's text of a PDF. Without poppler-utils the test
// is skipped locally and fails in CI (where .ci/run installs it).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing (poppler-utils)")
		}
		t.Skip("pdftotext not installed")
	}
	f := filepath.Join(t.TempDir(), "n.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

var spaces = regexp.MustCompile(`\s+`)

func squash(s string) string { return spaces.ReplaceAllString(s, "") }

// TestNoticesEveryType publishes one notice of each type of DOMAIN.md §6
// through the API and checks each PDF: pdftotext finds the title, number,
// every field and every row's cells and seq; the served bytes are the
// stored bytes; the same content renders byte-identical again; page 1 is
// rendered to PNG as an artefact.
func TestNoticesEveryType(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			all := e.disclosureTown()
			if len(all) != len(ledger.NoticeTypes) {
				t.Fatalf("published %d types, want %d", len(all), len(ledger.NoticeTypes))
			}
			for _, typ := range ledger.NoticeTypes {
				p := all[typ]
				t.Run(typ, func(t *testing.T) {
					r := e.call("GET", "/notices/"+p.Code+".pdf", "none", nil)
					if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" {
						t.Fatalf("pdf: %d %s", r.status, r.header.Get("Content-Type"))
					}
					sum := sha256.Sum256(r.body)
					if hex.EncodeToString(sum[:]) != p.PDFSHA256 {
						t.Fatal("served bytes differ from the stored sha256")
					}
					n, err := e.svc.NoticeByCode(context.Background(), e.lg, p.Code)
					if err != nil {
						t.Fatal(err)
					}
					st, err := disclosure.LoadStored(context.Background(), e.svc, e.lg, n)
					if err != nil {
						t.Fatal(err)
					}
					// the same content renders the same bytes
					att, _ := json.Marshal(disclosure.Attachment{Notice: n.Code, Number: n.Number, VerifyURL: st.VerifyURL,
						CheckpointSize: n.CheckpointSize, Rows: st.Rows})
					again, err := disclosure.RenderPDF(disclosure.DocumentOf(st.Content, st.Checkpoint, st.VerifyURL, att))
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(again, r.body) {
						t.Fatal("re-rendering the stored content gives other bytes")
					}
					text := squash(pdfText(t, r.body))
					want := []string{st.Content.Title, p.Number, "第1页共"}
					for _, f := range st.Content.Fields {
						want = append(want, f.Value)
					}
					for _, row := range st.Content.Rows {
						for _, cell := range row.Cells {
							want = append(want, cell)
						}
						if row.Seq >= 0 {
							want = append(want, fmt.Sprint(row.Seq))
						}
					}
					for _, line := range strings.Split(st.Checkpoint, "\n") {
						want = append(want, line)
					}
					for _, w := range want {
						if !strings.Contains(text, squash(w)) {
							t.Errorf("pdftotext lacks %q", w)
						}
					}
					if len(st.Content.Rows) == 0 {
						t.Error("no rows")
					}
					if dialect == "sqlite" {
						dir := filepath.Join(artifacts, "notices")
						_ = os.MkdirAll(dir, 0o755)
						f := filepath.Join(dir, p.Code+".pdf")
						_ = os.WriteFile(f, r.body, 0o644)
						if out, err := exec.Command("pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", f, filepath.Join(dir, typ)).CombinedOutput(); err != nil {
							t.Errorf("pdftoppm: %v %s", err, out)
						} else if m, _ := filepath.Glob(filepath.Join(dir, typ+"-*1.png")); len(m) == 0 {
							t.Errorf("pdftoppm wrote no page 1 render for %s", typ)
						} else {
							t.Logf("page 1: %s", m[0])
						}
					}
				})
			}
		})
	}
}

// TestPublishRefusesMissingFields: a draft lacking required fields is
// refused at publish, naming them, and nothing is written.
func TestPublishRefusesMissingFields(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	id := e.draft(map[string]any{"type": ledger.NoticePreStart, "project": envProject1, "fields": map[string]string{"contractor": "某公司"}})
	before := e.size()
	r := e.call("POST", fmt.Sprintf("/api/v1/notices/%d/publish", id), "finance", nil)
	p := wantProblem(t, "publish without fields", r, http.StatusUnprocessableEntity, ledger.CodeMissingFields)
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	for _, f := range []string{"fields.procurement_method", "fields.procurement_result", "contract.supervisor", "contract.amount"} {
		if !strings.Contains(strings.Join(fields, " "), f) {
			t.Errorf("missing %s not named: %v", f, fields)
		}
	}
	if !strings.Contains(p.Detail, "采购方式") {
		t.Errorf("detail does not name the field: %s", p.Detail)
	}
	if e.size() != before {
		t.Error("a refused publish wrote entries")
	}
	// a type the service does not know, and a month in the wrong shape
	wantProblem(t, "bad type", e.call("POST", "/api/v1/notices", "finance", map[string]any{"type": "通知"}), 422, ledger.CodeValidationFailed)
	wantProblem(t, "bad period", e.call("POST", "/api/v1/notices", "finance", map[string]any{"type": ledger.NoticePaymentResult,
		"village": village1, "period": "2026年2月"}), 422, ledger.CodeValidationFailed)
	wantProblem(t, "monitor drafts", e.call("POST", "/api/v1/notices", "monitor", map[string]any{"type": ledger.NoticeQuarterly, "period": "2026-Q1"}),
		403, ledger.CodeForbidden)
	// a village project's notice drafted for another village (its draft
	// would be read by that village's monitors)
	before = e.size()
	wantProblem(t, "another village's project", e.call("POST", "/api/v1/notices", "finance", map[string]any{"type": ledger.NoticePreStart,
		"project": envProject2, "village": village1}), 422, ledger.CodeValidationFailed)
	if e.size() != before {
		t.Error("a refused draft wrote entries")
	}
}

// TestObjectionHoldsPayments: a 补助对象公示 with an open objection keeps
// its payments waiting after the period ends; without one they become
// effective; a rejected objection releases them at the next run.
func TestObjectionHoldsPayments(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			ctx := context.Background()
			pay := func(k string) ledger.Payment {
				return e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids[k], ItemCode: "JY04",
					Amount: lt.Y("1000"), Period: lt.P("2026"), PaidOn: lt.D("2026-03-20")})
			}
			held := pay("tp1")
			tian := e.publish(e.draft(map[string]any{"type": ledger.NoticeRecipients, "village": village1}))
			// 石牛村's list (paid from 石牛村's project)
			free := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject2, PayeeIDNumber: e.ids["sn1"], ItemCode: "JY04",
				Amount: lt.Y("1000"), Period: lt.P("2026"), PaidOn: lt.D("2026-03-20")})
			e.publish(e.draft(map[string]any{"type": ledger.NoticeRecipients, "village": village2}))

			r := e.call("POST", "/api/public/complaints", "none", map[string]any{"notice_code": tian.Code, "text": "欧阳春华家不符合条件", "contact": "13907310000"})
			if r.status != http.StatusCreated {
				t.Fatalf("objection: %s", r)
			}
			var rc struct{ Receipt, Kind string }
			e.decode(r, &rc)
			if rc.Kind != ledger.ComplaintObjection || rc.Receipt == "" {
				t.Fatalf("objection: %+v", rc)
			}
			runJob := func() map[string]int64 {
				r := e.call("POST", "/api/v1/jobs/publicity/run", "admin", nil)
				var jr struct {
					Outcome string
					Counts  map[string]int64
				}
				e.decode(r, &jr)
				if jr.Outcome != "success" {
					t.Fatalf("publicity: %s", r)
				}
				return jr.Counts
			}
			// still in the period: nothing moves
			if c := runJob(); c["effective"] != 0 || c["ended"] != 0 {
				t.Fatalf("in the period: %v", c)
			}
			e.clock.Advance(11 * 24 * time.Hour)
			c := runJob()
			if c["ended"] != 2 || c["effective"] != 1 || c["held"] != 1 {
				t.Fatalf("after the period: %v", c)
			}
			status := func(p ledger.Payment) string {
				got, err := e.svc.Payment(ctx, e.lg, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.Status
			}
			if status(held) != ledger.StatusAwaitingPublicity || status(free) != ledger.StatusEffective {
				t.Fatalf("held %s, free %s", status(held), status(free))
			}
			// the complainant follows it; staff reject it; the next run releases the payment
			cs, err := e.svc.Complaints(ctx, e.lg, "")
			if err != nil || len(cs) != 1 {
				t.Fatalf("complaints: %v %d", err, len(cs))
			}
			r = e.call("POST", fmt.Sprintf("/api/v1/complaints/%d/resolve", cs[0].ID), "finance", map[string]any{"outcome": "rejected",
				"note": "经村民代表会议复核，该户符合条件"})
			if r.status != http.StatusCreated {
				t.Fatalf("resolve: %s", r)
			}
			var st api.PublicComplaintDTO
			e.decode(e.call("GET", "/api/public/complaints/"+rc.Receipt, "none", nil), &st)
			if st.Status != ledger.ComplaintResolved || len(st.Replies) != 1 || strings.Contains(fmt.Sprint(st), "13907310000") {
				t.Fatalf("status page: %+v", st)
			}
			if c := runJob(); c["effective"] != 1 {
				t.Fatalf("after the rejection: %v", c)
			}
			if status(held) != ledger.StatusEffective {
				t.Fatalf("held payment: %s", status(held))
			}
		})
	}
}

// TestWithdrawAndSupersede: a withdrawn notice stays public, marked, and an
// early withdrawal is flagged (D3); a superseding notice names the old one.
func TestWithdrawAndSupersede(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	first := e.publish(e.draft(map[string]any{"type": ledger.NoticeQuarterly, "period": "2026-Q1"}))
	second := e.publish(e.draft(map[string]any{"type": ledger.NoticeQuarterly, "period": "2026-Q1", "supersedes": first.Code}))
	var pn api.PublicNoticeDTO
	e.decode(e.call("GET", "/api/public/notices/"+first.Code, "none", nil), &pn)
	if pn.Status != ledger.NoticeSuperseded || pn.SupersededBy != second.Code {
		t.Fatalf("superseded: %+v", pn)
	}
	wantProblem(t, "withdraw without reason", e.call("POST", fmt.Sprintf("/api/v1/notices/%d/withdraw", second.ID), "finance", map[string]any{"reason": " "}),
		422, ledger.CodeValidationFailed)
	if r := e.call("POST", fmt.Sprintf("/api/v1/notices/%d/withdraw", second.ID), "finance", map[string]any{"reason": "数据有误，重新核对后发布"}); r.status != 201 {
		t.Fatalf("withdraw: %s", r)
	}
	page := e.call("GET", "/notices/"+second.Code, "none", nil)
	if page.status != 200 || !strings.Contains(string(page.body), "已于") || !strings.Contains(string(page.body), "数据有误") {
		t.Fatalf("withdrawn page: %d", page.status)
	}
	if r := e.call("GET", "/notices/"+second.Code+".pdf", "none", nil); r.status != 200 {
		t.Fatalf("withdrawn pdf: %d", r.status)
	}
	e.call("POST", "/api/v1/jobs/publicity/run", "admin", nil)
	fs, err := e.svc.Flags(context.Background(), e.lg, ledger.FlagFilter{Rule: "D3"}, nil)
	if err != nil || len(fs) != 1 || !strings.Contains(fs[0].Reason, "数据有误") {
		t.Fatalf("D3: %v %+v", err, fs)
	}
}

// forbiddenIn fails when any of the secrets appears in what.
func forbiddenIn(t *testing.T, where string, what []byte, secrets []string) {
	t.Helper()
	s := string(what)
	for _, x := range secrets {
		if strings.Contains(s, x) {
			t.Errorf("%s shows %q", where, x)
		}
	}
}

// TestNoPersonalDataInPublic renders every notice type, every public page
// and the public JSON from a town with known ID numbers, accounts, phones
// and names, and fails if any of them appears unmasked; withheld entries
// give only their leaf hash.
func TestNoPersonalDataInPublic(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	all := e.disclosureTown()
	var secrets []string
	for k := range e.ids {
		secrets = append(secrets, e.ids[k], e.accounts[k], e.names[k], e.ids[k][:6]+e.ids[k][len(e.ids[k])-4:])
	}
	for i := range 4 {
		secrets = append(secrets, fmt.Sprintf("1390731%04d", i+1))
	}
	masked := 0
	for _, p := range all {
		for _, path := range []string{"/notices/" + p.Code, "/api/public/notices/" + p.Code, "/notices/" + p.Code + ".pdf",
			"/verify?notice=" + p.Code} {
			r := e.call("GET", path, "none", nil)
			if r.status != 200 {
				t.Fatalf("%s: %d", path, r.status)
			}
			body := r.body
			if strings.HasSuffix(path, ".pdf") {
				body = []byte(pdfText(t, r.body))
			}
			forbiddenIn(t, path, body, secrets)
			if strings.Contains(string(body), "欧**华") {
				masked++
			}
		}
	}
	if masked == 0 {
		t.Error("no masked name found: the lists are empty?")
	}
	for _, path := range []string{"/", "/notices", "/notices?village=" + village1, "/api/public/notices", "/query", "/complaints", "/verify"} {
		r := e.call("GET", path, "none", nil)
		if r.status != 200 {
			t.Fatalf("%s: %d", path, r.status)
		}
		forbiddenIn(t, path, r.body, secrets)
	}
	for seq := range e.size() {
		r := e.call("GET", fmt.Sprintf("/api/public/entries/%d", seq), "none", nil)
		forbiddenIn(t, fmt.Sprintf("entry %d", seq), r.body, secrets)
		if ct := r.header.Get("Content-Type"); strings.HasPrefix(ct, "application/vnd.sunshine.withheld+json") {
			var w map[string]any
			if err := json.Unmarshal(r.body, &w); err != nil || len(w) != 2 || w["leaf_hash"] == nil || w["seq"] == nil {
				t.Fatalf("withheld entry %d: %s", seq, r.body)
			}
		}
	}
}

// TestVerifyFromOutside: a genuine notice verifies with only the printed
// checkpoint and the public key; an altered PDF, a row whose entry is not in
// the tree and a printed checkpoint inconsistent with today's tree each
// fail with the reason; the verify page uses the n and r of the URL even
// when the server's stored copy of the notice's checkpoint is changed.
func TestVerifyFromOutside(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	p := e.publish(e.draft(map[string]any{"type": ledger.NoticeLoans, "village": village1, "period": "2026-02"}))
	pdf := e.call("GET", "/notices/"+p.Code+".pdf", "none", nil).body
	key := strings.TrimSpace(string(e.call("GET", "/api/public/key", "none", nil).body))
	// the log grows after the notice was printed
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("10")})
	if _, err := e.svc.L.SignCheckpoint(ctx, e.lg); err != nil {
		t.Fatal(err)
	}
	src := disclosure.LedgerSource{L: e.svc.L, Lg: e.lg}

	claim, err := disclosure.ClaimFromPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	claim.PublishSeq = p.EntrySeq
	if rep := disclosure.Verify(ctx, src, disclosure.Trust{Key: key}, claim); !rep.OK || len(rep.Checks) < 4 {
		t.Fatalf("genuine notice: %+v", rep)
	}
	// an altered PDF: one byte of the page content changed
	altered := bytes.Clone(pdf)
	// one visible word changed: the producer line of the document info
	i := bytes.Index(altered, []byte("(Sunshine Ledger)"))
	if i < 0 {
		t.Fatal("no producer in the PDF")
	}
	altered[i+15] = 'x'
	bad := claim
	bad.PDF = altered
	rep := disclosure.Verify(ctx, src, disclosure.Trust{Key: key}, bad)
	wantFailed(t, rep, "PDF 文件", "被修改")
	// a row whose entry is not in the tree (a forged leaf hash)
	bad = claim
	bad.Rows = append([]disclosure.RowLeaf{}, claim.Rows...)
	bad.Rows[0].LeafHash = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	wantFailed(t, disclosure.Verify(ctx, src, disclosure.Trust{Key: key}, bad), fmt.Sprintf("第 %d 条", bad.Rows[0].Seq), "不一致")
	// a row beyond the printed checkpoint
	bad = claim
	bad.Rows = []disclosure.RowLeaf{{Seq: e.size() - 1}}
	wantFailed(t, disclosure.Verify(ctx, src, disclosure.Trust{Key: key}, bad), fmt.Sprintf("第 %d 条", e.size()-1), "不在公告所印的检查点")
	// a checkpoint signed with the town's key but for another history
	cp, err := ledger.OpenCheckpoint(claim.Checkpoint, key)
	if err != nil {
		t.Fatal(err)
	}
	forged := cp
	forged.Root[0] ^= 0xff
	note, err := ledger.SignCheckpointBody(lt.MustKey(t), forged)
	if err != nil {
		t.Fatal(err)
	}
	bad = claim
	bad.Checkpoint, bad.Rows = note, nil
	wantFailed(t, disclosure.Verify(ctx, src, disclosure.Trust{Key: key}, bad), "一致性", "不一致")
	// the same through the verify page: a pasted checkpoint
	page := e.postForm("/verify", url.Values{"checkpoint": {string(note)}})
	if !strings.Contains(page, "核验未通过") || !strings.Contains(page, "不一致") {
		t.Fatalf("pasted forged checkpoint: %s", page)
	}

	// The QR URL: the page proves from n and r, even when the server's
	// stored copy of the notice's checkpoint is changed.
	n, err := e.svc.NoticeByCode(ctx, e.lg, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	st, err := disclosure.LoadStored(ctx, e.svc, e.lg, n)
	if err != nil {
		t.Fatal(err)
	}
	st.Checkpoint = string(note)
	tampered, _ := json.Marshal(st)
	if err := gormstoretest.TamperBlob(e.store, e.lg.ID, n.ContentSHA256, tampered); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(st.VerifyURL)
	good := string(e.call("GET", "/verify?"+u.RawQuery, "none", nil).body)
	if !strings.Contains(good, "核验通过") {
		t.Fatalf("QR URL with the stored copy changed: %s", good)
	}
	q := u.Query()
	q.Set("r", base64.RawURLEncoding.EncodeToString(forged.Root[:]))
	if page := string(e.call("GET", "/verify?"+q.Encode(), "none", nil).body); !strings.Contains(page, "核验未通过") {
		t.Fatal("a QR URL with another root verified")
	}
	// without n and r the page falls back to the stored (now forged) checkpoint and fails
	if page := string(e.call("GET", "/verify?notice="+p.Code, "none", nil).body); !strings.Contains(page, "核验未通过") {
		t.Fatal("the forged stored checkpoint verified")
	}
	// an uploaded PDF through the page
	if page := e.postFile("/verify", "pdf", "notice.pdf", pdf); !strings.Contains(page, "核验通过") {
		t.Fatalf("uploaded genuine PDF: %s", page)
	}
	if page := e.postFile("/verify", "pdf", "notice.pdf", altered); !strings.Contains(page, "核验未通过") {
		t.Fatal("uploaded altered PDF verified")
	}
}

func wantFailed(t *testing.T, rep disclosure.Report, check, words string) {
	t.Helper()
	if rep.OK {
		t.Fatalf("verified, want %s to fail", check)
	}
	for _, c := range rep.Checks {
		if c.Name == check && !c.OK && strings.Contains(c.Detail, words) {
			return
		}
	}
	t.Fatalf("no failed %s check saying %q: %+v", check, words, rep.Checks)
}

// postForm posts a form to a public page and returns the page.
func (e *townEnv) postForm(path string, v url.Values, headers ...string) string {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.String()
}

// postFile posts a file in a multipart form to a public page.
func (e *townEnv) postFile(path, field, filename string, data []byte) string {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	resp, err := http.Post(e.ts.URL+path, mw.FormDataContentType(), &buf)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return string(out)
}

// noticeDraft makes a fresh publishable draft (the quarterly usage).
func (e *townEnv) noticeDraft() int64 {
	e.t.Helper()
	n, err := e.svc.DraftNotice(context.Background(), e.lg, e.users["finance"].ID,
		ledger.NoticeDraftInput{Type: ledger.NoticeQuarterly, Period: "2026-Q1"}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return n.ID
}

// noticePublished publishes a fresh notice.
func (e *townEnv) noticePublished() ledger.Notice {
	e.t.Helper()
	p, err := e.publisher.Publish(context.Background(), e.lg, e.users["finance"].ID, e.noticeDraft(), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Notice
}

// complaint files a fresh complaint.
func (e *townEnv) complaint() ledger.Complaint {
	e.t.Helper()
	c, err := e.svc.FileComplaint(context.Background(), e.lg, ledger.ComplaintInput{Village: village1, Text: "反映低保评定不公"})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// sendForm posts a form as the caller.
func (e *townEnv) sendForm(path, caller string, v url.Values) response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if tok := e.tokens[caller]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := clientFor(path).Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: out}
}

// TestNoticesJob: on the 1st the notices job makes and publishes, with their
// PDFs, one 资金发放结果公告 per village paid in the month before and the
// last quarter's 季度资金使用情况; it drafts the stage notices of the
// town's projects in 实施 (and the year's plan) and leaves them for a person,
// as the default auto_publish says; a second run makes nothing.
func TestNoticesJob(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("300")})
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject2, PayeeIDNumber: e.ids["sn1"], Amount: lt.Y("400")})
	e.clock.Advance(time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC).Sub(e.clock.Now())) // 2026-04-01 06:00 in Asia/Shanghai
	run := func() map[string]int64 {
		r := e.call("POST", "/api/v1/jobs/notices/run", "admin", nil)
		var jr struct {
			Outcome string
			Counts  map[string]int64
		}
		e.decode(r, &jr)
		if jr.Outcome != "success" {
			t.Fatalf("notices job: %s", r)
		}
		return jr.Counts
	}
	if c := run(); c["drafted"] != 6 || c["published"] != 3 || c["left_as_draft"] != 3 {
		t.Fatalf("first run: %v", c)
	}
	if c := run(); c["drafted"] != 0 || c["published"] != 0 {
		t.Fatalf("second run: %v", c)
	}
	drafts, err := e.svc.Notices(context.Background(), e.lg, ledger.NoticeDraft, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range drafts {
		if slices.Contains(ledger.AutoPublishTypes, n.Type) {
			t.Errorf("a %s left as a draft", n.Type)
		}
		t.Logf("left for a person: %s %s", n.Type, n.Title)
	}
	if len(drafts) != 3 {
		t.Errorf("%d drafts left for a person, want 3", len(drafts))
	}
	var list struct{ Items []api.PublicNoticeDTO }
	e.decode(e.call("GET", "/api/public/notices", "none", nil), &list)
	titles := ""
	for _, n := range list.Items {
		titles += n.Title + ";"
		if r := e.call("GET", n.PDFURL, "none", nil); r.status != 200 || !bytes.HasPrefix(r.body, []byte("%PDF-")) {
			t.Errorf("%s: no PDF", n.Code)
		}
	}
	for _, w := range []string{"田坪村2026年3月资金发放结果公告", "石牛村2026年3月资金发放结果公告", "镇头镇2026年第一季度资金使用情况"} {
		if !strings.Contains(titles, w) {
			t.Errorf("no %s among %s", w, titles)
		}
	}
}
