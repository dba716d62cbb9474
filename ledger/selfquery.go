package ledger

import (
	"context"
	"slices"
	"strings"
)

// SelfPayment is one payment as a villager sees it in their own query.
type SelfPayment struct {
	Seq     int64
	PaidOn  string
	Item    string
	Project string
	Amount  Fen
	Status  string
	Payee   string // household or person
	// Destination says where the money went, in the words the villager
	// reads: 打入本人账户 ****1234, 打入户主张*账户 ****1234, or 打入他人账户
	// ****1234 with where to object ("" when no account is recorded). Nothing
	// else about another account holder is shown.
	Destination string
	// Bank is the bank's confirmation of the credit, from its return file
	// (到账 / 退回 / 未见银行回单); "" until bank returns are reconciled.
	Bank string
}

// SelfAnswer is a villager's own query answer. An unknown person and a
// person with no payments get the same empty answer.
type SelfAnswer struct {
	Matched  bool // for the caller's failure count only; never shown
	Name     string
	IDNumber string // first 1 + last 1
	Payments []SelfPayment
}

// SelfQuery answers a villager's query with village (code or name), name
// and ID number: their own payments and their household's, with the
// self-query masking of DOMAIN.md §6. A wrong check digit is a
// validation error; an unknown person, a name or village that does not
// match and a person with no payments all return the same empty answer
// after the same work.
func (s *Service) SelfQuery(ctx context.Context, lg Log, village, name, idNumber string) (SelfAnswer, error) {
	id, err := ParseIDNumber(idNumber)
	if err != nil {
		return SelfAnswer{}, err
	}
	name = NormalizeName(name)
	if name == "" {
		return SelfAnswer{}, invalid("name", "请填写姓名")
	}
	bk := s.L.Store().Books(ctx, lg.ID)
	v, err := villageByCodeOrName(bk, village)
	if IsNotFound(err) {
		return SelfAnswer{}, invalid("village", "请选择所在村（社区）")
	}
	if err != nil {
		return SelfAnswer{}, err
	}
	ids, err := bk.PersonsByBlindIndex(IndexID, s.Vault.Index(IndexID, id))
	if err != nil {
		return SelfAnswer{}, err
	}
	// The same work whether or not the person is found: one person read,
	// one private read, two payment queries.
	person := int64(-1)
	if len(ids) > 0 {
		person = ids[0]
	}
	var p Person
	_ = bk.Object(objPerson, person, &p)
	var h Household
	_ = bk.Object(objHousehold, p.Household, &h)
	pp := PersonPrivate{}
	if rec, err := bk.Private(person); err == nil {
		pp, _ = s.Vault.Open(lg.Town, rec)
	}
	matched := person >= 0 && NormalizeName(pp.Name) == name && h.Village == v.Code
	if !matched {
		person, h.ID = -1, -1
	}
	mine, err := bk.Payments(PaymentFilter{Payee: PayeeRef{Kind: PayeePerson, ID: person}})
	if err != nil {
		return SelfAnswer{}, err
	}
	house, err := bk.Payments(PaymentFilter{Payee: PayeeRef{Kind: PayeeHousehold, ID: h.ID}})
	if err != nil {
		return SelfAnswer{}, err
	}
	ans := SelfAnswer{Matched: matched, Payments: []SelfPayment{}}
	items := map[string]string{}
	projects := map[int64]string{}
	r := newPrivReader(s, bk, lg)
	// the bank's confirmation: the same work whoever asks (every payment
	// and bank row of the town is read once the town has return files)
	banks, err := s.BankStates(ctx, lg, append(mine, house...))
	if err != nil {
		return SelfAnswer{}, err
	}
	for _, pm := range append(mine, house...) {
		if pm.Status == StatusRejected {
			continue
		}
		if _, ok := items[pm.Item]; !ok {
			var it Item
			if pm.Item != "" {
				_, _ = bk.ObjectByKey(objItem, pm.Item, &it)
			}
			items[pm.Item] = it.Name
		}
		if _, ok := projects[pm.Project]; !ok {
			var pr Project
			_ = bk.Object(objProject, pm.Project, &pr)
			projects[pm.Project] = pr.Name
		}
		who := "本人"
		if pm.Payee.Kind == PayeeHousehold {
			who = "本户"
		}
		item := items[pm.Item]
		if item == "" {
			item = pm.Kind
		}
		ans.Payments = append(ans.Payments, SelfPayment{Seq: pm.Seq, PaidOn: pm.PaidOn.String(), Item: item, Project: projects[pm.Project],
			Amount: pm.Amount, Status: pm.Status, Payee: who, Destination: s.selfDestination(bk, r, pm, person, h),
			Bank: selfBank(banks[pm.ID])})
	}
	slices.SortFunc(ans.Payments, func(a, b SelfPayment) int { return strings.Compare(b.PaidOn, a.PaidOn) })
	if matched && len(ans.Payments) > 0 {
		ans.Name, ans.IDNumber = ShowName(pp.Name, AudienceSelf), ShowIDNumber(id, AudienceSelf)
	}
	return ans, nil
}

// PaymentStatusText is a payment status in the words villagers read.
func PaymentStatusText(status string) string {
	switch status {
	case StatusEffective:
		return "已发放"
	case StatusAwaitingPublicity:
		return "公示中"
	case StatusPendingApproval:
		return "审核中"
	case StatusReversed:
		return "已冲正"
	case StatusRejected:
		return "未通过"
	}
	return status
}

// selfDestination says where a payment went as the villager person of
// household h reads it (SelfPayment.Destination): the account's last four
// digits, and whose account it was only as 本人, 户主 (masked name), a
// member of their household, or 他人 (never who).
func (s *Service) selfDestination(bk Books, r *privReader, pm Payment, person int64, h Household) string {
	acct, holder := s.paymentAccount(bk, r, pm)
	if holder == 0 {
		return ""
	}
	tail := ""
	if n := len(acct); n > 0 {
		tail = " ****" + acct[max(0, n-4):]
	}
	switch holderKind(bk, pm, holder, person, h) {
	case "本人":
		return "打入本人账户" + tail
	case "户主":
		return "打入户主" + MaskName(r.private(holder).Name) + "账户" + tail
	case "本户成员":
		return "打入本户家庭成员账户" + tail
	}
	return "打入他人账户" + tail + "（如非本人同意，请向村务监督委员会或 12317 反映）"
}
