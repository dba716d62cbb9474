package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// The service signs only what its own writers appended. Every batch that
// moves a log's head stores beside it a checkpoint note signed over the new
// size and root, in the same transaction (so several processes writing one
// log keep the property: each verifies the note the last one left). A writer
// appends only onto a head whose note verifies with the log's key, names the
// head's size and roots the stored tree; SignCheckpointAt signs only such a
// head. Rows an insider added with the database's rights alone (entries,
// correct tree hashes, a moved head) carry no such note, so they are never
// signed over: the writer stops writing that log and reports the first seq
// it did not sign (Options.OnHalt), and Verify reports them too.
//
// A head written before notes were kept (NULL) is accepted only when the
// latest stored checkpoint, signed by this key, covers it exactly.

// ErrUnsignedHead is wrapped by the CodeTampered error of a head that no
// writer of this service signed.
var ErrUnsignedHead = errors.New("log head not signed by this service")

// signHead returns the note a writer stores with a head of size n, or nil
// when the ledger has no signing key.
func (l *Ledger) signHead(lg Log, n int64, r tlog.HashReader) ([]byte, error) {
	if l.key == nil {
		return nil, nil
	}
	root, err := tlog.TreeHash(n, r)
	if err != nil {
		return nil, err
	}
	return SignCheckpointBody(l.key, CheckpointBody{Origin: lg.Origin, Size: n, Root: root})
}

// HeadStatus is what CheckHead found of a log's head.
type HeadStatus struct {
	Size int64
	// Signed is the size up to which the log is covered by a note or
	// checkpoint this service signed (Size when the head is sound).
	Signed int64
	Root   tlog.Hash // the signed root at Signed (zero when Signed is 0)
	// Problem is empty when the head is sound, else a Chinese detail.
	Problem string
}

// OK reports whether the head is covered by this service's signature.
func (h HeadStatus) OK() bool { return h.Problem == "" }

// headStatus checks a head of size n carrying note against the log's key,
// the stored tree (through r) and, for a head without a note, the latest
// stored checkpoint (latest; nil when there is none).
func (l *Ledger) headStatus(lg Log, n int64, note []byte, r tlog.HashReader, latest *Checkpoint) (HeadStatus, error) {
	st := HeadStatus{Size: n}
	if n == 0 {
		return st, nil
	}
	vkey, err := l.VerifierKey(lg)
	if err != nil {
		return st, err
	}
	root, err := tlog.TreeHash(n, r)
	if errors.Is(err, ErrMissingHash) {
		st.Problem = fmt.Sprintf("账本头（%d 条）所需的树哈希缺失：条目不是本服务写入的，或树哈希被删除", n)
		if b, err := l.signedBody(lg, note, latest); err == nil {
			st.Signed = min(b.Size, n)
		}
		return st, nil
	}
	if err != nil {
		return st, err
	}
	var body CheckpointBody
	what := "账本头的签名"
	if note == nil {
		what = "最新的已签名检查点"
		if latest == nil {
			st.Problem = fmt.Sprintf("账本头（%d 条）没有本服务的签名，也没有已签名的检查点覆盖它：序号 0 起的条目不是本服务写入的", n)
			return st, nil
		}
		note = latest.Note
	}
	body, err = OpenCheckpoint(note, vkey)
	if err != nil || body.Origin != lg.Origin {
		st.Problem = fmt.Sprintf("%s无效，账本头（%d 条）不是本服务写入的", what, n)
		return st, nil
	}
	st.Signed, st.Root = min(body.Size, n), body.Root
	switch {
	case body.Size < n:
		st.Problem = fmt.Sprintf("账本头为 %d 条，本服务只签署到 %d 条：序号 %d 至 %d 的条目不是本服务写入的", n, body.Size, body.Size, n-1)
	case body.Size > n:
		st.Signed = n
		st.Problem = fmt.Sprintf("账本头（%d 条）小于本服务签署的大小 %d：条目被删除或账本头被改回", n, body.Size)
	case body.Root != root:
		st.Problem = fmt.Sprintf("账本头（%d 条）的树哈希与本服务签署的根哈希不符：树哈希被改动", n)
	}
	if body.Size < n && body.Size > 0 {
		// The signed prefix is only trusted if the stored tree still proves it.
		p, err := tlog.ProveTree(n, body.Size, r)
		if err != nil || tlog.CheckTree(p, n, root, body.Size, body.Root) != nil {
			st.Problem = fmt.Sprintf("账本头（%d 条）与本服务签署的大小为 %d 的树不一致：条目或树哈希被改动", n, body.Size)
		}
	}
	return st, nil
}

