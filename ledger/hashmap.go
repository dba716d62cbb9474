package ledger

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// HashMap is an in-memory tlog.HashReader: stored hashes by their
// tlog.StoredHashIndex. Verify recomputes a log's tree in one, ImportLog
// rebuilds an export's, the writer caches committed hashes in one, and
// tests forge trees with one. Pruned to the frontier of n records it still
// holds all that record n and the tree hash at n read.
type HashMap map[int64]tlog.Hash

// ReadHashes implements tlog.HashReader; a hash not held is an error.
func (m HashMap) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		h, ok := m[x]
		if !ok {
			return nil, fmt.Errorf("stored hash %d is not in memory", x)
		}
		out[i] = h
	}
	return out, nil
}

// Add computes the stored hashes that record n, whose leaf hash is leaf,
// adds to a tree of n records (tlog.StoredHashesForRecordHash, reading m),
// keeps them and returns them.
func (m HashMap) Add(n int64, leaf tlog.Hash) ([]tlog.Hash, error) {
	hs, err := tlog.StoredHashesForRecordHash(n, leaf, m)
	if err != nil {
		return nil, err
	}
	start := tlog.StoredHashIndex(0, n)
	for i, h := range hs {
		m[start+int64(i)] = h
	}
	return hs, nil
}

// Prune drops every hash but the frontier of a tree of n records: the
// hashes that record n and tlog.TreeHash(n) read.
func (m HashMap) Prune(n int64) {
	keep := map[int64]bool{}
	for _, x := range frontier(n) {
		keep[x] = true
	}
	for k := range m {
		if !keep[k] {
			delete(m, k)
		}
	}
}

// frontier returns the stored-hash indexes of the complete subtrees that make
// up a tree of size n: all that the next append and TreeHash(n) read.
func frontier(n int64) []int64 {
	var out []int64
	for level := 62; level >= 0; level-- {
		if n>>uint(level)&1 == 1 {
			out = append(out, tlog.StoredHashIndex(level, n>>uint(level)-1))
		}
	}
	return out
}
