package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// What issue 17's rules need of the registry: an item's rule settings (in
// the item's payload, optional so that older entries keep their bytes) and
// the registry persons behind an organisation (a new entry type).

// itemLevelPayload is a school level's standard in an item's payload.
type itemLevelPayload struct {
	Name     string `json:"name"`
	MinAge   int    `json:"min_age,omitempty"`
	MaxAge   int    `json:"max_age,omitempty"`
	Standard int64  `json:"standard"`
}

// itemRuleSettings copies an item's rule settings into its payload.
func itemRuleSettings(it Item, p *itemPayload) {
	p.Post, p.MinAge, p.MaxAge, p.GrantLimit = it.Post, it.MinAge, it.MaxAge, it.GrantLimit
	p.BankDays = it.BankDays
	for _, l := range it.Levels {
		p.Levels = append(p.Levels, itemLevelPayload{Name: l.Name, MinAge: l.MinAge, MaxAge: l.MaxAge, Standard: int64(l.Standard)})
	}
}

// itemFromPayload is the item an item_defined or item_changed entry says.
func itemFromPayload(p itemPayload) Item {
	it := Item{Code: p.Code, Name: p.Name, Category: p.Category, Unit: p.Unit, Standard: Fen(p.Standard),
		PerQuantity: p.PerQuantity, Period: p.Period, YearlyCap: Fen(p.YearlyCap), Eligible: p.Eligible,
		ListNoticeRequired: p.ListNoticeRequired, Post: p.Post, MinAge: p.MinAge, MaxAge: p.MaxAge, GrantLimit: p.GrantLimit,
		BankDays: p.BankDays}
	for _, l := range p.Levels {
		it.Levels = append(it.Levels, ItemLevel{Name: l.Name, MinAge: l.MinAge, MaxAge: l.MaxAge, Standard: Fen(l.Standard)})
	}
	return it
}

// validateItemRules checks an item's rule settings.
func validateItemRules(it Item) error {
	if it.BankDays < 0 || it.BankDays > 366 {
		return invalid("bank_days", "银行回单期限应在 0 至 366 天之间")
	}
	if it.MinAge < 0 || it.MaxAge < 0 || it.MaxAge != 0 && it.MaxAge < it.MinAge {
		return invalid("max_age", "年龄范围不正确：%d 至 %d 周岁", it.MinAge, it.MaxAge)
	}
	if it.GrantLimit != "" && !slices.Contains(GrantLimits, it.GrantLimit) {
		return invalid("grant_limit", "发放次数限制必须是 household_once（每户限一次）、person_once（每人限一次）或 person_term（每人每学期一次）")
	}
	for _, l := range it.Levels {
		if l.Name == "" || l.Standard < 0 || l.MaxAge != 0 && l.MaxAge < l.MinAge {
			return invalid("levels", "学段标准「%s」不完整：须有学段名称、年龄范围和不为负数的标准", l.Name)
		}
	}
	return nil
}

// orgPeoplePayload is an organisation_people_recorded entry: the registry
// persons who are the organisation's 法定代表人 and 股东 (by internal id, as
// payments name persons). Each entry replaces what the last one said.
type orgPeoplePayload struct {
	Org            int64   `json:"org"`
	LegalRepPerson int64   `json:"legal_rep_person,omitempty"`
	Shareholders   []int64 `json:"shareholders,omitempty"`
}

func applyOrgPeople(bk Books, e Entry) error {
	var p orgPeoplePayload
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return err
	}
	var o Organisation
	if err := bk.Object(objOrg, p.Org, &o); err != nil {
		return err
	}
	o.LegalRepPerson, o.Shareholders = p.LegalRepPerson, p.Shareholders
	return bk.PutObject(objOrg, o.ID, o)
}

// OrgPeople names an organisation's 法定代表人 and 股东 by ID number; those
// who are not in the town's registry are left out (only registry persons
// can be cadres or their relatives).
type OrgPeople struct {
	USCC                 string
	LegalRepIDNumber     string
	ShareholderIDNumbers []string
}

