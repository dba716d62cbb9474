package ledger

// Books is the store of one log's projections: the current state that the
// entries imply (registry objects, payments, balances, report aggregates)
// plus the personal-data tables. The writer reaches it inside its
// transaction (WriteTx.Books), readers outside (Store.Books). Projections can
// be rebuilt from the entries plus the personal-data tables (Rebuild).
//
// Registry objects (villages, households, persons, organisations, items,
// funds, projects, loans, …) are stored as JSON documents by kind and id,
// with an optional unique key per kind (a village's code, a fund's 指标文号).
// Payments, balances and the report aggregates have typed tables, because
// rules and reports query them at scale.
//
// Errors: ErrNotFound for a missing row; a CodeConflict *Error for a
// duplicate key; others wrapped.
type Books interface {
	// CreateObject inserts a new object; key ("" for none) must be unique
	// among the kind's objects (CodeConflict otherwise) and never changes.
	CreateObject(kind string, id int64, key string, v any) error
	// PutObject replaces an existing object (or inserts one without a key).
	PutObject(kind string, id int64, v any) error
	// Object decodes the object into out, or returns ErrNotFound.
	Object(kind string, id int64, out any) error
	// ObjectByKey decodes the object with that key into out and returns its id.
	ObjectByKey(kind, key string, out any) (int64, error)
	// Objects calls fn with each object of the kind, by id.
	Objects(kind string, fn func(id int64, raw []byte) error) error

	// InsertPayment inserts a new payment.
	InsertPayment(p Payment) error
	// SetPaymentStatus changes a payment's status.
	SetPaymentStatus(id int64, status string) error
	// Payment returns a payment by id.
	Payment(id int64) (Payment, error)
	// Payments lists payments matching f, by id.
	Payments(f PaymentFilter) ([]Payment, error)
	// CountPayments returns how many payments match f: its Limit,
	// Newest and BeforeID are ignored; with AfterID, those after it.
	CountPayments(f PaymentFilter) (int, error)
	// PaymentCount returns how many payments the log has.
	PaymentCount() (int, error)
	// PaymentsByKeys returns every payment matching any of the keys (by id,
	// payee, household, account index, invoice number, or item and period),
	// each once, by id: the payments an incremental scan must see whole.
	PaymentsByKeys(k PaymentKeys) ([]Payment, error)
	// ActivePayment returns a payment of the item to the payee for the
	// period that is not rejected or reversed, or ErrNotFound.
	ActivePayment(item string, payee PayeeRef, period string) (Payment, error)

	// AddBalance adds delta to an account's balance.
	AddBalance(account string, delta Fen) error
	// Balance returns an account's balance (0 for an unknown account).
	Balance(account string) (Fen, error)
	// Balances returns every account with a prefix and its balance.
	Balances(prefix string) (map[string]Fen, error)

	// AddFlow adds to the money of a fund that went to a project, by kind:
	// "allocated" or a payee kind (household, person, org).
	AddFlow(fund, project int64, kind string, delta Fen) error
	// Flows returns the flows of a fund (fund > 0) or of a project
	// (project > 0).
	Flows(fund, project int64) ([]Flow, error)
	// AddHouseholdYear adds a payment to a household's yearly total of an
	// item ("" for payments without an item).
	AddHouseholdYear(household int64, year int, item string, delta Fen, count int) error
	// HouseholdYear returns a household's totals of a year by item.
	HouseholdYear(household int64, year int) ([]HouseholdItemTotal, error)

	// Personal data (DOMAIN.md §3): not projections, the input beside the log.
	PutPrivate(p PrivateRecord) error
	Private(person int64) (PrivateRecord, error)
	PutBlindIndex(kind, hash string, person int64) error
	PersonsByBlindIndex(kind, hash string) ([]int64, error)
	// ErasePrivate deletes a person's data key and blind-index rows.
	ErasePrivate(person int64) error
	// RecordUnmaskedRead records that a user read a person's personal data.
	RecordUnmaskedRead(user string, person int64, at string, purpose string) error

	// PutBlob stores bytes under their hex SHA-256 (a published notice's PDF
	// and content); storing the same bytes again is a no-op. Blobs are
	// insert-only: never changed, never deleted.
	PutBlob(sha string, data []byte) error
	// Blob returns stored bytes, or ErrNotFound.
	Blob(sha string) ([]byte, error)

	// For export (backups): every person's stored personal data (still
	// encrypted; WrappedKey nil once erased), by person; every blind-index
	// row; every blob, by SHA-256.
	PrivateRecords() ([]PrivateRecord, error)
	BlindIndexes(fn func(kind, hash string, person int64) error) error
	Blobs(fn func(sha string, data []byte) error) error
}

// PaymentFilter selects payments. Zero fields do not filter.
type PaymentFilter struct {
	Project   int64
	Fund      int64
	Item      string
	Payee     PayeeRef
	Household int64
	Period    string // canonical period string
	Status    []string
	Year      int
	VoucherNo string
	// Projects: the payment's project is one of them (a village's
	// projects); empty means any. A non-nil empty slice matches nothing.
	Projects []int64
	// Search: the voucher or invoice number is exactly it.
	Search string
	// FromID, ToID: the payment's id (its recording entry's seq) is within
	// them, both included; 0 leaves that end open. One import's payments
	// are the ids of its entries (issue 19: the finished import's link).
	FromID, ToID int64
	AfterID      int64 // for paging: id > AfterID
	// Newest lists by id descending (newest first); BeforeID then pages:
	// id < BeforeID.
	Newest   bool
	BeforeID int64
	Limit    int
	SizeHint int // how many rows to make room for (a scan's count)
}

// PaymentKeys select payments for PaymentsByKeys.
type PaymentKeys struct {
	IDs        []int64
	Payees     []PayeeRef // every payment to them
	Households []int64    // every payment to their members
	Invoices   []string
	// ItemPeriods: item code, canonical period.
	ItemPeriods [][2]string
	// PayeeItemYears: every payment of the item to the payee in the year.
	PayeeItemYears []PayeeItemYear
	// HouseholdItemPeriods: household, item code, canonical period.
	HouseholdItemPeriods []HouseholdItemPeriod
	// AccountPeriods: account index, canonical period.
	AccountPeriods [][2]string
}

// PayeeItemYear selects a payee's payments of an item in a year.
type PayeeItemYear struct {
	Payee PayeeRef
	Item  string
	Year  int
}

// HouseholdItemPeriod selects a household's payments of an item in a period.
type HouseholdItemPeriod struct {
	Household int64
	Item      string
	Period    string
}

// Flow is money of a fund that went to a project, by kind.
type Flow struct {
	Fund    int64
	Project int64
	Kind    string // allocated | household | person | org
	Amount  Fen
}

// HouseholdItemTotal is what a household received of an item in a year.
type HouseholdItemTotal struct {
	Item   string
	Amount Fen
	Count  int
}

// PrivateRecord is a person's personal data as stored: the data key wrapped
// by the master key, and the AES-GCM ciphertext of PersonPrivate.
type PrivateRecord struct {
	Person     int64
	WrappedKey []byte // nil once erased
	Nonce      []byte
	Ciphertext []byte
}
