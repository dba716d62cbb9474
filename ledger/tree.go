package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

func (l *Ledger) hashReader(ctx context.Context, lg Log) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		return l.store.ReadHashes(ctx, lg.ID, idx)
	})
}

// TreeHash returns the root of the log's tree at size n, from stored hashes.
func (l *Ledger) TreeHash(ctx context.Context, lg Log, n int64) (tlog.Hash, error) {
	return tlog.TreeHash(n, l.hashReader(ctx, lg))
}

// ProveInclusion returns the proof that record index is in the tree of size
// size (tlog.ProveRecord). It returns a CodeValidationFailed error when the
// indexes are out of range.
func (l *Ledger) ProveInclusion(ctx context.Context, lg Log, index, size int64) (tlog.RecordProof, error) {
	cur, err := l.store.Size(ctx, lg.ID)
	if err != nil {
		return nil, err
	}
	if index < 0 || size <= index || size > cur {
		return nil, Errorf(CodeValidationFailed, "序号 %d 或树大小 %d 超出范围（当前大小 %d）", index, size, cur)
	}
	return tlog.ProveRecord(size, index, l.hashReader(ctx, lg))
}

// ProveConsistency returns the proof that the tree of size old is a prefix of
// the tree of size new (tlog.ProveTree).
func (l *Ledger) ProveConsistency(ctx context.Context, lg Log, old, new int64) (tlog.TreeProof, error) {
	cur, err := l.store.Size(ctx, lg.ID)
	if err != nil {
		return nil, err
	}
	if old < 1 || new < old || new > cur {
		return nil, Errorf(CodeValidationFailed, "树大小 %d、%d 超出范围（当前大小 %d）", old, new, cur)
	}
	return tlog.ProveTree(new, old, l.hashReader(ctx, lg))
}

func (l *Ledger) signLock(id int64) *sync.Mutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	m, ok := l.signMu[id]
	if !ok {
		m = &sync.Mutex{}
		l.signMu[id] = m
	}
	return m
}

// SignCheckpoint signs and stores a checkpoint at the log's current size,
// unless the latest stored checkpoint already has that size (it is returned).
// It refuses, with a CodeTampered error and nothing stored, to sign a tree
// that is not consistent with the latest stored checkpoint: a log never signs
// two inconsistent checkpoints.
func (l *Ledger) SignCheckpoint(ctx context.Context, lg Log) (Checkpoint, error) {
	return l.SignCheckpointAt(ctx, lg, -1)
}

