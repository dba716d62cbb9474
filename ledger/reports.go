package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

func jsonUnmarshalStrict(b []byte, v any) error { return json.Unmarshal(b, v) }

// addMonths returns the date n months later, clamped to the month's end.
func addMonths(d Date, n int) Date {
	t := time.Date(d.Year, d.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	day := min(d.Day, last)
	return Date{Year: t.Year(), Month: t.Month(), Day: day}
}

// FundLine is one fund with where its money stands.
type FundLine struct {
	Fund
	Allocated   Fen // to projects, net of reversals
	Paid        Fen // to payees, effective payments only
	Unallocated Fen // still in the fund account
	Unspent     Fen // received − paid
}

// FundReport is where a fund's money went: fund → project → payee.
type FundReport struct {
	FundLine
	Projects []FundProjectLine
	ByPayee  map[string]Fen // household, person, org
}

// FundProjectLine is what a project holds of a fund.
type FundProjectLine struct {
	Project   int64
	Code      string
	Name      string
	Allocated Fen
	Paid      Fen
	Holding   Fen // allocated − paid
	ByPayee   map[string]Fen
}

// Funds lists every fund with its position, by arrival.
func (s *Service) Funds(ctx context.Context, lg Log) ([]FundLine, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	funds, err := listObjects[Fund](bk, objFund)
	if err != nil {
		return nil, err
	}
	flows, err := bk.Flows(0, 0)
	if err != nil {
		return nil, err
	}
	bal, err := bk.Balances("fund:")
	if err != nil {
		return nil, err
	}
	byFund := map[int64][]Flow{}
	for _, f := range flows {
		byFund[f.Fund] = append(byFund[f.Fund], f)
	}
	out := make([]FundLine, 0, len(funds))
	for _, f := range funds {
		out = append(out, fundLine(f, byFund[f.ID], bal[acctFund(f.ID)]))
	}
	return out, nil
}

func fundLine(f Fund, flows []Flow, unallocated Fen) FundLine {
	l := FundLine{Fund: f, Unallocated: unallocated}
	for _, fl := range flows {
		if fl.Kind == FlowAllocated {
			l.Allocated += fl.Amount
		} else {
			l.Paid += fl.Amount
		}
	}
	if !f.Reversed {
		l.Unspent = f.Amount - l.Paid
	}
	return l
}

// FundReport traces a fund: how much is unspent and where every yuan went.
func (s *Service) FundReport(ctx context.Context, lg Log, fundID int64) (FundReport, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	var f Fund
	if err := bk.Object(objFund, fundID, &f); err != nil {
		return FundReport{}, err
	}
	flows, err := bk.Flows(fundID, 0)
	if err != nil {
		return FundReport{}, err
	}
	unalloc, err := bk.Balance(acctFund(fundID))
	if err != nil {
		return FundReport{}, err
	}
	r := FundReport{FundLine: fundLine(f, flows, unalloc), ByPayee: map[string]Fen{}}
	lines := map[int64]*FundProjectLine{}
	var order []int64
	for _, fl := range flows {
		pl, ok := lines[fl.Project]
		if !ok {
			var p Project
			if err := bk.Object(objProject, fl.Project, &p); err != nil {
				return FundReport{}, err
			}
			pl = &FundProjectLine{Project: p.ID, Code: p.Code, Name: p.Name, ByPayee: map[string]Fen{}}
			lines[fl.Project] = pl
			order = append(order, fl.Project)
		}
		if fl.Kind == FlowAllocated {
			pl.Allocated += fl.Amount
		} else {
			pl.Paid += fl.Amount
			pl.ByPayee[fl.Kind] += fl.Amount
			r.ByPayee[fl.Kind] += fl.Amount
		}
	}
	for _, id := range order {
		pl := lines[id]
		pl.Holding = pl.Allocated - pl.Paid
		r.Projects = append(r.Projects, *pl)
	}
	return r, nil
}

// ProjectFundLine is a project's position in one fund.
type ProjectFundLine struct {
	Fund        int64
	DocNo       string
	SourceLevel string
	Allocated   Fen
	Paid        Fen
	Holding     Fen
}

// ProjectReport is a project's budget against allocated and paid, per fund.
type ProjectReport struct {
	Project
	Allocated Fen
	Paid      Fen
	Funds     []ProjectFundLine
}

// ProjectReport returns a project's budget against what it was allocated and
// paid, per fund.
func (s *Service) ProjectReport(ctx context.Context, lg Log, code string) (ProjectReport, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	var p Project
	if _, err := bk.ObjectByKey(objProject, code, &p); err != nil {
		return ProjectReport{}, err
	}
	flows, err := bk.Flows(0, p.ID)
	if err != nil {
		return ProjectReport{}, err
	}
	r := ProjectReport{Project: p}
	lines := map[int64]*ProjectFundLine{}
	var order []int64
	for _, fl := range flows {
		l, ok := lines[fl.Fund]
		if !ok {
			var f Fund
			if err := bk.Object(objFund, fl.Fund, &f); err != nil {
				return ProjectReport{}, err
			}
			l = &ProjectFundLine{Fund: f.ID, DocNo: f.DocNo, SourceLevel: f.SourceLevel}
			lines[fl.Fund] = l
			order = append(order, fl.Fund)
		}
		if fl.Kind == FlowAllocated {
			l.Allocated += fl.Amount
			r.Allocated += fl.Amount
		} else {
			l.Paid += fl.Amount
			r.Paid += fl.Amount
		}
	}
	for _, id := range order {
		l := lines[id]
		l.Holding = l.Allocated - l.Paid
		r.Funds = append(r.Funds, *l)
	}
	return r, nil
}

// Projects lists the projects of a log, optionally of a village and status.
func (s *Service) Projects(ctx context.Context, lg Log, village, status string) ([]Project, error) {
	ps, err := listObjects[Project](s.L.Store().Books(ctx, lg.ID), objProject)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ps, func(p Project) bool {
		return village != "" && p.Village != village || status != "" && p.Status != status
	}), nil
}

