package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Every project stage (issue 16): a project's contract (what its 项目实施前公示
// prints), its asset register (形成资产, what its 竣工公告 prints and its public
// page shows), the contacts village notices print, and the stage notices
// the notices job drafts when a project enters a state.

// ProjectContract is a project's construction contract (施工合同).
type ProjectContract struct {
	ContractNo        string
	Contractor        string // 施工单位
	Supervisor        string // 监理单位
	ProcurementMethod string // 采购方式
	Amount            Fen    // 合同金额
	StartOn, EndOn    Date   // 开工日期, 完工日期 (as contracted)
	Seq               int64
}

// ProjectAsset is one asset a project formed (形成资产) and who looks after
// it (管护主体).
type ProjectAsset struct {
	Name         string
	Kind         string // AssetKinds
	Value        Fen
	Custodian    string // 管护主体
	HandedOverOn Date   // 移交日期
	Seq          int64
}

// AssetKinds are the kinds of assets projects form (the 2019 asset
// management guidance's three kinds).
var AssetKinds = []string{"经营性资产", "公益性资产", "到户类资产"}

// ProcurementMethods are the ways a contract is awarded.
var ProcurementMethods = []string{"公开招标", "邀请招标", "竞争性谈判", "竞争性磋商", "询价", "单一来源", "村民自建", "以工代赈"}

// hashed payloads: field order is irrelevant (canonical JSON sorts keys),
// but never rename or retype a field of an entry type already recorded.
type contractPayload struct {
	Project           int64  `json:"project"`
	ContractNo        string `json:"contract_no"`
	Contractor        string `json:"contractor"`
	Supervisor        string `json:"supervisor"`
	ProcurementMethod string `json:"procurement_method"`
	Amount            int64  `json:"amount"`
	StartOn           string `json:"start_on"`
	EndOn             string `json:"end_on"`
}

