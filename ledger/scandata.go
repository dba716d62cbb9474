package ledger

import (
	"context"
	"time"
	"unsafe"
)

// ScanData is the snapshot of a town's books that the rule catalogue
// (package ledger/anomaly) reads: pure data, no store.
type ScanData struct {
	Town       string
	Now        time.Time
	Location   *time.Location
	Payments   []ScanPayment // by id; their strings are in the table Str reads
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
	// Accounts: who set up which staff account and the approvals (S1).
	Accounts []AccountEvent
	// BankReturns are the bank's return rows (R1–R5), loaded by a full
	// scan only (ScanData); NameIndex is each decrypted person's name blind
	// index, AccountTails the last 4 digits of their accounts by blind
	// index, both for the reconciliation's evidence.
	BankReturns  []BankReturn
	NameIndex    map[int64]string
	AccountTails map[string]string
	// Orgs are the payee organisations, with the registry persons behind
	// them (F1, F3, F9).
	Orgs map[int64]Organisation
	// CrossTown holds the other towns' payments of the same item and
	// period to the same ID number or account (B7), set by the scan job's
	// full scan when the service keeps several towns; nil otherwise.
	CrossTown *CrossTown

	strs symTable
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
// vault). The payments are streamed into their compact form when the store
// can (ScanReader): no []Payment of the whole town is ever built.
func (s *Service) ScanData(ctx context.Context, lg Log) (*ScanData, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	n, err := bk.PaymentCount()
	if err != nil {
		return nil, err
	}
	d, err := s.snapshot(ctx, lg, nil)
	if err != nil {
		return nil, err
	}
	d.Payments = make([]ScanPayment, 0, n+n/64)
	if err := s.loadBank(ctx, lg, d); err != nil {
		return nil, err
	}
	if r, ok := bk.(ScanReader); ok {
		l := scanLoader{d: d, dates: map[string]PackedDate{}, periods: map[string]PackedPeriod{}}
		if err := r.ScanPayments(l.add); err != nil {
			return nil, err
		}
		return d, nil
	}
	ps, err := bk.Payments(PaymentFilter{SizeHint: n + n/64})
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		d.AddPayment(p)
	}
	return d, nil
}

// ScanRow is a row of the payments table as a store streams it to a scan
// (ScanReader). The byte slices are valid only during the call.
type ScanRow struct {
	ID, Seq, Project, Fund, PayeeID, Household, AccountHolder, Recipient, Quantity, Amount int64

	VoucherNo, Item, Kind, PayeeKind, AccountIndex, Period, PaidOn, InvoiceNo, Status, LoanContractNo []byte
	RecordedAt                                                                                        time.Time
}

// ScanReader is what a store's Books may implement besides Books: the log's
// payments, by id, one row at a time, for a full scan.
type ScanReader interface {
	ScanPayments(fn func(r *ScanRow) error) error
}

// scanLoader adds streamed rows to a snapshot, parsing each distinct date
// and period once.
type scanLoader struct {
	d       *ScanData
	dates   map[string]PackedDate
	periods map[string]PackedPeriod
}

func (l *scanLoader) add(r *ScanRow) error {
	d := l.d
	p := ScanPayment{ID: r.ID, Seq: r.Seq, Project: r.Project, Fund: r.Fund, PayeeID: r.PayeeID, Household: r.Household,
		AccountHolder: r.AccountHolder, Recipient: r.Recipient, Quantity: r.Quantity, Amount: Fen(r.Amount), RecordedAt: unixOf(r.RecordedAt),
		VoucherNo: d.strs.add(r.VoucherNo), InvoiceNo: d.strs.add(r.InvoiceNo), Item: d.strs.intern(r.Item), Kind: d.strs.intern(r.Kind),
		PayeeKind: d.strs.intern(r.PayeeKind), AccountIndex: d.strs.intern(r.AccountIndex), Status: d.strs.intern(r.Status),
		LoanContract: d.strs.add(r.LoanContractNo)}
	if len(r.PaidOn) > 0 {
		v, ok := l.dates[string(r.PaidOn)]
		if !ok {
			t, _ := ParseDate(string(r.PaidOn))
			v = PackDate(t)
			l.dates[string(r.PaidOn)] = v
		}
		p.PaidOn = v
	}
	if len(r.Period) > 0 {
		v, ok := l.periods[string(r.Period)]
		if !ok {
			t, _ := ParsePeriod(string(r.Period))
			v = PackPeriod(t)
			l.periods[string(r.Period)] = v
		}
		p.Period = v
	}
	d.Payments = append(d.Payments, p)
	return nil
}

// AddPayment appends a payment to the snapshot in its compact form.
func (d *ScanData) AddPayment(p Payment) {
	d.Payments = append(d.Payments, ScanPayment{ID: p.ID, Seq: p.Seq, Project: p.Project, Fund: p.Fund, PayeeID: p.Payee.ID,
		Household: p.Household, AccountHolder: p.AccountHolder, Recipient: p.Recipient, Quantity: p.Quantity, Amount: p.Amount, RecordedAt: unixOf(p.RecordedAt),
		PaidOn: PackDate(p.PaidOn), Period: PackPeriod(p.Period), VoucherNo: d.strs.add(strBytes(p.VoucherNo)),
		InvoiceNo: d.strs.add(strBytes(p.InvoiceNo)), Item: d.strs.intern(strBytes(p.Item)), Kind: d.strs.intern(strBytes(p.Kind)),
		PayeeKind: d.strs.intern(strBytes(p.Payee.Kind)), AccountIndex: d.strs.intern(strBytes(p.AccountIndex)),
		Status: d.strs.intern(strBytes(p.Status)), LoanContract: d.strs.add(strBytes(p.LoanContractNo))})
}