// HouseholdItemLine is what a household received of an item in a year.
type HouseholdItemLine struct {
	Item     string
	ItemName string
	Amount   Fen
	Count    int
}

// HouseholdYear returns how much a household received in a year, by item.
func (s *Service) HouseholdYear(ctx context.Context, lg Log, household int64, year int) ([]HouseholdItemLine, Fen, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	ts, err := bk.HouseholdYear(household, year)
	if err != nil {
		return nil, 0, err
	}
	var out []HouseholdItemLine
	var total Fen
	for _, t := range ts {
		if t.Count == 0 && t.Amount == 0 {
			continue
		}
		l := HouseholdItemLine{Item: t.Item, Amount: t.Amount, Count: t.Count}
		if t.Item != "" {
			var it Item
			if _, err := bk.ObjectByKey(objItem, t.Item, &it); err == nil {
				l.ItemName = it.Name
			}
		} else {
			l.ItemName = "其他（无补贴项目）"
		}
		total += t.Amount
		out = append(out, l)
	}
	return out, total, nil
}

// LevelTotal is the position of the money of one source level (各计其功).
type LevelTotal struct {
	Level     string
	Received  Fen
	Allocated Fen
	Paid      Fen
	Unspent   Fen
}

// SourceLevelTotals returns received, allocated, paid and unspent per source
// level, for funds of a year (0: all years).
func (s *Service) SourceLevelTotals(ctx context.Context, lg Log, year int) ([]LevelTotal, error) {
	funds, err := s.Funds(ctx, lg)
	if err != nil {
		return nil, err
	}
	byLevel := map[string]*LevelTotal{}
	for _, lvl := range SourceLevels {
		byLevel[lvl] = &LevelTotal{Level: lvl}
	}
	for _, f := range funds {
		if f.Reversed || year != 0 && f.Year != year {
			continue
		}
		t := byLevel[f.SourceLevel]
		if t == nil {
			t = &LevelTotal{Level: f.SourceLevel}
			byLevel[f.SourceLevel] = t
		}
		t.Received += f.Amount
		t.Allocated += f.Allocated
		t.Paid += f.Paid
		t.Unspent += f.Unspent
	}
	var out []LevelTotal
	for _, lvl := range SourceLevels {
		out = append(out, *byLevel[lvl])
		delete(byLevel, lvl)
	}
	var rest []string
	for lvl := range byLevel {
		rest = append(rest, lvl)
	}
	slices.Sort(rest)
	for _, lvl := range rest {
		out = append(out, *byLevel[lvl])
	}
	return out, nil
}

