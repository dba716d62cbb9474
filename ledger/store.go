package ledger

import (
	"context"
	"errors"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Log is one town's append-only log. A database may hold many.
type Log struct {
	ID     int64
	Town   string // the town's code
	Origin string // <host of SUNSHINE_PUBLIC_URL>/log/<town code>; the checkpoint key name
}

// StoredEntry is an entry as the store keeps it: E plus the columns used for
// lookups. The columns are copies of fields of Body; Verify checks they agree.
type StoredEntry struct {
	Seq         int64
	Type        string
	EffectiveOn string
	RecordedAt  time.Time
	Actor       string
	Body        []byte // E, the canonical bytes
}

// HashRow is one stored tree hash.
type HashRow struct {
	Index int64
	Hash  tlog.Hash
}

// Checkpoint is a signed tree head of one log.
type Checkpoint struct {
	Size      int64
	Root      tlog.Hash
	Note      []byte // the signed note, C2SP tlog-checkpoint format
	CreatedAt time.Time
}

// IdemScope identifies an idempotent request (DOMAIN.md §2): the same key
// used by the same user on the same method and route.
type IdemScope struct {
	UserID string
	Method string
	Route  string
	Key    string
}

// IdemRecord is a remembered outcome of an idempotent request. It is written
// in the same transaction as the entries the request wrote.
type IdemRecord struct {
	IdemScope
	LogID       int64
	Fingerprint [32]byte
	Response    []byte
	CreatedAt   time.Time
}

// ErrTransient marks a store error after which the whole transaction may be
// retried (deadlock, lock wait timeout, a certification conflict, a lost
// connection, SQLITE_BUSY). Stores wrap it.
var ErrTransient = errors.New("transient store error")

// ErrUnavailable marks a store error that says the database cannot be
// reached (connection refused or lost). Stores wrap it together with
// ErrTransient; the API answers 503 with Retry-After.
var ErrUnavailable = errors.New("database unavailable")

// ErrMissingHash marks a read of stored tree hashes that found one missing.
var ErrMissingHash = errors.New("stored tree hash missing")

// ErrAppendOnly marks an attempt, refused by the database, to update, delete
// or insert out of sequence in an append-only table.
var ErrAppendOnly = errors.New("append-only table")

// Store is the storage contract of the ledger. Implementations translate
// their driver errors once: a missing row is ErrNotFound, a unique-key clash
// an *Error with CodeConflict, a retryable failure wraps ErrTransient, a
// refusal by an append-only trigger wraps ErrAppendOnly. Stores hold no
// business rules; the ledger's writer is their only writer of entries.
type Store interface {
	// Dialect returns "sqlite" or "mysql".
	Dialect() string
	// Ping checks the database is reachable and its schema current; the error
	// says why not.
	Ping(ctx context.Context) error

	// CreateLog creates a log with an empty head. It returns a CodeConflict
	// error when the town or the origin already has a log.
	CreateLog(ctx context.Context, town, origin string, at time.Time) (Log, error)
	// LogByTown returns the town's log or ErrNotFound.
	LogByTown(ctx context.Context, town string) (Log, error)
	// Logs returns every log, by id.
	Logs(ctx context.Context) ([]Log, error)

	// Write runs fn in one transaction that begins by locking the log's head
	// row (MySQL: SELECT … FOR UPDATE; SQLite: an immediate transaction) and
	// passes fn the size read under that lock. fn's error rolls everything
	// back and is returned. Concurrent Writes on one log, from this process or
	// another, take turns.
	Write(ctx context.Context, logID int64, fn func(tx WriteTx, size int64) error) error

	// Size returns the committed size of the log (its head).
	Size(ctx context.Context, logID int64) (int64, error)
	// Head returns the committed size and the note its writer stored with
	// it (nil: none), read together.
	Head(ctx context.Context, logID int64) (int64, []byte, error)
	// Entry returns one entry or ErrNotFound.
	Entry(ctx context.Context, logID, seq int64) (StoredEntry, error)
	// Entries returns up to limit entries with seq ≥ from, by seq.
	Entries(ctx context.Context, logID, from int64, limit int) ([]StoredEntry, error)
	// ReadHashes returns the stored hashes at the given indexes, in order; a
	// missing one is an error.
	ReadHashes(ctx context.Context, logID int64, indexes []int64) ([]tlog.Hash, error)
	// HashRange returns the stored hashes with from ≤ index < to, by index.
	HashRange(ctx context.Context, logID, from, to int64) ([]HashRow, error)

	// LatestCheckpoint returns the largest stored checkpoint or ErrNotFound.
	LatestCheckpoint(ctx context.Context, logID int64) (Checkpoint, error)
	// Checkpoints returns every stored checkpoint, by size.
	Checkpoints(ctx context.Context, logID int64) ([]Checkpoint, error)
	// PutCheckpoint stores a checkpoint; CodeConflict if that size exists.
	PutCheckpoint(ctx context.Context, logID int64, c Checkpoint) error

	// Books returns the log's projections for reading, outside any write
	// transaction.
	Books(ctx context.Context, logID int64) Books

	// PutAlarm stores an alarm about a log, outside the log; an alarm with
	// the same log, rule and first seq is kept as it was.
	PutAlarm(ctx context.Context, a Alarm) error
	// Alarms returns the log's alarms, newest first.
	Alarms(ctx context.Context, logID int64) ([]Alarm, error)
}

// Alarm is raised by the service about a log it cannot vouch for (rule T1:
// a head its writers did not sign). It lives outside the log, which is what
// is wrong, so that it can be raised when nothing may be appended.
type Alarm struct {
	LogID    int64
	Rule     string
	FirstSeq int64 // the first entry concerned
	Detail   string
	RaisedAt time.Time
}

// WriteTx is the store inside one Write transaction.
type WriteTx interface {
	// Savepoint, RollbackToSavepoint and ReleaseSavepoint bracket one request
	// of a batch, so that a failing request leaves the others intact.
	// Implementations may defer the SAVEPOINT until the request first writes.
	Savepoint() error
	RollbackToSavepoint() error
	ReleaseSavepoint() error

	// InsertEntries appends entries whose seqs continue the log densely.
	InsertEntries(logID int64, entries []StoredEntry) error
	// InsertHashes appends stored hashes from index start on, densely.
	InsertHashes(logID int64, start int64, hashes []tlog.Hash) error
	// SetSize moves the head and stores beside it the checkpoint note its
	// writer signed over the new size (nil: none).
	SetSize(logID int64, size int64, note []byte) error
	// HeadNote returns the note stored with the head when the transaction
	// locked it (nil: none, as for heads written before notes were kept).
	HeadNote() []byte
	// RecordedAt returns the recording time of one entry (ErrNotFound).
	RecordedAt(logID, seq int64) (time.Time, error)
	// Failed returns the transaction's first failed statement (nil: none).
	// After a failure every statement returns that error without running
	// and the transaction cannot commit: the caller must abandon the batch.
	Failed() error
	// ReadHashes is Store.ReadHashes inside the transaction.
	ReadHashes(logID int64, indexes []int64) ([]tlog.Hash, error)

	// Idempotencies returns the records that exist for the scopes.
	Idempotencies(scopes []IdemScope) (map[IdemScope]IdemRecord, error)
	// PutIdempotencies stores records; CodeConflict if a scope exists.
	PutIdempotencies(recs []IdemRecord) error

	// Books returns the log's projections inside this transaction; writes
	// through it fall under the current request's savepoint.
	Books(logID int64) Books
}