type assetPayload struct {
	Project      int64  `json:"project"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Value        int64  `json:"value"`
	Custodian    string `json:"custodian"`
	HandedOverOn string `json:"handed_over_on"`
}

type villageContactsPayload struct {
	Village          string `json:"village"`
	SupervisionName  string `json:"supervision_name"`
	SupervisionPhone string `json:"supervision_phone"`
}

// applyStage maps project_contract_recorded, project_asset_recorded and
// village_contacts_set to the projections.
func applyStage(bk Books, e Entry) error {
	switch e.Type {
	case TypeProjectContractRecorded:
		var p contractPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		var pr Project
		if err := bk.Object(objProject, p.Project, &pr); err != nil {
			return err
		}
		pr.Contract = &ProjectContract{ContractNo: p.ContractNo, Contractor: p.Contractor, Supervisor: p.Supervisor,
			ProcurementMethod: p.ProcurementMethod, Amount: Fen(p.Amount), StartOn: parseDateOrZero(p.StartOn), EndOn: parseDateOrZero(p.EndOn), Seq: e.Seq}
		pr.LastSeq = e.Seq
		return bk.PutObject(objProject, pr.ID, pr)
	case TypeProjectAssetRecorded:
		var p assetPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		var pr Project
		if err := bk.Object(objProject, p.Project, &pr); err != nil {
			return err
		}
		pr.Assets = append(pr.Assets, ProjectAsset{Name: p.Name, Kind: p.Kind, Value: Fen(p.Value), Custodian: p.Custodian,
			HandedOverOn: parseDateOrZero(p.HandedOverOn), Seq: e.Seq})
		pr.LastSeq = e.Seq
		return bk.PutObject(objProject, pr.ID, pr)
	case TypeVillageContactsSet:
		var p villageContactsPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		id, v, err := villageByCode(bk, p.Village)
		if err != nil {
			return err
		}
		v.SupervisionName, v.SupervisionPhone = p.SupervisionName, p.SupervisionPhone
		return bk.PutObject(objVillage, id, v)
	}
	return nil
}

// checkTownContacts validates the county office's phone and the
// auto-published notice types of a town's settings.
func checkTownContacts(t *Town) error {
	t.CountyOffice, t.CountyPhone = strings.TrimSpace(t.CountyOffice), strings.TrimSpace(t.CountyPhone)
	if t.CountyPhone != "" && !phoneLike(t.CountyPhone) {
		return invalid("county_phone", "县乡村振兴部门电话 %q 格式不正确", t.CountyPhone)
	}
	if t.CountyPhone != "" && t.CountyOffice == "" {
		return invalid("county_office", "请填写县乡村振兴部门的名称")
	}
	if len([]rune(t.CountyOffice)) > 40 {
		return invalid("county_office", "县乡村振兴部门名称不能超过 40 字")
	}
	for _, typ := range t.AutoPublish {
		if !slices.Contains(NoticeTypes, typ) {
			return invalid("auto_publish", "自动发布的公告类型须是以下之一：%s", strings.Join(NoticeTypes, "、"))
		}
	}
	return nil
}

// AutoPublishOf returns the notice types a town's notices job publishes by
// itself: its setting, or AutoPublishTypes when it has none.
func AutoPublishOf(t Town) []string {
	if t.AutoPublish == nil {
		return AutoPublishTypes
	}
	return t.AutoPublish
}

// SetVillageContacts records the contact of a village's 村务监督委员会 that
// its notices print (a village_contacts_set entry) and returns the village
// and the entry's seq. Errors: not_found for
// an unknown village, validation_failed for a missing name or a phone that
// is not one.
func (s *Service) SetVillageContacts(ctx context.Context, lg Log, actor, village, name, phone string, idem *Idem) (Village, int64, error) {
	type res struct {
		V   Village
		Seq int64
	}
	r, err := write(ctx, s, lg, idem, func(w *txn) (res, error) {
		v, err := w.resolveVillage(village)
		if IsNotFound(err) {
			return res{}, Errorf(CodeNotFound, "未找到村「%s」", village)
		} else if err != nil {
			return res{}, err
		}
		name, phone = strings.TrimSpace(name), strings.TrimSpace(phone)
		if err := required("supervision_name", "村务监督委员会联系人", name); err != nil {
			return res{}, err
		}
		if len([]rune(name)) > 40 {
			return res{}, invalid("supervision_name", "村务监督委员会联系人不能超过 40 字")
		}
		if !phoneLike(phone) {
			return res{}, invalid("supervision_phone", "村务监督委员会电话 %q 格式不正确", phone)
		}
		e, err := w.emit(TypeVillageContactsSet, actor, Date{}, villageContactsPayload{Village: v.Code, SupervisionName: name, SupervisionPhone: phone})
		if err != nil {
			return res{}, err
		}
		_, v, err = villageByCode(w.bk, v.Code)
		return res{v, e.Seq}, err
	})
	return r.V, r.Seq, err
}

// noticeContacts are the supervision contacts a notice prints (DOMAIN.md
// §6 and issue 16): the town's phones, for a village's notice the county
// office and the village's 村务监督委员会 when they are configured, and
// 12317 always. Each is labelled with whom it reaches.
func noticeContacts(t Town, v *Village) []string {
	var out []string
	for _, p := range t.Phones {
		out = append(out, t.Name+"人民政府 "+p)
	}
	if v != nil {
		if t.CountyPhone != "" {
			out = append(out, t.CountyOffice+" "+t.CountyPhone)
		}
		if v.SupervisionPhone != "" {
			body := "村务监督委员会"
			if strings.HasSuffix(v.Name, "社区") {
				body = "居务监督委员会" // a 社区's body is the 居务监督委员会
			}
			out = append(out, v.Name+body+"（"+v.SupervisionName+"）"+v.SupervisionPhone)
		}
	}
	return append(out, "全国防止返贫监测和乡村振兴咨询服务热线 12317")
}

// ContractInput is a contract as staff record it.
type ContractInput struct {
	ContractNo        string
	Contractor        string
	Supervisor        string
	ProcurementMethod string
	Amount            Fen
	StartOn, EndOn    Date
}

// RecordProjectContract records a project's construction contract
// (project_contract_recorded): what its 项目实施前公示 prints. A project in
// 计划, 实施 or 调整 may record one (a later record replaces the earlier).
// Errors: not_found, project_state_not_allowed, validation_failed naming
// the field.
func (s *Service) RecordProjectContract(ctx context.Context, lg Log, actor, code string, in ContractInput, idem *Idem) (Project, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Project, error) {
		pr, err := w.project(code)
		if IsNotFound(err) {
			return Project{}, Errorf(CodeNotFound, "未找到项目「%s」", code)
		} else if err != nil {
			return Project{}, err
		}
		if !slices.Contains([]string{ProjPlanned, ProjInProgress, ProjAdjusting}, pr.Status) {
			return Project{}, &Error{Code: CodeProjectState, Detail: fmt.Sprintf("项目「%s」当前为「%s」，只有计划、实施或调整中的项目可以登记施工合同", pr.Code, pr.Status)}
		}
		p := contractPayload{Project: pr.ID, ContractNo: strings.TrimSpace(in.ContractNo), Contractor: strings.TrimSpace(in.Contractor),
			Supervisor: strings.TrimSpace(in.Supervisor), ProcurementMethod: strings.TrimSpace(in.ProcurementMethod), Amount: int64(in.Amount),
			StartOn: dateStr(in.StartOn), EndOn: dateStr(in.EndOn)}
		if err := shortTexts(textField{"contract_no", "合同号", p.ContractNo}, textField{"contractor", "施工单位", p.Contractor},
			textField{"supervisor", "监理单位", p.Supervisor}, textField{"procurement_method", "采购方式", p.ProcurementMethod}); err != nil {
			return Project{}, err
		}
		if !slices.Contains(ProcurementMethods, p.ProcurementMethod) {
			return Project{}, invalid("procurement_method", "采购方式须是以下之一：%s", strings.Join(ProcurementMethods, "、"))
		}
		if in.Amount <= 0 {
			return Project{}, invalid("contract_amount", "合同金额须大于零")
		}
		if in.StartOn.IsZero() || in.EndOn.IsZero() {
			return Project{}, invalid("started_on", "须填写开工日期和完工日期")
		}
		if in.EndOn.Before(in.StartOn) {
			return Project{}, invalid("ends_on", "完工日期不能早于开工日期")
		}
		if _, err := w.emit(TypeProjectContractRecorded, actor, in.StartOn, p); err != nil {
			return Project{}, err
		}
		return w.project(code)
	})
}

// RecordProjectAsset adds an asset to a project's register (形成资产,
// project_asset_recorded). Only a project in 验收 or 完工 forms assets.
// Errors: not_found, project_state_not_allowed, validation_failed naming
// the field.
func (s *Service) RecordProjectAsset(ctx context.Context, lg Log, actor, code string, a ProjectAsset, idem *Idem) (Project, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Project, error) {
		pr, err := w.project(code)
		if IsNotFound(err) {
			return Project{}, Errorf(CodeNotFound, "未找到项目「%s」", code)
		} else if err != nil {
			return Project{}, err
		}
		if pr.Status != ProjAccepted && pr.Status != ProjCompleted {
			return Project{}, &Error{Code: CodeProjectState, Detail: fmt.Sprintf("项目「%s」当前为「%s」，验收后才能登记形成的资产", pr.Code, pr.Status)}
		}
		p := assetPayload{Project: pr.ID, Name: strings.TrimSpace(a.Name), Kind: strings.TrimSpace(a.Kind), Value: int64(a.Value),
			Custodian: strings.TrimSpace(a.Custodian), HandedOverOn: dateStr(a.HandedOverOn)}
		if err := shortTexts(textField{"name", "资产名称", p.Name}, textField{"custodian", "管护主体", p.Custodian}); err != nil {
			return Project{}, err
		}
		if !slices.Contains(AssetKinds, p.Kind) {
			return Project{}, invalid("kind", "资产类别须是以下之一：%s", strings.Join(AssetKinds, "、"))
		}
		if a.Value <= 0 {
			return Project{}, invalid("value", "资产价值须大于零")
		}
		if a.HandedOverOn.IsZero() {
			return Project{}, invalid("handed_over_on", "须填写移交日期")
		}
		if today, err := ParseDate(w.b.Today()); err == nil && a.HandedOverOn.After(today) {
			return Project{}, invalid("handed_over_on", "移交日期不能晚于今天")
		}
		if !pr.AcceptedOn.IsZero() && a.HandedOverOn.Before(pr.AcceptedOn) {
			return Project{}, invalid("handed_over_on", "移交日期不能早于验收日期（%s）", pr.AcceptedOn)
		}
		if _, err := w.emit(TypeProjectAssetRecorded, actor, a.HandedOverOn, p); err != nil {
			return Project{}, err
		}
		return w.project(code)
	})
}

// assetsText is what a notice prints of a project's assets.
func assetsText(as []ProjectAsset) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, fmt.Sprintf("%s（%s，价值 %s 元，%s移交%s管护）", a.Name, a.Kind, a.Value.Yuan(), chineseDate(a.HandedOverOn), a.Custodian))
	}
	return strings.Join(parts, "；")
}

// financingText is a project's 筹资方式: its own when recorded, else the
// kinds of money its budget names (财政资金 by level, 社会帮扶资金).
func financingText(pr Project) string {
	if pr.Financing != "" {
		return pr.Financing
	}
	var gov, other []string
	for _, b := range pr.BudgetBySource {
		switch b.SourceLevel {
		case "社会帮扶":
			if !slices.Contains(other, "社会帮扶资金") {
				other = append(other, "社会帮扶资金")
			}
		default:
			if !slices.Contains(gov, b.SourceLevel) {
				gov = append(gov, b.SourceLevel)
			}
		}
	}
	var parts []string
	if len(gov) > 0 {
		parts = append(parts, "财政资金（"+strings.Join(gov, "、")+"）")
	}
	parts = append(parts, other...)
	return strings.Join(parts, "、")
}

// scheduleText is a project's 时间进度: 2026年3月1日至2026年11月30日.
func scheduleText(pr Project) string {
	if pr.StartOn.IsZero() && pr.EndOn.IsZero() {
		return ""
	}
	return chineseDate(pr.StartOn) + "至" + chineseDate(pr.EndOn)
}

// stageOf is the notice a project's state owes: 实施 a 项目实施前公示, 验收
// a 项目验收公示, 完工 a 竣工公告.
var stageOf = map[string]string{ProjInProgress: NoticePreStart, ProjAccepted: NoticeAcceptance, ProjCompleted: NoticeCompletion}

// StageDraft is what DraftStageNotices did for one project or year.
type StageDraft struct {
	Notice Notice
	// Refused says why no draft was made (a 竣工公告 without paid rows).
	Refused string
	Project string
}

// DraftStageNotices drafts the project-stage notices a log owes now (issue
// 16): for each village project in 实施, 验收 or 完工 with no notice of that
// stage yet (in any status but withdrawn), its 项目实施前公示, 项目验收公示 or
// 竣工公告; and for each year with projects in 计划 or later that no
// 年度项目计划公告 of that year lists, one (superseding the year's published
// one, so that the board shows the whole plan). Drafts of types in auto
// are marked Auto. A 竣工公告 whose project has no paid rows is not drafted:
// it is returned with Refused set.
func (s *Service) DraftStageNotices(ctx context.Context, lg Log, auto []string) ([]StageDraft, error) {
	existing, err := s.Notices(ctx, lg, "", "", "")
	if err != nil {
		return nil, err
	}
	bk := s.L.Store().Books(ctx, lg.ID)
	projects, err := listObjects[Project](bk, objProject)
	if err != nil {
		return nil, err
	}
	var out []StageDraft
	have := map[[2]string]bool{} // type, project code
	onPlan := map[string]map[int64]bool{}
	var planOf = map[string]Notice{} // the year's latest published plan
	for _, n := range existing {
		if n.Status == NoticeWithdrawn {
			continue
		}
		if n.Project != "" {
			have[[2]string{n.Type, n.Project}] = true
		}
		if n.Type == NoticePlan && n.Status != NoticeSuperseded {
			if err := loadRows(bk, &n); err != nil {
				return nil, err
			}
			if onPlan[n.Period] == nil {
				onPlan[n.Period] = map[int64]bool{}
			}
			for _, r := range n.Rows {
				onPlan[n.Period][r.ID] = true
			}
			if n.Status == NoticePublished || n.Status == NoticeEnded {
				if o, ok := planOf[n.Period]; !ok || o.ID < n.ID {
					planOf[n.Period] = n
				}
			}
		}
	}
	years := map[string]bool{}
	for _, pr := range projects {
		if planned(pr) && !pr.StartOn.IsZero() {
			y := strconv.Itoa(pr.StartOn.Year)
			if !onPlan[y][pr.ID] {
				years[y] = true
			}
		}
		typ, ok := stageOf[pr.Status]
		if !ok || pr.Village == "" || have[[2]string{typ, pr.Code}] {
			continue
		}
		if typ == NoticeCompletion {
			paid, err := paidOf(bk, pr)
			if err != nil {
				return out, err
			}
			if paid == 0 {
				out = append(out, StageDraft{Project: pr.Code, Refused: "该项目没有已支付的资金记录，不能起草竣工公告"})
				continue
			}
		}
		n, err := s.DraftNotice(ctx, lg, "system", NoticeDraftInput{Type: typ, Project: pr.Code, Auto: slices.Contains(auto, typ)}, nil)
		if err != nil {
			return out, fmt.Errorf("%s %s: %w", typ, pr.Code, err)
		}
		out = append(out, StageDraft{Notice: n, Project: pr.Code})
	}
	ys := make([]string, 0, len(years))
	for y := range years {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	for _, y := range ys {
		in := NoticeDraftInput{Type: NoticePlan, Period: y, Auto: slices.Contains(auto, NoticePlan)}
		if o, ok := planOf[y]; ok {
			in.Supersedes = o.Code
		} else if len(onPlan[y]) > 0 {
			continue // the year's plan is a draft still: staff publish it first
		}
		n, err := s.DraftNotice(ctx, lg, "system", in, nil)
		if err != nil {
			return out, fmt.Errorf("%s %s: %w", NoticePlan, y, err)
		}
		out = append(out, StageDraft{Notice: n})
	}
	return out, nil
}

// paidOf is what has been paid from a project (unreversed payments).
func paidOf(bk Books, pr Project) (Fen, error) {
	flows, err := bk.Flows(0, pr.ID)
	if err != nil {
		return 0, err
	}
	var paid Fen
	for _, fl := range flows {
		if fl.Kind != FlowAllocated {
			paid += fl.Amount
		}
	}
	return paid, nil
}
