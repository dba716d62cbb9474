package ledger

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Options configure a Ledger.
type Options struct {
	Store Store
	Key   *SigningKey
	// PublicKey, when Key is nil, lets a verifier without the private key
	// check checkpoints (sunshine verify --public-key).
	PublicKey ed25519.PublicKey
	// Now is the clock; nil means time.Now. Tests inject a fixed clock.
	Now func() time.Time
	// Location is the business time zone (SUNSHINE_TZ) in which an entry's
	// default effective_on is the recording day. nil means UTC.
	Location *time.Location
	// MaxBatch bounds the requests one transaction takes; 0 means 512.
	MaxBatch int
	// CheckpointInterval is the least time between two checkpoints signed on
	// demand (the public endpoint); 0 means one second.
	CheckpointInterval time.Duration
	// Observe, when not nil, is told of every committed batch (for metrics).
	Observe func(requests int, took time.Duration)
	// Rand is the source of the blinds of withheld entries; nil means
	// crypto/rand. Tests inject a seeded one.
	Rand io.Reader
	// OnHalt, when not nil, is told when a log's writer stops because the
	// head is not one this service signed: firstSeq is the first entry no
	// writer of this service signed. It is called on the writer's goroutine
	// and must not write to that log.
	OnHalt func(lg Log, firstSeq int64, err error)
}

// Ledger is the service over every log in one store. It is safe for
// concurrent use. Each log has one group-commit writer per process.
type Ledger struct {
	store    Store
	key      *SigningKey
	pub      ed25519.PublicKey
	now      func() time.Time
	loc      *time.Location
	maxBatch int
	cpEvery  time.Duration
	observe  func(int, time.Duration)
	onHalt   func(Log, int64, error)
	rand     io.Reader

	mu      sync.Mutex
	writers map[int64]*writer
	signMu  map[int64]*sync.Mutex
	// soundHeads remembers, per log, the head (note and size) last found
	// signed by this service, so that Checkpoint checks a head once.
	soundHeads map[int64]string
	closed     bool
	wg         sync.WaitGroup
	// cosigner asks the witnesses to cosign what is signed (SetCosigner).
	cosigner atomic.Pointer[Cosigner]
}

// New returns a Ledger. Call Close to stop its writers.
func New(o Options) *Ledger {
	l := &Ledger{store: o.Store, key: o.Key, pub: o.PublicKey, observe: o.Observe, onHalt: o.OnHalt, now: o.Now, loc: o.Location, maxBatch: o.MaxBatch,
		cpEvery: o.CheckpointInterval, writers: map[int64]*writer{}, signMu: map[int64]*sync.Mutex{}, soundHeads: map[int64]string{}}
	if l.now == nil {
		l.now = time.Now
	}
	// The writers of several logs draw at once; UseRand may swap the source.
	lr := &lockedReader{r: o.Rand}
	if lr.r == nil {
		lr.r = rand.Reader
	}
	l.rand = lr
	if l.loc == nil {
		l.loc = time.UTC
	}
	if l.maxBatch <= 0 {
		l.maxBatch = 512
	}
	if l.cpEvery <= 0 {
		l.cpEvery = time.Second
	}
	return l
}

// lockedReader serialises reads of a reader that is not safe for
// concurrent use (a seeded stream).
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// UseRand makes r the source of the blinds of withheld entries from now on
// (the demo draws them from its seed while it loads, then from crypto/rand:
// blinds anyone could compute from a known seed would blind nothing).
func (l *Ledger) UseRand(r io.Reader) {
	lr := l.rand.(*lockedReader)
	lr.mu.Lock()
	lr.r = r
	lr.mu.Unlock()
}

// Store returns the ledger's store.
func (l *Ledger) Store() Store { return l.store }

// Key returns the signing key.
func (l *Ledger) Key() *SigningKey { return l.key }

// Now returns the ledger clock's current time.
func (l *Ledger) Now() time.Time { return l.now() }

// Location returns the business time zone.
func (l *Ledger) Location() *time.Location { return l.loc }