// SignCheckpointAt is SignCheckpoint at a given size (−1: the current size),
// which must be at least the latest checkpoint's size.
func (l *Ledger) SignCheckpointAt(ctx context.Context, lg Log, size int64) (Checkpoint, error) {
	m := l.signLock(lg.ID)
	m.Lock()
	defer m.Unlock()
	// The latest checkpoint first, then the head: another process may sign
	// meanwhile, and a checkpoint read first is never beyond the head read
	// after it (no false "smaller than the signed checkpoint").
	latest, err := l.store.LatestCheckpoint(ctx, lg.ID)
	have := err == nil
	if err != nil && !IsNotFound(err) {
		return Checkpoint{}, err
	}
	// Sign only a head this service's writers signed: never over rows an
	// insider appended with the database's rights alone.
	head, err := l.CheckHead(ctx, lg)
	if err != nil {
		return Checkpoint{}, err
	}
	if !head.OK() {
		return Checkpoint{}, &Error{Code: CodeTampered, Detail: head.Problem + "。拒绝签署检查点。", Err: ErrUnsignedHead}
	}
	cur := head.Size
	if size < 0 {
		size = cur
	}
	if size > cur {
		return Checkpoint{}, Errorf(CodeValidationFailed, "树大小 %d 超出当前大小 %d", size, cur)
	}
	// Never sign on top of a checkpoint this service did not sign: an
	// insider who rewrote the tree and re-signed the stored checkpoints with
	// another key must not get the real key's signature over the rewrite.
	if have && l.key != nil {
		vkey, err := l.key.VerifierKey(lg.Origin)
		if err != nil {
			return Checkpoint{}, err
		}
		body, err := OpenCheckpoint(latest.Note, vkey)
		if err != nil || body.Size != latest.Size || body.Root != latest.Root {
			return Checkpoint{}, Errorf(CodeTampered, "最新的已签名检查点（大小 %d）的签名无效或与记录不符，拒绝在其上签署新检查点", latest.Size)
		}
	}
	if have && latest.Size == size {
		return latest, nil
	}
	if have && latest.Size > size {
		return Checkpoint{}, Errorf(CodeTampered, "树大小 %d 小于已签名检查点的大小 %d", size, latest.Size)
	}
	root, err := l.TreeHash(ctx, lg, size)
	if err != nil {
		return Checkpoint{}, err
	}
	if size < cur && l.key != nil {
		// The prefix must be proved against the signed head, not taken from
		// stored hashes alone.
		p, err := tlog.ProveTree(cur, size, l.hashReader(ctx, lg))
		if err != nil {
			return Checkpoint{}, err
		}
		if err := tlog.CheckTree(p, cur, head.Root, size, root); err != nil {
			return Checkpoint{}, &Error{Code: CodeTampered, Detail: fmt.Sprintf("大小为 %d 的树与本服务签署的账本头不一致", size), Err: err}
		}
	}
	if have {
		if err := l.checkConsistent(ctx, lg, latest, size, root); err != nil {
			return Checkpoint{}, err
		}
	}
	if l.key == nil {
		return Checkpoint{}, errors.New("no signing key")
	}
	body := CheckpointBody{Origin: lg.Origin, Size: size, Root: root}
	signed, err := SignCheckpointBody(l.key, body)
	if err != nil {
		return Checkpoint{}, err
	}
	c := Checkpoint{Size: size, Root: root, Note: signed, CreatedAt: l.now().UTC().Truncate(time.Second)}
	if err := l.store.PutCheckpoint(ctx, lg.ID, c); err != nil {
		if ErrorCode(err) == CodeConflict { // another process signed this size first
			return l.store.LatestCheckpoint(ctx, lg.ID)
		}
		return Checkpoint{}, err
	}
	l.CheckpointSigned(lg, c) // the witnesses are asked at once
	return c, nil
}

func (l *Ledger) checkConsistent(ctx context.Context, lg Log, old Checkpoint, size int64, root tlog.Hash) error {
	if old.Size == 0 {
		return nil
	}
	p, err := tlog.ProveTree(size, old.Size, l.hashReader(ctx, lg))
	if err != nil {
		return err
	}
	if err := tlog.CheckTree(p, size, root, old.Size, old.Root); err != nil {
		return &Error{Code: CodeTampered, Detail: fmt.Sprintf("当前账本与大小为 %d 的已签名检查点不一致", old.Size), Err: err}
	}
	return nil
}

// Checkpoint returns the latest checkpoint, first signing a fresh one when
// the log has grown since it and it is older than the checkpoint interval
// (at most one a second by default), or when there is none. When the head is
// not one this service signed, it fails with CodeTampered.
func (l *Ledger) Checkpoint(ctx context.Context, lg Log) (Checkpoint, error) {
	latest, err := l.store.LatestCheckpoint(ctx, lg.ID)
	if IsNotFound(err) {
		return l.SignCheckpoint(ctx, lg)
	}
	if err != nil {
		return Checkpoint{}, err
	}
	if l.now().Sub(latest.CreatedAt) < l.cpEvery {
		return latest, nil
	}
	// Nothing new to sign when the head is the latest checkpoint's size, but
	// the head must still be one this service wrote: a tree rewritten in
	// place (same size) is refused too.
	head, err := l.HeadSound(ctx, lg)
	if err != nil {
		return Checkpoint{}, err
	}
	if head.Size == latest.Size {
		return latest, nil
	}
	// A head this service did not write is refused (ledger_tampered): the
	// public learns the log is not what it signed, rather than being served
	// the last checkpoint as if nothing had happened.
	return l.SignCheckpoint(ctx, lg)
}

// LeafHashes returns the RFC 6962 leaf hashes of records (from stored
// hashes), in the order asked.
func (l *Ledger) LeafHashes(ctx context.Context, lg Log, seqs []int64) ([]tlog.Hash, error) {
	idx := make([]int64, len(seqs))
	for i, s := range seqs {
		idx[i] = tlog.StoredHashIndex(0, s)
	}
	if len(idx) == 0 {
		return nil, nil
	}
	return l.store.ReadHashes(ctx, lg.ID, idx)
}
