package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/witness"
)

// Witness is an outside party (C2SP tlog-witness) that cosigns the log's
// checkpoints, each only when it is consistent with the last one it
// cosigned.
type Witness struct {
	Name  string // its note key name
	Key   string // its cosignature/v1 verifier key
	URL   string // base URL of its add-checkpoint endpoint
	Label string // human name, e.g. 县纪委监委 (default: Name)

	v *witness.Verifier
}

// ParseWitnesses parses SUNSHINE_WITNESSES: comma-separated
// "<verifier key>@<base URL>", each URL optionally ending in "#<human
// name>" (a fragment, never sent to the witness).
func ParseWitnesses(spec string) ([]Witness, error) {
	var out []Witness
	seen := map[string]bool{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		vkey, raw, ok := strings.Cut(item, "@")
		if !ok {
			return nil, fmt.Errorf("witness %q: want <verifier key>@<base URL>", item)
		}
		w, err := NewWitness(vkey, raw)
		if err != nil {
			return nil, err
		}
		if seen[w.Key] {
			return nil, fmt.Errorf("witness %s listed twice", w.Name)
		}
		seen[w.Key] = true
		out = append(out, w)
	}
	return out, nil
}

// NewWitness returns the witness with this verifier key at base URL rawURL
// (its fragment, if any, is the human name).
func NewWitness(vkey, rawURL string) (Witness, error) {
	w, err := WitnessKey(vkey, "")
	if err != nil {
		return Witness{}, err
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Witness{}, fmt.Errorf("witness %s: bad URL %q", w.Name, rawURL)
	}
	if u.Fragment != "" {
		w.Label = u.Fragment
	}
	u.Fragment, u.RawFragment = "", ""
	w.URL = strings.TrimSuffix(u.String(), "/")
	return w, nil
}

// WitnessKey returns the witness with this cosignature/v1 verifier key and
// human name label (default: the key's name), without an address: enough
// to check its cosignatures, not to ask it for one.
func WitnessKey(vkey, label string) (Witness, error) {
	v, err := witness.NewVerifier(vkey)
	if err != nil {
		return Witness{}, err
	}
	if label == "" {
		label = v.Name()
	}
	return Witness{Name: v.Name(), Key: v.String(), Label: label, v: v}, nil
}

// Cosignature is one witness's cosignature of one checkpoint.
type Cosignature struct {
	LogID    int64
	Size     int64
	Witness  string // the witness's verifier key
	Line     []byte // its note signature line(s), "— <name> <base64>\n"
	SignedAt time.Time
}

// CosignStore keeps cosignatures (gormstore implements it).
type CosignStore interface {
	// PutCosignature stores a cosignature; one of the same log, size and
	// witness is kept as it was (the app user needs only SELECT and INSERT).
	PutCosignature(ctx context.Context, c Cosignature) error
	// Cosignatures returns the cosignatures of the checkpoint of this size.
	Cosignatures(ctx context.Context, logID, size int64) ([]Cosignature, error)
	// AllCosignatures returns every cosignature of the log, by size.
	AllCosignatures(ctx context.Context, logID int64) ([]Cosignature, error)
	// WitnessSizes returns, per witness key, the largest size it cosigned.
	WitnessSizes(ctx context.Context, logID int64) (map[string]int64, error)
}

// Cosigner asks the witnesses to cosign the log's checkpoints after they
// are signed, keeps their cosignatures, and raises an alarm (and a flag for
// the discipline office) when a checkpoint is short of the quorum.
type Cosigner struct {
	L         *Ledger
	Store     CosignStore
	Witnesses []Witness
	Quorum    int          // 0: all
	HTTP      *http.Client // nil: a client with a 10 s timeout
	Retries   int          // per witness after a failed request (0: 2)
	RetryWait time.Duration
	// Service, when set, also records the shortfall as a flag (T1 when a
	// witness refused the checkpoint as inconsistent, else T2).
	Service *Service

	mu      sync.Mutex
	logMu   map[int64]*sync.Mutex
	tried   map[int64]tried
	full    map[int64]WitnessedCheckpoint // per log: the latest checkpoint every witness cosigned
	quorate map[int64]WitnessedCheckpoint // per log: the latest checkpoint the quorum cosigned
	running map[int64]inflight            // per log: the cosigning Ensure started
}