// Close stops the writers after the batches under way. Submissions after
// Close fail.
func (l *Ledger) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	for _, w := range l.writers {
		close(w.stop)
	}
	l.mu.Unlock()
	l.wg.Wait()
}

// EnsureLog returns the town's log, creating it with origin when missing.
// An existing log with another origin is returned unchanged: an origin, once
// used in signed checkpoints, never changes.
func (l *Ledger) EnsureLog(ctx context.Context, town, origin string) (Log, error) {
	lg, err := l.store.LogByTown(ctx, town)
	if err == nil {
		return lg, nil
	}
	if !IsNotFound(err) {
		return Log{}, err
	}
	lg, err = l.store.CreateLog(ctx, town, origin, l.now().UTC())
	if ErrorCode(err) == CodeConflict {
		return l.store.LogByTown(ctx, town)
	}
	return lg, err
}

// Idem asks that a request be idempotent (DOMAIN.md §2). Fingerprint is the
// SHA-256 of the canonical JSON body, or of (kind, file SHA-256) for an
// upload (FingerprintJSON, FingerprintUpload).
type Idem struct {
	IdemScope
	Fingerprint [32]byte
}

// Request is one unit of work for a log's writer. Op runs inside the batch's
// transaction, under its own savepoint: it may read and write projections
// through b.Tx() and append entries with b.Append. If Op fails, everything it
// did is rolled back and it consumes no seq.
type Request struct {
	Idem *Idem
	Op   func(b *Batch) (any, error)
}

// Outcome is what a request returned. For an idempotent request Stored holds
// the JSON that was remembered; Replayed says the request had been done
// before and Op did not run (Value is then nil).
type Outcome struct {
	Value    any
	Stored   []byte
	Replayed bool
}

// Batch is the view of one request inside a batch.
type Batch struct {
	ctx    context.Context
	tx     WriteTx
	log    Log
	now    time.Time
	today  string
	base   int64   // size under the head lock
	staged []Entry // entries appended by this batch so far
	bodies [][]byte
	rand   io.Reader // blinds of withheld entries

	idem    map[IdemScope]IdemRecord // known records: prefetched, then this batch's
	newIdem []IdemRecord             // this batch's, written with the entries

	values map[any]any
	finish []func() error
}

// Value returns what a request stored under key for the rest of the batch
// (nil when nothing was).
func (b *Batch) Value(key any) any { return b.values[key] }

// SetValue stores v under key for the later requests of the batch.
func (b *Batch) SetValue(key, v any) {
	if b.values == nil {
		b.values = map[any]any{}
	}
	b.values[key] = v
}

// OnFinish registers f to run once, after the batch's last request and
// before its entries are written, inside the transaction and outside every
// request's savepoint. An error fails the whole batch.
func (b *Batch) OnFinish(f func() error) { b.finish = append(b.finish, f) }

// Context returns the context of the request being run.
func (b *Batch) Context() context.Context { return b.ctx }

// Tx returns the store transaction.
func (b *Batch) Tx() WriteTx { return b.tx }

// Log returns the log being written.
func (b *Batch) Log() Log { return b.log }

// Now returns the batch's recording time (UTC, whole seconds).
func (b *Batch) Now() time.Time { return b.now }

// Today returns the recording day in the business time zone, YYYY-MM-DD.
func (b *Batch) Today() string { return b.today }

// NextSeq returns the seq the next Append will get.
func (b *Batch) NextSeq() int64 { return b.base + int64(len(b.staged)) }

// Append validates in, assigns it the next seq and stages it. It returns the
// entry, or a *Error with CodeValidationFailed or CodeTooLarge.
func (b *Batch) Append(in AppendInput) (Entry, error) {
	payload, err := in.canonicalPayload()
	if err != nil {
		return Entry{}, err
	}
	eff := in.EffectiveOn
	if eff == "" {
		eff = b.today
	}
	e := Entry{Log: b.log.Origin, Seq: b.NextSeq(), Type: in.Type, RecordedAt: b.now,
		EffectiveOn: eff, Actor: in.Actor, Payload: payload}
	if !IsPublic(in.Type) {
		e.Blind = make([]byte, BlindSize)
		if _, err := io.ReadFull(b.rand, e.Blind); err != nil {
			return Entry{}, fmt.Errorf("blind: %w", err)
		}
	}
	b.staged = append(b.staged, e)
	b.bodies = append(b.bodies, e.Encode())
	return e, nil
}

