package ledgertest

import (
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// StoredHashes computes in memory every stored hash of a tree with these
// leaves, by tlog.StoredHashIndex: for tests that check or forge the hashes
// a store keeps. The map is also a tlog.HashReader (for tlog.TreeHash and
// proofs).
func StoredHashes(leaves []tlog.Hash) ledger.HashMap {
	m := ledger.HashMap{}
	for i, l := range leaves {
		if _, err := m.Add(int64(i), l); err != nil {
			panic(err) // unreachable: record i reads only hashes of records before it
		}
	}
	return m
}

// RecordHashes returns the leaf hash of each body (tlog.RecordHash).
func RecordHashes(bodies [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(bodies))
	for i, b := range bodies {
		out[i] = tlog.RecordHash(b)
	}
	return out
}