// Payments lists payments (see PaymentFilter).
func (s *Service) Payments(ctx context.Context, lg Log, f PaymentFilter) ([]Payment, error) {
	return s.L.Store().Books(ctx, lg.ID).Payments(f)
}

// PaymentsToPayees returns every payment to any of the payees, of every
// year, in one read (the approver's card: each payee's other payments).
func (s *Service) PaymentsToPayees(ctx context.Context, lg Log, payees []PayeeRef) ([]Payment, error) {
	if len(payees) == 0 {
		return nil, nil
	}
	return s.L.Store().Books(ctx, lg.ID).PaymentsByKeys(PaymentKeys{Payees: payees})
}

// CountPayments returns how many payments match f (see Books.CountPayments).
func (s *Service) CountPayments(ctx context.Context, lg Log, f PaymentFilter) (int, error) {
	return s.L.Store().Books(ctx, lg.ID).CountPayments(f)
}

// Loans lists loans, optionally of a status.
func (s *Service) Loans(ctx context.Context, lg Log, status string) ([]Loan, error) {
	ls, err := listObjects[Loan](s.L.Store().Books(ctx, lg.ID), objLoan)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ls, func(l Loan) bool { return status != "" && l.Status != status }), nil
}

// Household returns a household.
func (s *Service) Household(ctx context.Context, lg Log, id int64) (Household, error) {
	var h Household
	err := s.L.Store().Books(ctx, lg.ID).Object(objHousehold, id, &h)
	return h, err
}

// ProjectByCode returns a project.
func (s *Service) ProjectByCode(ctx context.Context, lg Log, code string) (Project, error) {
	var p Project
	_, err := s.L.Store().Books(ctx, lg.ID).ObjectByKey(objProject, strings.TrimSpace(code), &p)
	return p, err
}

// ProjectCodes returns the codes of the projects with those ids (the
// payments of a page's): a read by id each when they are few, one read of
// the library when they are many (a download's). Unknown ids are left out.
func (s *Service) ProjectCodes(ctx context.Context, lg Log, ids []int64) (map[int64]string, error) {
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := make(map[int64]string, len(want))
	if len(want) > 32 {
		ps, err := s.Projects(ctx, lg, "", "")
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if want[p.ID] {
				out[p.ID] = p.Code
			}
		}
		return out, nil
	}
	bk := s.L.Store().Books(ctx, lg.ID)
	for id := range want {
		var p Project
		switch err := bk.Object(objProject, id, &p); {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, err
		default:
			out[id] = p.Code
		}
	}
	return out, nil
}

// FundByID returns a fund.
func (s *Service) FundByID(ctx context.Context, lg Log, id int64) (Fund, error) {
	var f Fund
	err := s.L.Store().Books(ctx, lg.ID).Object(objFund, id, &f)
	return f, err
}

// Balance returns an account's balance.
func (s *Service) Balance(ctx context.Context, lg Log, account string) (Fen, error) {
	return s.L.Store().Books(ctx, lg.ID).Balance(account)
}