func (b *Batch) truncate(n int) {
	b.staged = b.staged[:n]
	b.bodies = b.bodies[:n]
}

// Submit runs req on the log's writer and waits for its outcome. The request
// is committed when Submit returns without error.
func (l *Ledger) Submit(ctx context.Context, lg Log, req Request) (Outcome, error) {
	w, err := l.writer(lg)
	if err != nil {
		return Outcome{}, err
	}
	p := &pending{ctx: ctx, req: req, done: make(chan result, 1)}
	select {
	case w.in <- p:
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	case <-w.stop:
		return Outcome{}, errClosed
	}
	r := <-p.done // always answered, even if ctx ends: the batch may be committing
	return r.out, r.err
}

// Append appends entries in one request and returns them with their seqs.
// Payloads are canonicalized in the caller's goroutine.
func (l *Ledger) Append(ctx context.Context, lg Log, ins ...AppendInput) ([]Entry, error) {
	ins = append([]AppendInput(nil), ins...)
	for i := range ins {
		if _, ok := ins[i].Payload.(Prepared); !ok {
			ins[i].Payload = PreparePayload(ins[i].Payload)
		}
	}
	out, err := l.Submit(ctx, lg, Request{Op: func(b *Batch) (any, error) {
		es := make([]Entry, 0, len(ins))
		for _, in := range ins {
			e, err := b.Append(in)
			if err != nil {
				return nil, err
			}
			es = append(es, e)
		}
		return es, nil
	}})
	if err != nil {
		return nil, err
	}
	return out.Value.([]Entry), nil
}

var errClosed = Errorf(CodeUnavailable, "服务正在关闭")

type pending struct {
	ctx  context.Context
	req  Request
	done chan result
}

type result struct {
	out Outcome
	err error
}

type writer struct {
	log  Log
	in   chan *pending
	stop chan struct{}

	// cache holds committed stored hashes (immutable once committed) that the
	// next appends will read: the frontier of the last committed size.
	cache HashMap
	// note is the head note this writer last committed or verified, over a
	// head of noteSize: a head of that size that still carries it needs no
	// signature check.
	note     []byte
	noteSize int64
	// lastAt is the recording time of the entry at noteSize−1.
	lastAt time.Time
	// halted, once set, is the answer to every later request: the writer met
	// a head it did not sign and writes nothing more to this log.
	halted error
}

func (l *Ledger) writer(lg Log) (*writer, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, errClosed
	}
	if w, ok := l.writers[lg.ID]; ok {
		return w, nil
	}
	w := &writer{log: lg, in: make(chan *pending, 4*l.maxBatch), stop: make(chan struct{}), cache: HashMap{}}
	l.writers[lg.ID] = w
	l.wg.Add(1)
	go l.run(w)
	return w, nil
}

// lingerMax bounds how long a writer under load waits to fill a batch.
const lingerMax = 2 * time.Millisecond

func (l *Ledger) run(w *writer) {
	defer l.wg.Done()
	lastBatch := 1
	for {
		var first *pending
		select {
		case first = <-w.in:
		case <-w.stop:
			// answer what is still queued
			for {
				select {
				case p := <-w.in:
					p.done <- result{err: errClosed}
				default:
					return
				}
			}
		}
		batch := []*pending{first}
		// Group commit: take what waits; under load (the last batch was
		// larger than what waits now) linger briefly for the writers that
		// were answered by the last commit and are coming back, so that one
		// transaction carries them all. A lone writer never waits.
		var timer <-chan time.Time
	drain:
		for len(batch) < l.maxBatch {
			select {
			case p := <-w.in:
				batch = append(batch, p)
				continue
			default:
			}
			if len(batch) >= lastBatch {
				break
			}
			if timer == nil {
				timer = time.After(lingerMax)
			}
			select {
			case p := <-w.in:
				batch = append(batch, p)
			case <-timer:
				break drain
			}
		}
		lastBatch = len(batch)
		l.commit(w, batch)
	}
}

