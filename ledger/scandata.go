package ledger

import (
	"context"
	"time"
)

// ScanData is the snapshot of a town's books that the rule catalogue
// (package ledger/anomaly) reads: pure data, no store.
type ScanData struct {
	Town       string
	Now        time.Time
	Location   *time.Location
	Payments   []Payment
	Persons    map[int64]Person
	Households map[int64]Household
	Members    map[int64][]int64 // household → persons
	Items      map[string]Item
	Projects   map[int64]Project
	Funds      map[int64]Fund
	FundLines  map[int64]FundLine
	Loans      []Loan
	Births     map[int64]time.Time // person → birth date (from the ID number)
	Labels     map[int64]string    // person → public-masked name
	Allocated  map[[2]int64]Fen    // (project, fund) → allocated, net of reversals
	Batches    []ImportBatch
	// Notices (with their rows), complaints and projects' state history,
	// for C5, D2, D3, E2, H2, H3.
	Notices       []Notice
	Complaints    []Complaint
	ProjectStates map[int64][]StateChange
}

// ImportBatch is a committed import: its entries are FirstSeq…LastSeq.
type ImportBatch struct {
	Seq      int64
	Kind     string
	Filename string
	Rows     int
	FirstSeq int64
	LastSeq  int64
}

// ScanData loads the snapshot the scan runs on, decrypting each person once
// for the birth date and the public-masked name (nothing else leaves the
// vault).
func (s *Service) ScanData(ctx context.Context, lg Log) (*ScanData, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	n, err := bk.PaymentCount()
	if err != nil {
		return nil, err
	}
	ps, err := bk.Payments(PaymentFilter{SizeHint: n + n/64})
	if err != nil {
		return nil, err
	}
	return s.snapshot(ctx, lg, ps, nil)
}

// snapshot loads everything but the payments, which are given; only the
// persons need reports true for (nil: all) are decrypted.
func (s *Service) snapshot(ctx context.Context, lg Log, payments []Payment, need func(person int64) bool) (*ScanData, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	d := &ScanData{Town: lg.Town, Now: s.L.Now(), Location: s.L.Location(), Persons: map[int64]Person{},
		Households: map[int64]Household{}, Members: map[int64][]int64{}, Items: map[string]Item{}, Projects: map[int64]Project{},
		Funds: map[int64]Fund{}, FundLines: map[int64]FundLine{}, Births: map[int64]time.Time{}, Labels: map[int64]string{},
		Allocated: map[[2]int64]Fen{}, Payments: payments}
	ps, err := listObjects[Person](bk, objPerson)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		d.Persons[p.ID] = p
		d.Members[p.Household] = append(d.Members[p.Household], p.ID)
		if need != nil && !need(p.ID) {
			continue
		}
		if rec, err := bk.Private(p.ID); err == nil {
			if pp, err := s.Vault.Open(lg.Town, rec); err == nil {
				d.Labels[p.ID] = MaskName(pp.Name)
				if pp.IDNumber != "" {
					d.Births[p.ID] = IDBirthDate(pp.IDNumber)
				}
			}
		}
	}
	hs, err := listObjects[Household](bk, objHousehold)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		d.Households[h.ID] = h
	}
	its, err := listObjects[Item](bk, objItem)
	if err != nil {
		return nil, err
	}
	for _, it := range its {
		d.Items[it.Code] = it
	}
	prs, err := listObjects[Project](bk, objProject)
	if err != nil {
		return nil, err
	}
	for _, p := range prs {
		d.Projects[p.ID] = p
	}
	fls, err := s.Funds(ctx, lg)
	if err != nil {
		return nil, err
	}
	for _, f := range fls {
		d.Funds[f.ID] = f.Fund
		d.FundLines[f.ID] = f
	}
	flows, err := bk.Flows(0, 0)
	if err != nil {
		return nil, err
	}
	for _, f := range flows {
		if f.Kind == FlowAllocated {
			d.Allocated[[2]int64{f.Project, f.Fund}] += f.Amount
		}
	}
	if err := bk.Objects(objBatch, func(id int64, raw []byte) error {
		var p importPayload
		if err := jsonUnmarshal(raw, &p); err != nil {
			return err
		}
		d.Batches = append(d.Batches, ImportBatch{Seq: id, Kind: p.Kind, Filename: p.Filename, Rows: p.Rows, FirstSeq: p.FirstSeq, LastSeq: p.LastSeq})
		return nil
	}); err != nil {
		return nil, err
	}
	if d.Loans, err = listObjects[Loan](bk, objLoan); err != nil {
		return nil, err
	}
	if err := loadDisclosure(bk, d); err != nil {
		return nil, err
	}
	return d, nil
}

// loadDisclosure adds the notices (with rows), complaints and projects'
// state history to a snapshot.
func loadDisclosure(bk Books, d *ScanData) error {
	ns, err := listObjects[Notice](bk, objNotice)
	if err != nil {
		return err
	}
	for i := range ns {
		if ns[i].Type == NoticeRecipients && ns[i].Status != NoticeDraft {
			if err := loadRows(bk, &ns[i]); err != nil {
				return err
			}
		}
	}
	d.Notices = ns
	if d.Complaints, err = listObjects[Complaint](bk, objComplaint); err != nil {
		return err
	}
	d.ProjectStates = map[int64][]StateChange{}
	return bk.Objects(objProjectStates, func(id int64, raw []byte) error {
		var h []StateChange
		if err := jsonUnmarshal(raw, &h); err != nil {
			return err
		}
		d.ProjectStates[id] = h
		return nil
	})
}