// signedBody opens the head's note, or for a head without one the latest
// checkpoint, with the log's key.
func (l *Ledger) signedBody(lg Log, note []byte, latest *Checkpoint) (CheckpointBody, error) {
	if note == nil {
		if latest == nil {
			return CheckpointBody{}, ErrNotFound
		}
		note = latest.Note
	}
	vkey, err := l.VerifierKey(lg)
	if err != nil {
		return CheckpointBody{}, err
	}
	return OpenCheckpoint(note, vkey)
}

// checkHead is the writer's check of the head it locked: its own last note
// passes at once; any other is verified. A head that fails makes a
// headError, which halts the writer.
func (l *Ledger) checkHead(w *writer, tx WriteTx, size int64, r tlog.HashReader) error {
	if l.key == nil {
		return nil
	}
	note := tx.HeadNote()
	if size == 0 || (note != nil && size == w.noteSize && bytes.Equal(note, w.note)) {
		return nil
	}
	var latest *Checkpoint
	if note == nil {
		c, err := l.store.LatestCheckpoint(context.Background(), w.log.ID)
		if err == nil {
			latest = &c
		} else if !IsNotFound(err) {
			return err
		}
	}
	st, err := l.headStatus(w.log, size, note, r, latest)
	if err != nil {
		return err
	}
	if !st.OK() {
		return &headError{firstSeq: st.Signed, err: &Error{Code: CodeTampered,
			Detail: fmt.Sprintf("账本头不是本服务写入的，首个有问题的序号为 %d。%s。已停止写入该账本，请立即核查。", st.Signed, st.Problem), Err: ErrUnsignedHead}}
	}
	if note != nil {
		w.note, w.noteSize, w.lastAt = note, size, time.Time{}
	}
	return nil
}

// CheckHead reports whether the log's committed head is covered by this
// service's signature (a note its writer stored, or for an old head the
// latest checkpoint). Verify uses it; so does anything that would sign.
func (l *Ledger) CheckHead(ctx context.Context, lg Log) (HeadStatus, error) {
	size, note, err := l.store.Head(ctx, lg.ID)
	if err != nil {
		return HeadStatus{}, err
	}
	return l.checkHeadAt(ctx, lg, size, note)
}

func (l *Ledger) checkHeadAt(ctx context.Context, lg Log, size int64, note []byte) (HeadStatus, error) {
	var latest *Checkpoint
	if note == nil {
		c, err := l.store.LatestCheckpoint(ctx, lg.ID)
		if err == nil {
			latest = &c
		} else if !IsNotFound(err) {
			return HeadStatus{}, err
		}
	}
	return l.headStatus(lg, size, note, l.hashReader(ctx, lg), latest)
}

// HeadSound is CheckHead for readers (the public checkpoint, every public
// verification): a head found sound is remembered by its size and note, so
// that asking again about the same head costs one query. It fails with
// CodeTampered when the head is not one this service's writers signed.
// (Stored hashes rewritten under an unchanged head are caught where they
// are used: the proofs built from them no longer verify, and a new
// checkpoint is checked against the last.)
func (l *Ledger) HeadSound(ctx context.Context, lg Log) (HeadStatus, error) {
	size, note, err := l.store.Head(ctx, lg.ID)
	if err != nil {
		return HeadStatus{}, err
	}
	key := string(note) + "\x00" + strconv.FormatInt(size, 10)
	l.mu.Lock()
	sound := l.soundHeads[lg.ID] == key
	l.mu.Unlock()
	if sound {
		return HeadStatus{Size: size, Signed: size}, nil
	}
	st, err := l.checkHeadAt(ctx, lg, size, note)
	if err != nil {
		return st, err
	}
	if !st.OK() {
		return st, &Error{Code: CodeTampered, Detail: st.Problem, Err: ErrUnsignedHead}
	}
	l.mu.Lock()
	l.soundHeads[lg.ID] = key
	l.mu.Unlock()
	return st, nil
}

// raiseHalt records, outside the log, that its writer stopped (rule T1,
// naming the first seq no writer of this service signed), and tells
// Options.OnHalt.
func (l *Ledger) raiseHalt(lg Log, hf *headError) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a := Alarm{LogID: lg.ID, Rule: "T1", FirstSeq: hf.firstSeq, Detail: hf.err.Detail, RaisedAt: l.now().UTC()}
	if err := l.store.PutAlarm(ctx, a); err != nil {
		slog.Error("cannot record the alarm of a halted log", "log", lg.Origin, "err", err)
	}
	slog.Error("log writer halted: the head is not signed by this service", "log", lg.Origin, "first_unsigned_seq", hf.firstSeq)
	if l.onHalt != nil {
		l.onHalt(lg, hf.firstSeq, hf.err)
	}
}

// Alarms returns the alarms raised about the log, newest first.
func (l *Ledger) Alarms(ctx context.Context, lg Log) ([]Alarm, error) {
	return l.store.Alarms(ctx, lg.ID)
}