// commit runs one batch in one transaction. A transient store error
// (deadlock, certification conflict, lost connection) retries the whole
// batch from the start; a request that met any other store error fails
// alone, with a coded error, and the rest of the batch is retried without
// it. Caches change only after a commit that happened.
func (l *Ledger) commit(w *writer, batch []*pending) {
	if l.observe != nil {
		start := time.Now()
		defer func() { l.observe(len(batch), time.Since(start)) }()
	}
	answer := func(p *pending, r result) { p.done <- r }
	live := batch
	transient := 0
	for len(live) > 0 {
		if w.halted != nil {
			for _, p := range live {
				answer(p, result{err: w.halted})
			}
			return
		}
		c, err := l.tryCommit(w, live)
		if err != nil && c.note != nil && errors.Is(err, ErrTransient) {
			// The batch got as far as signing its head: the COMMIT may have
			// happened with its answer lost. Read the head back; running
			// the batch again on top of itself would store it twice.
			switch committed, rerr := l.headIs(w.log, c.note); {
			case rerr != nil:
				err = &Error{Code: CodeUnavailable, Detail: "数据库暂时无法连接，无法确认刚才的写入是否完成，请稍后按原幂等键重试", Err: errors.Join(err, rerr)}
				for _, p := range live {
					answer(p, result{err: err})
				}
				return
			case committed:
				err = nil
			}
		}
		if err == nil {
			for k, v := range c.overlay {
				w.cache[k] = v
			}
			w.cache.Prune(c.size)
			if c.note != nil {
				w.note, w.noteSize, w.lastAt = c.note, c.size, c.lastAt
			}
			for i, p := range live {
				answer(p, c.results[i])
			}
			return
		}
		var hf *headError
		if errors.As(err, &hf) {
			w.halted = hf.err
			l.raiseHalt(w.log, hf)
			continue
		}
		if errors.Is(err, ErrTransient) {
			transient++
			if transient < maxTransientTries {
				time.Sleep(time.Duration(transient) * 10 * time.Millisecond)
				continue
			}
			err = &Error{Code: CodeUnavailable, Detail: "数据库暂时繁忙或无法连接，请稍后重试", Err: err}
			for _, p := range live {
				answer(p, result{err: err})
			}
			return
		}
		var rf *requestFailure
		if errors.As(err, &rf) {
			answer(live[rf.index], result{err: &Error{Code: CodeInternal, Detail: "服务器内部错误，请稍后再试", Err: rf.err}})
			live = append(live[:rf.index:rf.index], live[rf.index+1:]...)
			continue
		}
		for _, p := range live {
			answer(p, result{err: err})
		}
		return
	}
}

// headIs reports whether the log's committed head carries note (the head
// a batch signed before its COMMIT's answer was lost), reading it a few
// times while the database comes back.
func (l *Ledger) headIs(lg Log, note []byte) (bool, error) {
	var err error
	for try := 0; try < 10; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var got []byte
		_, got, err = l.store.Head(ctx, lg.ID)
		cancel()
		if err == nil {
			return bytes.Equal(got, note), nil
		}
		time.Sleep(time.Duration(try+1) * 50 * time.Millisecond)
	}
	return false, err
}

// maxTransientTries bounds the attempts of one batch that meet transient
// store errors (about 1.5 s of waiting in all).
const maxTransientTries = 16

// requestFailure says which request of a batch met a store error that is not
// transient; the batch is abandoned and retried without it.
type requestFailure struct {
	index int
	err   error
}

func (e *requestFailure) Error() string {
	return fmt.Sprintf("request %d of the batch: %v", e.index, e.err)
}
func (e *requestFailure) Unwrap() error { return e.err }