type tried struct {
	size int64
	at   time.Time
	ok   bool
}

// CosignResult says which witnesses vouched for a checkpoint.
type CosignResult struct {
	Size    int64
	Quorum  int
	Vouched []Witness
	// Missing are the witnesses without a cosignature, each with why
	// (Chinese).
	Missing []MissingCosignature
}

// MissingCosignature is a witness that did not cosign, and why.
type MissingCosignature struct {
	Witness Witness
	Reason  string
	// Invalid: a cosignature line of this witness is there but does not
	// verify over the checkpoint (the checkpoint or the line was changed).
	Invalid bool
}

// Witnessed reports whether the quorum vouched.
func (r CosignResult) Witnessed() bool { return len(r.Vouched) >= r.Quorum }

// VouchedLabels returns the human names of the witnesses that vouched, in
// the configured order.
func (r CosignResult) VouchedLabels() []string {
	var out []string
	for _, w := range r.Vouched {
		out = append(out, w.Label)
	}
	return out
}

// MissingLabels returns the human names of the witnesses that did not.
func (r CosignResult) MissingLabels() []string {
	var out []string
	for _, m := range r.Missing {
		out = append(out, m.Witness.Label)
	}
	return out
}

// QuorumSize returns how many witnesses must cosign (Quorum, or all).
func (c *Cosigner) QuorumSize() int { return c.quorum() }

func (c *Cosigner) quorum() int { return quorumOf(c.Quorum, len(c.Witnesses)) }

// quorumOf is a quorum q of n witnesses: q, or all when q is 0 or more
// than n.
func quorumOf(q, n int) int {
	if q <= 0 || q > n {
		return n
	}
	return q
}

// CheckCosignatures reports which of ws cosigned the signed checkpoint
// msg (the log's note followed by cosignature lines, as
// /api/public/checkpoint serves it and notices print it): a witness vouches
// when msg carries its valid cosignature/v1 line. A witness whose line is
// there but does not verify is Missing with Invalid set. quorum 0 means
// all of ws. The log's own signature is not checked here
// (OpenCheckpoint does).
func CheckCosignatures(msg []byte, ws []Witness, quorum int) CosignResult {
	res := CosignResult{Quorum: quorumOf(quorum, len(ws))}
	for _, w := range ws {
		var err error = errors.New("no verifier") // a Witness not made by NewWitness or WitnessKey
		if w.v != nil {
			_, err = note.Open(msg, note.VerifierList(w.v))
		}
		var unverified *note.UnverifiedNoteError
		switch {
		case err == nil:
			res.Vouched = append(res.Vouched, w)
		case errors.As(err, &unverified):
			res.Missing = append(res.Missing, MissingCosignature{Witness: w, Reason: "没有该见证方的联署签名"})
		default:
			res.Missing = append(res.Missing, MissingCosignature{Witness: w, Reason: "该见证方的联署签名无效：检查点或签名被改动过", Invalid: true})
		}
	}
	return res
}

func (c *Cosigner) lockLog(id int64) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.logMu == nil {
		c.logMu = map[int64]*sync.Mutex{}
	}
	m, ok := c.logMu[id]
	if !ok {
		m = &sync.Mutex{}
		c.logMu[id] = m
	}
	return m
}

// SetCosigner makes c the cosigner of l's checkpoints (nil: none).
func SetCosigner(l *Ledger, c *Cosigner) { l.cosigner.Store(c) }

// Cosigner returns the cosigner set by SetCosigner (nil: no witnesses).
func (l *Ledger) Cosigner() *Cosigner { return l.cosigner.Load() }

// WitnessedCheckpoint is a checkpoint with the cosignatures kept for it.
type WitnessedCheckpoint struct {
	Checkpoint
	// Note is the log's signed note followed by the witnesses' cosignature
	// lines.
	Note   []byte
	Status *CosignResult // nil: no witnesses configured
}