// RecordOrganisationPeople records who is behind a registered organisation
// (for rule F3). It returns the organisation; a validation error when the
// 统一社会信用代码 or an ID number is malformed, not_found when the
// organisation is not registered.
func (s *Service) RecordOrganisationPeople(ctx context.Context, lg Log, actor string, in OrgPeople, idem *Idem) (Organisation, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Organisation, error) {
		uscc, err := ParseUSCC(in.USCC)
		if err != nil {
			return Organisation{}, err
		}
		var o Organisation
		id, err := w.bk.ObjectByKey(objOrg, uscc, &o)
		if IsNotFound(err) {
			return Organisation{}, &Error{Code: CodeNotFound, Detail: fmt.Sprintf("统一社会信用代码为 %s 的单位尚未登记", uscc)}
		} else if err != nil {
			return Organisation{}, err
		}
		find := func(field, idNumber string) (int64, error) {
			if idNumber == "" {
				return 0, nil
			}
			n, err := ParseIDNumber(idNumber)
			if err != nil {
				return 0, invalid(field, "身份证号「%s」不正确", idNumber)
			}
			per, err := w.personByID(n)
			if IsNotFound(err) {
				return 0, nil
			}
			return per.ID, err
		}
		p := orgPeoplePayload{Org: id}
		if p.LegalRepPerson, err = find("legal_rep_id_number", in.LegalRepIDNumber); err != nil {
			return Organisation{}, err
		}
		for _, n := range in.ShareholderIDNumbers {
			pid, err := find("shareholder_id_numbers", n)
			if err != nil {
				return Organisation{}, err
			}
			if pid != 0 && !slices.Contains(p.Shareholders, pid) {
				p.Shareholders = append(p.Shareholders, pid)
			}
		}
		if p.LegalRepPerson == o.LegalRepPerson && slices.Equal(p.Shareholders, o.Shareholders) {
			return o, nil // nothing new: no entry
		}
		if _, err := w.emit(TypeOrganisationPeopleRecorded, actor, Date{}, p); err != nil {
			return Organisation{}, err
		}
		o.ID, o.LegalRepPerson, o.Shareholders = id, p.LegalRepPerson, p.Shareholders
		return o, nil
	})
}

// loadOrganisations adds the payee organisations to a snapshot.
func loadOrganisations(bk Books, d *ScanData) error {
	os, err := listObjects[Organisation](bk, objOrg)
	if err != nil {
		return err
	}
	d.Orgs = make(map[int64]Organisation, len(os))
	for _, o := range os {
		d.Orgs[o.ID] = o
	}
	return nil
}

// IdlePolicy says when a fund's balance is idle (rule D1, and the
// 季度资金使用情况's remark column): a town allocates 衔接资金 to projects
// early and pays them by progress payments over the year, keeping 质保金
// back for a year or two, so neither a balance after six months nor a
// small one after a year is idle; money neither allocated to a project nor
// paid six months after it arrived is.
type IdlePolicy struct {
	WarnMonths         int // arrived this many months ago …
	WarnPaidPercent    int // … and less than this share of it allocated to projects or paid: idle (warn)
	HighMonths         int // arrived this many months ago …
	HighUnspentPercent int // … and more than this share of it unspent: idle over a year (high)
}

// DefaultIdlePolicy: less than 30 % allocated or paid six months after
// arrival; more than 10 % (beyond a 质保金) unspent a year after.
var DefaultIdlePolicy = IdlePolicy{WarnMonths: 6, WarnPaidPercent: 30, HighMonths: 12, HighUnspentPercent: 10}

// Idle levels (IdleLevel).
const (
	IdleNone = iota
	IdleLagging
	IdleOverYear
)

// IdleLevel returns how idle a fund is at asOf under the policy, and the
// whole months since it arrived.
func (p IdlePolicy) IdleLevel(f FundLine, asOf Date) (level, months int) {
	if f.Reversed || f.Unspent <= 0 || f.Amount <= 0 || f.ArrivedOn.IsZero() {
		return IdleNone, 0
	}
	months = monthsBetween(f.ArrivedOn, asOf)
	switch {
	case months >= p.HighMonths && int64(f.Unspent)*100 > int64(f.Amount)*int64(p.HighUnspentPercent):
		return IdleOverYear, months
	case months >= p.WarnMonths && int64(max(f.Allocated, f.Amount-f.Unspent))*100 < int64(f.Amount)*int64(p.WarnPaidPercent):
		return IdleLagging, months
	}
	return IdleNone, months
}