// headError says the head is not one this service signed.
type headError struct {
	firstSeq int64 // the first seq no writer of this service signed (−1: unknown)
	err      *Error
}

func (e *headError) Error() string { return e.err.Error() }
func (e *headError) Unwrap() error { return e.err }

// committed is what tryCommit wrote.
type committed struct {
	results []result
	overlay map[int64]tlog.Hash
	size    int64
	note    []byte
	lastAt  time.Time
}

func (l *Ledger) tryCommit(w *writer, batch []*pending) (committed, error) {
	c := committed{results: make([]result, len(batch)), overlay: map[int64]tlog.Hash{}}
	results, overlay := c.results, c.overlay
	// The store's transaction is not bound to any one caller's context: a
	// caller that gives up must not abort its neighbours' writes.
	err := l.store.Write(context.Background(), w.log.ID, func(tx WriteTx, size int64) error {
		reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(idx))
			var miss []int64
			for i, x := range idx {
				if h, ok := overlay[x]; ok {
					out[i] = h
				} else if h, ok := w.cache[x]; ok {
					out[i] = h
				} else {
					miss = append(miss, x)
				}
			}
			if len(miss) == 0 {
				return out, nil
			}
			got, err := tx.ReadHashes(w.log.ID, miss)
			if err != nil {
				return nil, err
			}
			j := 0
			for i, x := range idx {
				if _, ok := overlay[x]; ok {
					continue
				}
				if _, ok := w.cache[x]; ok {
					continue
				}
				out[i] = got[j]
				j++
			}
			return out, nil
		})
		c.size = size
		if err := l.checkHead(w, tx, size, reader); err != nil {
			return err
		}
		// Recording times never go backwards in a log, whichever process's
		// clock wrote the entry before.
		now := l.now().UTC().Truncate(time.Second)
		if size > 0 {
			last := w.lastAt
			if size != w.noteSize || last.IsZero() {
				var err error
				if last, err = tx.RecordedAt(w.log.ID, size-1); err != nil {
					return err
				}
			}
			if now.Before(last) {
				now = last
			}
		}
		c.lastAt = now
		b := &Batch{tx: tx, log: w.log, now: now, today: now.In(l.loc).Format(time.DateOnly), base: size, rand: l.rand}
		var scopes []IdemScope
		for _, p := range batch {
			if p.req.Idem != nil {
				scopes = append(scopes, p.req.Idem.IdemScope)
			}
		}
		if len(scopes) > 0 {
			var err error
			if b.idem, err = tx.Idempotencies(scopes); err != nil {
				return err
			}
		}
		for i, p := range batch {
			if err := p.ctx.Err(); err != nil {
				results[i] = result{err: err}
				continue
			}
			b.ctx = p.ctx
			if err := tx.Savepoint(); err != nil {
				return err
			}
			mark, idemMark := len(b.staged), len(b.newIdem)
			out, err := l.runOne(b, p.req)
			// No statement runs after a failed one: whatever the request
			// made of the store's error, the batch ends here.
			if f := tx.Failed(); f != nil {
				if errors.Is(f, ErrTransient) {
					return f
				}
				return &requestFailure{index: i, err: f}
			}
			if err != nil {
				if errors.Is(err, ErrTransient) {
					return err // the transaction is no longer usable
				}
				b.newIdem = b.newIdem[:idemMark]
				if rbErr := tx.RollbackToSavepoint(); rbErr != nil {
					return rbErr
				}
				b.truncate(mark)
				results[i] = result{err: err}
				continue
			}
			if err := tx.ReleaseSavepoint(); err != nil {
				return err
			}
			results[i] = result{out: out}
		}
		for _, f := range b.finish {
			if err := f(); err != nil {
				return err
			}
		}
		if len(b.newIdem) > 0 {
			if err := tx.PutIdempotencies(b.newIdem); err != nil {
				return err
			}
		}
		if len(b.staged) == 0 {
			return nil
		}
		var hashes []tlog.Hash
		rows := make([]StoredEntry, len(b.staged))
		for i, e := range b.staged {
			hs, err := tlog.StoredHashesForRecordHash(e.Seq, tlog.RecordHash(b.bodies[i]), reader)
			if err != nil {
				return err
			}
			start := tlog.StoredHashIndex(0, e.Seq)
			for j, h := range hs {
				overlay[start+int64(j)] = h
			}
			hashes = append(hashes, hs...)
			rows[i] = StoredEntry{Seq: e.Seq, Type: e.Type, EffectiveOn: e.EffectiveOn,
				RecordedAt: e.RecordedAt, Actor: e.Actor, Body: b.bodies[i]}
		}
		if err := tx.InsertEntries(w.log.ID, rows); ErrorCode(err) == CodeConflict || errors.Is(err, ErrAppendOnly) {
			// A row already sits where the head says the log ends: someone
			// wrote past the head without moving it. Not this service's.
			return &headError{firstSeq: size, err: &Error{Code: CodeTampered, Err: ErrUnsignedHead,
				Detail: fmt.Sprintf("账本头（%d 条）之后已有不是本服务写入的条目（序号 %d 起）。已停止写入该账本，请立即核查。", size, size)}}
		} else if err != nil {
			return err
		}
		if err := tx.InsertHashes(w.log.ID, tlog.StoredHashIndex(0, size), hashes); ErrorCode(err) == CodeConflict || errors.Is(err, ErrAppendOnly) {
			// A tree hash already sits past the head: not this service's.
			return &headError{firstSeq: size, err: &Error{Code: CodeTampered, Err: ErrUnsignedHead,
				Detail: fmt.Sprintf("账本头（%d 条）之后已有不是本服务写入的树哈希（首个有问题的序号为 %d）。已停止写入该账本，请立即核查。", size, size)}}
		} else if err != nil {
			return err
		}
		newSize := size + int64(len(rows))
		note, err := l.signHead(w.log, newSize, reader)
		if err != nil {
			return err
		}
		if err := tx.SetSize(w.log.ID, newSize, note); err != nil {
			return err
		}
		c.size, c.note = newSize, note
		return nil
	})
	return c, err
}