// Payment returns payment i of the snapshot as a Payment (ContractNo,
// Maker, Imported and LastSeq are not kept). Its strings
// are views of the snapshot's string table: clone those kept beyond the
// scan (a view keeps the whole table alive).
func (d *ScanData) Payment(i int) Payment {
	p := &d.Payments[i]
	out := Payment{ID: p.ID, Seq: p.Seq, VoucherNo: d.Str(p.VoucherNo), Project: p.Project, Fund: p.Fund, Item: d.Str(p.Item),
		Kind: d.Str(p.Kind), Payee: PayeeRef{Kind: d.Str(p.PayeeKind), ID: p.PayeeID}, Household: p.Household,
		AccountHolder: p.AccountHolder, Recipient: p.Recipient, AccountIndex: d.Str(p.AccountIndex), Quantity: p.Quantity, Amount: p.Amount,
		Period: p.Period.Period(), PaidOn: p.PaidOn.Date(), InvoiceNo: d.Str(p.InvoiceNo), Status: d.Str(p.Status),
		LoanContractNo: d.Str(p.LoanContract)}
	if p.RecordedAt != 0 {
		out.RecordedAt = time.Unix(p.RecordedAt, 0).UTC()
	}
	return out
}

// Str returns a symbol's string: a view of the snapshot's string table.
func (d *ScanData) Str(s Sym) string { return d.strs.str(s) }

func unixOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func strBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Sym is a string of a snapshot's string table (ScanData.Str); 0 is "".
type Sym uint32

// symTable holds a snapshot's strings end to end in one byte slice: a
// payment's voucher number costs its bytes and 8 bytes of index, not a
// string header and an allocation of its own. The values that repeat
// (item codes, kinds, statuses, account indexes) are kept once. The bytes
// are only ever appended to, so a view (str) stays valid.
type symTable struct {
	text []byte
	ends []uint32 // symbol s is text[ends[s-1]:ends[s]]; ends[0] = 0
	ids  map[string]Sym
}

func (t *symTable) str(s Sym) string {
	if s == 0 || int(s) >= len(t.ends) {
		return ""
	}
	a, b := t.ends[s-1], t.ends[s]
	if a == b {
		return ""
	}
	return unsafe.String(&t.text[a], int(b-a))
}

// add stores a string that rarely repeats (a voucher or invoice number).
func (t *symTable) add(b []byte) Sym {
	if len(b) == 0 {
		return 0
	}
	if len(t.ends) == 0 {
		t.ends = append(t.ends, 0)
	}
	if len(t.text)+len(b) > 1<<32-1 {
		panic("ledger: a scan's string table is full (4 GiB)")
	}
	t.text = append(t.text, b...)
	t.ends = append(t.ends, uint32(len(t.text)))
	return Sym(len(t.ends) - 1)
}

// intern stores a string that repeats, once.
func (t *symTable) intern(b []byte) Sym {
	if len(b) == 0 {
		return 0
	}
	if s, ok := t.ids[string(b)]; ok {
		return s
	}
	if t.ids == nil {
		t.ids = map[string]Sym{}
	}
	s := t.add(b)
	t.ids[t.str(s)] = s
	return s
}

// PackedDate is a Date in 32 bits (year<<9 | month<<5 | day; 0 is the zero
// date); packed dates order as the dates do.
type PackedDate int32

// PackDate packs a date.
func PackDate(d Date) PackedDate { return PackedDate(d.Year<<9 | int(d.Month)<<5 | d.Day) }

// Date unpacks a date.
func (p PackedDate) Date() Date {
	return Date{Year: int(p >> 9), Month: time.Month(p >> 5 & 15), Day: int(p & 31)}
}

// Year is the date's year.
func (p PackedDate) Year() int { return int(p >> 9) }

// PackedPeriod is a Period in 32 bits (year<<8 | quarter<<4 | month; 0 is
// no period).
type PackedPeriod int32

// PackPeriod packs a period.
func PackPeriod(p Period) PackedPeriod { return PackedPeriod(p.Year<<8 | p.Quarter<<4 | p.Month) }

// Period unpacks a period.
func (p PackedPeriod) Period() Period {
	return Period{Year: int(p >> 8), Quarter: int(p >> 4 & 15), Month: int(p & 15)}
}

// snapshot loads everything but the payments; only the persons need
// reports true for (nil: all) are decrypted.
func (s *Service) snapshot(ctx context.Context, lg Log, need func(person int64) bool) (*ScanData, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	d := &ScanData{Town: lg.Town, Now: s.L.Now(), Location: s.L.Location(), Persons: map[int64]Person{},
		Households: map[int64]Household{}, Members: map[int64][]int64{}, Items: map[string]Item{}, Projects: map[int64]Project{},
		Funds: map[int64]Fund{}, FundLines: map[int64]FundLine{}, Births: map[int64]time.Time{}, Labels: map[int64]string{},
		Allocated: map[[2]int64]Fen{}}
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
				s.addPrivate(d, p.ID, pp)
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
	if err := loadOrganisations(bk, d); err != nil {
		return nil, err
	}
	if err := s.loadAccountEvents(ctx, lg, d); err != nil {
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
