package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/codenotary/immudb/embedded/logger"
	"github.com/codenotary/immudb/embedded/store"
)

// immudbSys is immudb's embedded store (the engine under its server),
// synced: a commit returns once its transaction is fsynced (immudb groups
// the fsyncs of concurrent commits). Every append is one transaction of one
// key ("k<i>", the idempotency key) and the payload as value. The key is not
// checked for being new (no precondition), so a repeated key is a new
// version, not a refusal.
type immudbSys struct {
	maxConcurrency int

	opts  *store.Options
	st    *store.ImmuStore
	txIDs []uint64
	state *store.TxHeader // the last header, taken after the appends
}

func (s *immudbSys) Name() string      { return "immudb" }
func (s *immudbSys) UsesMariaDB() bool { return false }

func (s *immudbSys) Open(ctx context.Context, dir string, n int) error {
	s.txIDs = make([]uint64, n)
	s.opts = store.DefaultOptions().
		WithSynced(true).
		WithMaxConcurrency(s.maxConcurrency).
		WithLogger(logger.NewSimpleLoggerWithLevel("immudb", io.Discard, logger.LogError))
	var err error
	s.st, err = store.Open(filepath.Join(dir, "immudb"), s.opts)
	return err
}

func (s *immudbSys) Append(ctx context.Context, w, i int) error {
	tx, err := s.st.NewWriteOnlyTx(ctx)
	if err != nil {
		return err
	}
	if err := tx.Set([]byte(idemKey(i)), nil, canonicalPayload(i)); err != nil {
		tx.Cancel()
		return err
	}
	hdr, err := tx.Commit(ctx)
	if err != nil {
		return err
	}
	s.txIDs[i] = hdr.ID
	return nil
}

func (s *immudbSys) Finish(ctx context.Context, n int) error {
	last := s.st.LastCommittedTxID()
	hdr, err := s.st.ReadTxHeader(last, false, false)
	if err != nil {
		return err
	}
	s.state = hdr
	return nil
}

func (s *immudbSys) Count(ctx context.Context) (int64, error) {
	return int64(s.st.LastCommittedTxID()), nil
}

// Proofs builds, for each append, what immudb's verifiable get returns: the
// inclusion proof of the entry in its transaction's hash tree and the dual
// proof from that transaction to the last one (the inclusion of its
// accumulated hash in the binary tree of the target and the consistency of
// the two trees).
func (s *immudbSys) Proofs(ctx context.Context, is []int) ([]time.Duration, error) {
	ds := make([]time.Duration, len(is))
	tx := store.NewTx(s.opts.MaxTxEntries, s.opts.MaxKeyLen)
	type kept struct {
		hdr    store.TxHeader
		digest [sha256.Size]byte
		ok     bool
		dual   *store.DualProofV2
	}
	ks := make([]kept, len(is))
	for j, i := range is {
		key := []byte(idemKey(i))
		start := time.Now()
		if err := s.st.ReadTx(s.txIDs[i], false, tx); err != nil {
			return nil, err
		}
		incl, err := tx.Proof(key)
		if err != nil {
			return nil, err
		}
		dual, err := s.st.DualProofV2(tx.Header(), s.state)
		ds[j] = time.Since(start)
		if err != nil {
			return nil, err
		}
		// Check the inclusion in the transaction now, while tx holds it.
		e, err := tx.EntryOf(key)
		if err != nil {
			return nil, err
		}
		digestOf, err := tx.Header().TxEntryDigest()
		if err != nil {
			return nil, err
		}
		d, err := digestOf(e)
		if err != nil {
			return nil, err
		}
		hdr := *tx.Header()
		ks[j] = kept{hdr: hdr, digest: d, ok: store.VerifyInclusion(incl, d, hdr.Eh), dual: dual}
	}
	for j, i := range is {
		k := ks[j]
		if !k.ok {
			return nil, fmt.Errorf("immudb: inclusion proof of key %s in tx %d does not verify", idemKey(i), k.hdr.ID)
		}
		if err := store.VerifyDualProofV2(k.dual, k.hdr.ID, s.state.ID, k.hdr.Alh(), s.state.Alh()); err != nil {
			return nil, fmt.Errorf("immudb: dual proof tx %d -> %d: %w", k.hdr.ID, s.state.ID, err)
		}
	}
	return ds, nil
}

// Verify reads every transaction from the first with immudb's TxReader,
// which checks each entry hash tree against its header and each header's
// previous accumulated hash (Alh) against the one before, reads every value
// (its SHA-256 checked against the entry), and compares the last Alh with the
// state taken after the appends. It does not rebuild the binary tree of Alh
// values (the proofs' tree).
func (s *immudbSys) Verify(ctx context.Context) (bool, error) {
	tx := store.NewTx(s.opts.MaxTxEntries, s.opts.MaxKeyLen)
	r, err := s.st.NewTxReader(1, false, tx)
	if err != nil {
		return true, err
	}
	var last [sha256.Size]byte
	var count uint64
	for {
		t, err := r.Read()
		if errors.Is(err, store.ErrNoMoreEntries) {
			break
		}
		if err != nil {
			return true, err
		}
		for _, e := range t.Entries() {
			if _, err := s.st.ReadValue(e); err != nil {
				return true, fmt.Errorf("tx %d: %w", t.Header().ID, err)
			}
		}
		last = t.Header().Alh()
		count++
		if t.Header().ID == s.state.ID {
			break
		}
	}
	if count != s.state.ID || last != s.state.Alh() {
		return true, fmt.Errorf("immudb: %d transactions read, last Alh %x, want %d and %x", count, last, s.state.ID, s.state.Alh())
	}
	return true, nil
}

func (s *immudbSys) Close() error {
	if s.st == nil {
		return nil
	}
	return s.st.Close()
}
