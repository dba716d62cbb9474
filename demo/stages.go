package demo

import (
	"fmt"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Every project stage (issue 16): the demo town's settings publish the
// project-stage notices by themselves; its village projects in 实施 carry a
// contract, those the year takes to 验收 and 完工 are accepted, completed and
// hand over their assets in November; the notices job's stage drafts are
// published on the 1st of each month and after each November step.

// CountyOffice and CountyPhone are the county office village notices print.
const (
	CountyOffice = "浏阳市乡村振兴局"
	CountyPhone  = "0731-83012317"
)

// stageAuto are the notice types the demo town publishes by itself: the
// default two and the project stages.
var stageAuto = append(append([]string{}, ledger.AutoPublishTypes...), ledger.NoticePlan, ledger.NoticePreStart,
	ledger.NoticeAcceptance, ledger.NoticeCompletion)

// supervisors are the villages' 村务监督委员会 contacts, by village index
// (fictitious names and numbers; each has a character the generator of
// registry names never draws, so none can be a registry person's name).
var supervisors = []string{"周立新", "李长庆", "陈冬梅", "刘永胜", "黄秋菊", "杨卫东", "张淑兰", "罗卫军", "谭秋霞", "彭光明", "曾淑芬"}

// villageContacts records each village's 村务监督委员会 contact.
func (l *loader) villageContacts() error {
	for i, v := range l.o.Villages {
		if _, _, err := l.s.SetVillageContacts(l.ctx, l.lg, "system", v.Code, supervisors[i%len(supervisors)],
			fmt.Sprintf("1380731%04d", 2100+i), nil); err != nil {
			return fmt.Errorf("village contacts %s: %w", v.Name, err)
		}
	}
	return nil
}

// subsidyStandard is a village project's 补助标准 by category.
var subsidyStandard = map[string]string{
	"基础设施": "按批复预算据实结算，不直接补助到户",
	"产业":   "油茶低改每亩补助 1,000 元，验收合格后兑付",
	"人居环境": "改厕每户补助 1,500 元，沟渠清理按工程量结算",
}

// finishing are the village projects the year takes past 实施: code → the
// state they reach in November (验收 or 完工). They are imported in 实施.
type finishing struct {
	code, to, village string
	budget            ledger.Fen
}

// contracts records the contract of every village project in 实施 (the
// 施工单位 by category, a 监理单位, the procurement method and amount).
func (l *loader) contracts(rows []ledger.ProjectRow, fin string) error {
	for i, p := range rows {
		if p.Village == "" || p.Status != ledger.ProjInProgress {
			continue
		}
		g := orgs[i%len(orgs)]
		if p.Category == "产业" {
			g = orgs[2]
		}
		method := "公开招标"
		if p.Budget < 400_000_00 {
			method = "竞争性谈判"
		}
		if _, err := l.s.RecordProjectContract(l.ctx, l.lg, fin, p.Code, ledger.ContractInput{ContractNo: "HT-" + p.Code, Contractor: g.name,
			Supervisor: "湖南浏建工程监理有限公司", ProcurementMethod: method, Amount: p.Budget * 96 / 100,
			StartOn: l.date(3, 1), EndOn: l.date(11, 15)}, nil); err != nil {
			return fmt.Errorf("contract %s: %w", p.Code, err)
		}
	}
	return nil
}

// stageNotices runs the notices job's stage step now: it drafts what the
// projects' states owe and publishes the drafts the town's settings
// publish by themselves.
func (l *loader) stageNotices() error {
	t, err := l.s.Town(l.ctx, l.lg)
	if err != nil {
		return err
	}
	drafts, err := l.s.DraftStageNotices(l.ctx, l.lg, ledger.AutoPublishOf(t))
	if err != nil {
		return err
	}
	for _, d := range drafts {
		if d.Refused != "" || !d.Notice.Auto {
			continue
		}
		if _, err := l.pub.Publish(l.ctx, l.lg, "system", d.Notice.ID, nil); err == nil {
			l.sum.Notices++
		} else if ledger.ErrorCode(err) != ledger.CodeMissingFields {
			return fmt.Errorf("stage notice %s: %w", d.Notice.Title, err)
		}
	}
	return nil
}

// stages accepts the projects the year takes to 验收 and 完工 (25
// November), completes those going on to 完工 with their 决算金额 and
// assets (27 November), and publishes each step's notices the morning
// after.
func (l *loader) stages(Options) error {
	fin := l.actor("finance")
	l.set(11, 25, 10)
	for _, f := range l.finishing {
		if _, err := l.s.TransitionProject(l.ctx, l.lg, fin, f.code, ledger.Transition{To: ledger.ProjAccepted, Note: "竣工验收",
			AcceptedOn: l.date(11, 24), AcceptanceResult: "合格，工程质量符合设计要求",
			AcceptanceGroup: "镇农业综合服务中心、镇财政所、村务监督委员会、群众代表"}, nil); err != nil {
			return fmt.Errorf("accept %s: %w", f.code, err)
		}
	}
	l.set(11, 26, 6)
	if err := l.stageNotices(); err != nil {
		return err
	}
	l.set(11, 27, 10)
	for _, f := range l.finishing {
		if f.to != ledger.ProjCompleted {
			continue
		}
		r, err := l.s.ProjectReport(l.ctx, l.lg, f.code)
		if err != nil {
			return err
		}
		final := r.Paid
		if final <= 0 {
			final = f.budget
		}
		if _, err := l.s.TransitionProject(l.ctx, l.lg, fin, f.code, ledger.Transition{To: ledger.ProjCompleted, Note: "决算审核完毕",
			FinalAmount: final}, nil); err != nil {
			return fmt.Errorf("complete %s: %w", f.code, err)
		}
		custodian := ""
		for _, v := range l.o.Villages {
			if v.Code == f.village {
				custodian = v.Name + "村民委员会"
				if strings.HasSuffix(v.Name, "社区") {
					custodian = v.Name + "居民委员会"
				}
			}
		}
		if _, err := l.s.RecordProjectAsset(l.ctx, l.lg, fin, f.code, ledger.ProjectAsset{Name: r.Task, Kind: "公益性资产",
			Value: final, Custodian: custodian, HandedOverOn: l.date(11, 27)}, nil); err != nil {
			return fmt.Errorf("asset %s: %w", f.code, err)
		}
	}
	l.set(11, 28, 6)
	return l.stageNotices()
}
