package api

import (
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/pages"
)

// What a flag's page shows beside the flag so that a monitor can judge it
// (issue 17): the household and its members (村民小组, 户属性/监测类型), the
// payee's payments of that item over the years, the complaints about the
// village or the notices it cites, and what to check on the ground for its
// rule. Personal data is shown as oversight sees it (DOMAIN.md §6), to
// every role: the page records no unmasked read.

// flagContextHouseholds bounds the households a flag's page lists.
const flagContextHouseholds = 3

// addFlagContext fills d.Context; ps are the payments the flag's evidence
// names.
func (s *Server) addFlagContext(c *gin.Context, lg ledger.Log, d *pages.FlagData, ps []ledger.Payment) {
	ctx := c.Request.Context()
	u := user(c)
	f := d.Flag
	d.Context.FieldCheck = anomaly.FieldCheck(f.Rule)
	seen := func(village string) bool { return u.Role != ledger.RoleMonitor || watches(u, village) }

	// The evidence's payees by full name and 村民小组 for oversight.
	views := s.svc.PayeeViews(ctx, lg, ps, ledger.AudienceOversight)
	if ledger.AudienceOf(u.Role) == ledger.AudienceOversight {
		for i := range d.EvidencePayments {
			v := views[d.EvidencePayments[i].ID]
			if v.Name != "" && seen(v.Village) {
				label := v.Name
				if v.Group != "" {
					label += "（" + v.Group + "）"
				}
				d.EvidencePayments[i].Payee = label
			}
		}
	}

	// The households the evidence names: its payments' payees', then its
	// loans' borrowers'.
	var households []int64
	add := func(h int64) {
		if h != 0 && !slices.Contains(households, h) && len(households) < flagContextHouseholds {
			households = append(households, h)
		}
	}
	for _, p := range ps {
		if p.Payee.Kind != ledger.PayeeOrg {
			add(p.Household)
		}
	}
	if len(f.Evidence.Loans) > 0 {
		if ls, err := s.svc.Loans(ctx, lg, ""); err == nil {
			for _, l := range ls {
				if slices.Contains(f.Evidence.Loans, l.ContractNo) {
					add(l.Household)
				}
			}
		}
	}
	for _, h := range households {
		ms, err := s.svc.HouseholdMembers(ctx, lg, h)
		if err != nil || len(ms) == 0 || !seen(ms[0].Household.Village) {
			continue
		}
		hh := ms[0].Household
		hv := pages.HouseholdView{ID: hh.ID, Village: s.villageNames(c, lg)[hh.Village], Group: hh.Group, Kind: hh.Kind, MonitoringKind: hh.MonitoringKind}
		for _, m := range ms {
			hv.Members = append(hv.Members, memberView(m))
		}
		d.Context.Households = append(d.Context.Households, hv)
	}

	// The first payee's payments of the item over the years.
	for _, p := range ps {
		if p.Payee.Kind == ledger.PayeeOrg || p.Item == "" || !seen(views[p.ID].Village) {
			continue
		}
		hist, err := s.svc.Payments(ctx, lg, ledger.PaymentFilter{Payee: p.Payee, Item: p.Item})
		if err != nil {
			break
		}
		hv := s.villagePaymentViews(c, lg, newestFirst(hist, monitorPageShown))
		d.Context.History = hv
		if len(hv) > 0 {
			d.Context.HistoryOf = views[p.ID].Name + " · " + hv[0].ItemName
		}
		break
	}

	// Complaints: about the flag's village, or on a notice it cites.
	if !slices.Contains(complaintLookers, u.Role) {
		return
	}
	cs, err := s.svc.Complaints(ctx, lg, "")
	if err != nil {
		return
	}
	var codes []string
	for _, n := range d.Notices {
		codes = append(codes, n.Code)
	}
	var related []ledger.Complaint
	for _, cm := range slices.Backward(cs) {
		if (f.Village != "" && cm.Village == f.Village || cm.NoticeCode != "" && slices.Contains(codes, cm.NoticeCode)) && seen(cm.Village) {
			related = append(related, cm)
		}
		if len(related) == 10 {
			break
		}
	}
	for _, cm := range related {
		d.Context.Complaints = append(d.Context.Complaints, pages.ComplaintView{Complaint: cm, StatusText: disclosure.ComplaintStatusText(cm)})
	}
}

// memberView is a household member as oversight sees them.
func memberView(m ledger.PersonView) pages.MemberView {
	v := pages.MemberView{Name: ledger.ShowName(m.Private.Name, ledger.AudienceOversight), IDNumber: ledger.ShowIDNumber(m.Private.IDNumber, ledger.AudienceOversight),
		Relation: m.Relation, JoinedOn: m.JoinedOn.String()}
	if m.Erased {
		v.Name = "（个人信息已删除）"
	}
	if !m.DeceasedOn.IsZero() {
		v.Notes = append(v.Notes, "已故 "+m.DeceasedOn.String())
	}
	if m.PublicEmployee {
		v.Notes = append(v.Notes, "财政供养")
	}
	if m.VillageCadre {
		v.Notes = append(v.Notes, "村干部")
	}
	if m.CadreRelativeOf != 0 {
		v.Notes = append(v.Notes, "干部亲属")
	}
	if m.Student {
		v.Notes = append(v.Notes, "在校生")
	}
	if m.Disabled {
		v.Notes = append(v.Notes, "残疾")
	}
	return v
}