// WitnessedCheckpoint returns the latest checkpoint (Ledger.Checkpoint:
// signed anew when the log has grown) with its cosignatures, asking the
// witnesses first when this checkpoint has not been put to them yet.
// Without a cosigner it is the checkpoint alone.
func (l *Ledger) WitnessedCheckpoint(ctx context.Context, lg Log) (WitnessedCheckpoint, error) {
	cp, err := l.Checkpoint(ctx, lg)
	if err != nil {
		return WitnessedCheckpoint{}, err
	}
	c := l.Cosigner()
	if c == nil {
		return WitnessedCheckpoint{Checkpoint: cp, Note: cp.Note}, nil
	}
	wc, err := c.Ensure(ctx, lg, cp)
	if err == nil && !wc.Status.Witnessed() {
		// Overtaken while the witnesses were asked: serve the newer one.
		if latest, lerr := l.store.LatestCheckpoint(ctx, lg.ID); lerr == nil && latest.Size > cp.Size {
			return c.Ensure(ctx, lg, latest)
		}
	}
	return wc, err
}

// WitnessedWhilePending returns, for wc short of the quorum only because
// its witnesses are still being asked (a checkpoint signed a moment ago,
// a witness slower than a reader's wait), the latest earlier checkpoint of
// the log the quorum cosigned, which a verifier may check against instead:
// a slow witness is not a refusal, and a villager scanning a notice right
// after a write must not be told it failed. A checkpoint short of the
// quorum for any other reason (refused, unreachable, invalid lines) gets
// false: the verifier reports it as it is.
func (l *Ledger) WitnessedWhilePending(lg Log, wc WitnessedCheckpoint) (WitnessedCheckpoint, bool) {
	c := l.Cosigner()
	if c == nil || wc.Status == nil || wc.Status.Witnessed() {
		return WitnessedCheckpoint{}, false
	}
	for _, m := range wc.Status.Missing {
		if m.Invalid {
			return WitnessedCheckpoint{}, false
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.running[lg.ID]; !ok || f.size != wc.Size {
		return WitnessedCheckpoint{}, false
	}
	q, ok := c.quorate[lg.ID]
	if !ok || q.Size >= wc.Size {
		return WitnessedCheckpoint{}, false
	}
	return q, true
}

// CosignedCheckpoint returns cp with the cosignatures of the witnesses
// that vouched for it, asking them first when it has not been put to them
// yet and waiting for their answers at most wait (publishing a notice waits
// longer than a reader). Without a cosigner it is cp alone (Status nil).
func (l *Ledger) CosignedCheckpoint(ctx context.Context, lg Log, cp Checkpoint, wait time.Duration) (WitnessedCheckpoint, error) {
	c := l.Cosigner()
	if c == nil {
		return WitnessedCheckpoint{Checkpoint: cp, Note: cp.Note}, nil
	}
	return c.ensure(ctx, lg, cp, wait)
}

// retryShort is how long a checkpoint short of the quorum waits before
// Ensure puts it to the witnesses again.
const retryShort = time.Minute

// ensureWait is how long a reader waits for the witnesses' answers before
// it is served what is stored (the cosigning goes on without it).
const ensureWait = 3 * time.Second

type inflight struct {
	size int64
	done chan struct{}
}

// Ensure cosigns cp unless it was put to the witnesses already (a
// checkpoint short of the quorum is tried again after a minute), then
// returns it with its cosignatures. The witnesses are asked outside the
// caller's context (a reader who leaves does not cut them off, nor raise a
// false alarm), and the caller waits for them at most a few seconds.
func (c *Cosigner) Ensure(ctx context.Context, lg Log, cp Checkpoint) (WitnessedCheckpoint, error) {
	return c.ensure(ctx, lg, cp, ensureWait)
}

func (c *Cosigner) ensure(ctx context.Context, lg Log, cp Checkpoint, wait time.Duration) (WitnessedCheckpoint, error) {
	c.mu.Lock()
	if full, ok := c.full[lg.ID]; ok && full.Size == cp.Size && full.Root == cp.Root && bytes.Equal(full.Checkpoint.Note, cp.Note) {
		c.mu.Unlock()
		return full, nil // every witness cosigned it: nothing can change
	}
	var done chan struct{}
	if f, ok := c.running[lg.ID]; ok && f.size == cp.Size {
		done = f.done
	} else if t, ok := c.tried[lg.ID]; !ok || t.size != cp.Size || !t.ok && c.L.now().Sub(t.at) >= retryShort {
		done = make(chan struct{})
		if c.running == nil {
			c.running = map[int64]inflight{}
		}
		c.running[lg.ID] = inflight{size: cp.Size, done: done}
		go func() {
			defer close(done)
			bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if _, err := c.Cosign(bg, lg, cp); err != nil {
				slog.Warn("cosigning failed", "log", lg.Origin, "size", cp.Size, "err", err)
			}
			c.mu.Lock()
			if f, ok := c.running[lg.ID]; ok && f.done == done {
				delete(c.running, lg.ID)
			}
			c.mu.Unlock()
		}()
	}
	c.mu.Unlock()
	if done != nil {
		t := time.NewTimer(wait)
		select {
		case <-done:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	return c.Witnessed(ctx, lg, cp)
}

// Witnessed returns cp with the stored cosignatures of the configured
// witnesses that verify over it.
func (c *Cosigner) Witnessed(ctx context.Context, lg Log, cp Checkpoint) (WitnessedCheckpoint, error) {
	res, lines, err := c.status(ctx, lg, cp)
	if err != nil {
		return WitnessedCheckpoint{}, err
	}
	out := WitnessedCheckpoint{Checkpoint: cp, Note: append(bytes.Clone(cp.Note), lines...), Status: &res}
	if res.Witnessed() {
		c.mu.Lock()
		if c.quorate == nil {
			c.quorate = map[int64]WitnessedCheckpoint{}
		}
		if cur, ok := c.quorate[lg.ID]; !ok || cur.Size <= cp.Size {
			c.quorate[lg.ID] = out
		}
		c.mu.Unlock()
	}
	if len(res.Vouched) == len(c.Witnesses) {
		c.mu.Lock()
		if c.full == nil {
			c.full = map[int64]WitnessedCheckpoint{}
		}
		if cur, ok := c.full[lg.ID]; !ok || cur.Size <= cp.Size {
			c.full[lg.ID] = out
		}
		c.mu.Unlock()
	}
	return out, nil
}

func (c *Cosigner) status(ctx context.Context, lg Log, cp Checkpoint) (CosignResult, []byte, error) {
	stored, err := c.Store.Cosignatures(ctx, lg.ID, cp.Size)
	if err != nil {
		return CosignResult{}, nil, err
	}
	byKey := map[string][]byte{}
	for _, s := range stored {
		byKey[s.Witness] = s.Line
	}
	res := CosignResult{Size: cp.Size, Quorum: c.quorum()}
	var lines []byte
	for _, w := range c.Witnesses {
		line, ok := byKey[w.Key]
		if ok && verifyCosignature(cp.Note, line, w) {
			res.Vouched = append(res.Vouched, w)
			lines = append(lines, line...)
			continue
		}
		m := MissingCosignature{Witness: w, Reason: "尚未联署"}
		if ok {
			m.Reason, m.Invalid = reasonStoredInvalid, true
		}
		res.Missing = append(res.Missing, m)
	}
	return res, lines, nil
}

// reasonStoredInvalid: a kept cosignature does not verify over the stored
// checkpoint of its size, which was therefore changed after it was
// cosigned.
const reasonStoredInvalid = "保存的联署签名与该检查点不符：检查点在联署后被改动"

// verifyCosignature reports whether line carries w's valid cosignature of
// the signed checkpoint cp.
func verifyCosignature(cp, line []byte, w Witness) bool {
	if len(line) == 0 || !bytes.HasSuffix(line, []byte("\n")) {
		return false
	}
	n, err := note.Open(append(bytes.Clone(cp), line...), note.VerifierList(w.v))
	if err != nil {
		return false
	}
	for _, s := range n.Sigs {
		if s.Name == w.Name && s.Hash == w.v.KeyHash() {
			return true
		}
	}
	return false
}

// WitnessTally is what one witness cosigned of a log's stored checkpoints
// (AuditCosignatures).
type WitnessTally struct {
	Witness Witness
	// Cosigned counts the stored checkpoints with its valid cosignature;
	// Latest is the largest of their sizes (0: none).
	Cosigned int
	Latest   int64
	// CosignedLatest: the log's latest stored checkpoint carries its valid
	// cosignature.
	CosignedLatest bool
	// Bad are the sizes of its stored cosignatures that do not verify over
	// the stored checkpoint of that size (or name a size with none): the
	// checkpoint was changed after it was cosigned, or the line was forged.
	Bad []int64
}

// AuditCosignatures checks the stored cosignatures of the witnesses ws
// over the log's stored checkpoints cps (ascending by size, as
// Store.Checkpoints returns them), from what AllCosignatures returned. It
// returns one tally per witness, in the order of ws; cosignatures of other
// witnesses are ignored.
func AuditCosignatures(cps []Checkpoint, cos []Cosignature, ws []Witness) []WitnessTally {
	bySize := make(map[int64][]byte, len(cps))
	for _, cp := range cps {
		bySize[cp.Size] = cp.Note
	}
	var latest int64
	if len(cps) > 0 {
		latest = cps[len(cps)-1].Size
	}
	out := make([]WitnessTally, len(ws))
	idx := map[string]int{}
	for i, w := range ws {
		out[i].Witness = w
		idx[w.Key] = i
	}
	for _, c := range cos {
		i, ok := idx[c.Witness]
		if !ok {
			continue
		}
		t := &out[i]
		cp, ok := bySize[c.Size]
		if !ok || !verifyCosignature(cp, c.Line, t.Witness) {
			t.Bad = append(t.Bad, c.Size)
			continue
		}
		t.Cosigned++
		t.Latest = max(t.Latest, c.Size)
		if c.Size == latest {
			t.CosignedLatest = true
		}
	}
	return out
}

// ownLines returns the lines of sigs that are w's valid cosignature of cp.
func ownLines(cp, sigs []byte, w Witness) []byte {
	var out []byte
	for _, l := range strings.SplitAfter(string(sigs), "\n") {
		if l != "" && verifyCosignature(cp, []byte(l), w) {
			out = append(out, l...)
		}
	}
	return out
}

// errRefused marks a witness's refusal of an inconsistent checkpoint.
var errRefused = errors.New("witness refused the checkpoint")

// errAhead: the witness already cosigned a larger checkpoint (one signed
// after cp while cp was being put to it).
var errAhead = errors.New("witness holds a larger checkpoint")

// Cosign puts the checkpoint cp to every witness (with a consistency proof
// from the size each one last cosigned, following a 409 to the size it
// holds), stores the cosignatures, and when fewer than the quorum vouched
// raises an alarm outside the log and, with Service set, a flag: at once
// when a witness refused the checkpoint as inconsistent, else when the
// attempt before fell short too.
func (c *Cosigner) Cosign(ctx context.Context, lg Log, cp Checkpoint) (CosignResult, error) {
	if len(c.Witnesses) == 0 {
		return CosignResult{Size: cp.Size}, nil
	}
	m := c.lockLog(lg.ID)
	m.Lock()
	defer m.Unlock()
	sizes, err := c.Store.WitnessSizes(ctx, lg.ID)
	if err != nil {
		return CosignResult{}, err
	}
	have, err := c.Store.Cosignatures(ctx, lg.ID, cp.Size)
	if err != nil {
		return CosignResult{}, err
	}
	done := map[string]bool{}
	for _, s := range have {
		done[s.Witness] = true
	}
	type answer struct {
		i   int
		err error
	}
	answers := make(chan answer, len(c.Witnesses))
	for i, w := range c.Witnesses {
		if done[w.Key] {
			answers <- answer{i, nil}
			continue
		}
		go func() { answers <- answer{i, c.ask(ctx, lg, cp, w, sizes[w.Key])} }()
	}
	errs := make([]error, len(c.Witnesses))
	for range c.Witnesses {
		a := <-answers
		errs[a.i] = a.err
	}
	res, _, err := c.status(ctx, lg, cp)
	if err != nil {
		return CosignResult{}, err
	}
	refused := false
	for i := range res.Missing {
		if res.Missing[i].Invalid {
			// The witness cosigned another checkpoint of this size: the
			// stored one was replaced after it was cosigned.
			refused = true
			continue
		}
		for j, w := range c.Witnesses {
			if w.Key == res.Missing[i].Witness.Key && errs[j] != nil {
				res.Missing[i].Reason = reasonOf(errs[j])
				refused = refused || errors.Is(errs[j], errRefused)
			}
		}
	}
	c.mu.Lock()
	if c.tried == nil {
		c.tried = map[int64]tried{}
	}
	prev, triedBefore := c.tried[lg.ID]
	c.tried[lg.ID] = tried{size: cp.Size, at: c.L.now(), ok: res.Witnessed()}
	c.mu.Unlock()
	// A refusal is raised at once; witnesses merely unreachable only when
	// the attempt before (a minute earlier, or the previous checkpoint)
	// fell short too, so that a passing network fault raises nothing.
	if !res.Witnessed() && (refused || triedBefore && !prev.ok) {
		// A checkpoint overtaken by a newer one is judged by that one.
		if latest, err := c.L.store.LatestCheckpoint(ctx, lg.ID); err == nil && latest.Size > cp.Size {
			return res, nil
		}
		c.raise(ctx, lg, res, refused)
	}
	return res, nil
}

func reasonOf(err error) string {
	var se *witness.StatusError
	switch {
	case errors.Is(err, errRefused):
		return "见证人拒绝联署：本检查点与它已联署的检查点不一致（账本可能被改写或分叉）"
	case errors.Is(err, errAhead):
		return "见证人已联署更新的检查点"
	case errors.As(err, &se) && se.Code == http.StatusForbidden:
		return "见证人不认可本账本的签名密钥"
	case errors.As(err, &se) && se.Code == http.StatusNotFound:
		return "见证人未登记本账本"
	case errors.As(err, &se):
		return fmt.Sprintf("见证人答复异常（HTTP %d）", se.Code)
	}
	return "无法联系见证人"
}

// ask gets one witness's cosignature of cp, starting from old.
func (c *Cosigner) ask(ctx context.Context, lg Log, cp Checkpoint, w Witness, old int64) error {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	retries := c.Retries
	if retries <= 0 {
		retries = 2
	}
	wait := c.RetryWait
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	if old > cp.Size {
		old = 0 // what we kept is wrong; the witness's 409 says what it holds
	}
	var last error
	conflicts := 0
	for attempt := 0; attempt <= retries; {
		var proof tlog.TreeProof
		if old > 0 && old < cp.Size {
			p, err := c.L.ProveConsistency(ctx, lg, old, cp.Size)
			if err != nil {
				return err
			}
			proof = p
		}
		sigs, err := witness.AddCheckpoint(ctx, hc, w.URL, old, proof, cp.Note)
		var ce *witness.ConflictError
		var se *witness.StatusError
		switch {
		case err == nil:
			line := ownLines(cp.Note, sigs, w)
			if len(line) == 0 {
				slog.Warn("witness answered without a valid cosignature", "witness", w.Name, "log", lg.Origin, "size", cp.Size)
				return &witness.StatusError{Code: http.StatusOK, Body: "no valid cosignature"}
			}
			at := time.Time{}
			if f := strings.Fields(string(line)); len(f) >= 3 {
				at, _ = witness.Timestamp(f[2])
			}
			return c.Store.PutCosignature(ctx, Cosignature{LogID: lg.ID, Size: cp.Size, Witness: w.Key, Line: line, SignedAt: at})
		case errors.As(err, &ce):
			// The witness holds another size: prove from there (a few
			// times at most: it may move under us).
			if ce.Size > cp.Size {
				return fmt.Errorf("%w: size %d, beyond %d", errAhead, ce.Size, cp.Size)
			}
			if conflicts++; conflicts > 3 {
				return err
			}
			old = ce.Size
			continue
		case errors.As(err, &se) && se.Code == http.StatusUnprocessableEntity:
			slog.Error("witness refused the checkpoint as inconsistent with the one it holds", "witness", w.Name, "log", lg.Origin, "old", old, "size", cp.Size)
			return fmt.Errorf("%w: %v", errRefused, err)
		case errors.As(err, &se) && se.Code < 500:
			slog.Error("witness refused the checkpoint", "witness", w.Name, "log", lg.Origin, "size", cp.Size, "status", se.Code)
			return err
		}
		last = err
		attempt++
		if attempt > retries {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	slog.Warn("witness unreachable", "witness", w.Name, "log", lg.Origin, "size", cp.Size, "err", last)
	return last
}

// raise records a checkpoint short of the quorum: an alarm outside the log
// (it may be the log that is wrong) and, with Service set, a flag.
func (c *Cosigner) raise(ctx context.Context, lg Log, res CosignResult, refused bool) {
	rule := "T2"
	if refused {
		rule = "T1"
	}
	var why []string
	for _, m := range res.Missing {
		why = append(why, m.Witness.Label+"："+m.Reason)
	}
	detail := fmt.Sprintf("大小为 %d 的检查点只有 %d 位见证人联署（需要 %d 位）。%s", res.Size, len(res.Vouched), res.Quorum, strings.Join(why, "；"))
	slog.Error("checkpoint short of the witness quorum", "log", lg.Origin, "size", res.Size, "vouched", len(res.Vouched), "quorum", res.Quorum, "rule", rule)
	// The first seq no quorum vouched for: the size a quorum of witnesses
	// last cosigned (one alarm, however many checkpoints fall short after it).
	first := int64(0)
	if sizes, err := c.Store.WitnessSizes(ctx, lg.ID); err == nil {
		var held []int64
		for _, w := range c.Witnesses {
			held = append(held, sizes[w.Key])
		}
		slices.Sort(held)
		if q := c.quorum(); q >= 1 && q <= len(held) {
			first = held[len(held)-q]
		}
	}
	if err := c.L.store.PutAlarm(ctx, Alarm{LogID: lg.ID, Rule: rule, FirstSeq: first, Detail: detail, RaisedAt: c.L.now().UTC()}); err != nil {
		slog.Error("cannot record the witness alarm", "log", lg.Origin, "err", err)
	}
	if c.Service != nil {
		f := Finding{Rule: rule, SubjectKey: "witness", Severity: SeverityHigh,
			Subject: FlagSubject{Kind: "log", ID: lg.ID, Label: lg.Origin}, Reason: detail}
		if _, _, err := c.Service.RecordFindings(ctx, lg, "system", []Finding{f}); err != nil {
			// A log that is what is wrong may not take the flag: the alarm stands.
			slog.Warn("cannot record the witness flag in the log", "log", lg.Origin, "err", err)
		}
	}
}

// CosignLatest puts the latest stored checkpoint to the witnesses unless
// the quorum cosigned it already (the cosign job and the background loop).
func (c *Cosigner) CosignLatest(ctx context.Context, lg Log) (CosignResult, error) {
	cp, err := c.L.store.LatestCheckpoint(ctx, lg.ID)
	if IsNotFound(err) {
		return CosignResult{}, nil // nothing signed yet, nothing to witness
	}
	if err != nil {
		return CosignResult{}, err
	}
	res, _, err := c.status(ctx, lg, cp)
	if err != nil || res.Witnessed() {
		return res, err
	}
	return c.Cosign(ctx, lg, cp)
}

// Run cosigns each new checkpoint of every log within about every
// (default 1 s) until ctx ends: checkpoints signed by the checkpoint job or
// by publishing a notice get their cosignatures without waiting for a
// reader. A checkpoint short of the quorum is tried again each minute.
func (c *Cosigner) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	type state struct {
		size int64
		next time.Time
	}
	seen := map[int64]state{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		logs, err := c.L.store.Logs(ctx)
		if err != nil {
			continue
		}
		for _, lg := range logs {
			cp, err := c.L.store.LatestCheckpoint(ctx, lg.ID)
			if err != nil {
				continue
			}
			if st, ok := seen[lg.ID]; ok && st.size == cp.Size && time.Now().Before(st.next) {
				continue
			}
			res, err := c.CosignLatest(ctx, lg)
			if err != nil {
				if ctx.Err() == nil {
					slog.Warn("cosigning failed", "log", lg.Origin, "err", err)
				}
				continue
			}
			next := time.Now().Add(retryShort)
			if res.Witnessed() {
				next = time.Now().Add(100 * 365 * 24 * time.Hour) // nothing more to ask for this size
			}
			seen[lg.ID] = state{size: cp.Size, next: next}
		}
	}
}

// CheckpointSigned tells the cosigner, if any, that cp was just signed, so
// that the witnesses are asked at once rather than by the next reader or
// the background loop. It does not wait for them. It is meant to be called
// by SignCheckpointAt after it stored a new checkpoint (one line there);
// until then the background loop (Cosigner.Run) and readers
// (WitnessedCheckpoint) ask within a second.
func (l *Ledger) CheckpointSigned(lg Log, cp Checkpoint) {
	c := l.Cosigner()
	if c == nil {
		return
	}
	go func() {
		if _, err := c.Ensure(context.Background(), lg, cp); err != nil {
			slog.Warn("cosigning a new checkpoint failed", "log", lg.Origin, "size", cp.Size, "err", err)
		}
	}()
}