func (l *Ledger) runOne(b *Batch, req Request) (Outcome, error) {
	if req.Idem != nil {
		if rec, ok := b.idem[req.Idem.IdemScope]; ok {
			if rec.Fingerprint != req.Idem.Fingerprint {
				return Outcome{}, Errorf(CodeIdempotencyConflict, "该幂等键已用于内容不同的请求")
			}
			return Outcome{Stored: rec.Response, Replayed: true}, nil
		}
	}
	v, err := req.Op(b)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Value: v}
	if req.Idem != nil {
		body, err := jsonMarshal(v)
		if err != nil {
			return Outcome{}, fmt.Errorf("remember idempotent response: %w", err)
		}
		out.Stored = body
		rec := IdemRecord{IdemScope: req.Idem.IdemScope, LogID: b.log.ID,
			Fingerprint: req.Idem.Fingerprint, Response: body, CreatedAt: b.now}
		if b.idem == nil {
			b.idem = map[IdemScope]IdemRecord{}
		}
		b.idem[rec.IdemScope] = rec
		b.newIdem = append(b.newIdem, rec)
	}
	return out, nil
}

// Queued returns how many requests wait for the log's writer (0 when it has
// none): a gauge for /metrics, and a way for tests to line up a batch.
func (l *Ledger) Queued(lg Log) int {
	l.mu.Lock()
	w, ok := l.writers[lg.ID]
	l.mu.Unlock()
	if !ok {
		return 0
	}
	return len(w.in)
}

// VerifierKey returns the note verifier key of the log's checkpoints.
func (l *Ledger) VerifierKey(lg Log) (string, error) {
	if l.key != nil {
		return l.key.VerifierKey(lg.Origin)
	}
	if l.pub != nil {
		return note.NewEd25519VerifierKey(lg.Origin, l.pub)
	}
	return "", errors.New("no signing or public key configured")
}
