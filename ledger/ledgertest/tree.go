package ledgertest

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// StoredHashes computes in memory every stored hash of a tree with these
// leaves (tlog.StoredHashIndex order), for tests that check or forge the
// hashes a store keeps: the hashes by index, and a tlog.HashReader over
// them (for tlog.TreeHash and proofs).
func StoredHashes(leaves []tlog.Hash) (map[int64]tlog.Hash, tlog.HashReader) {
	mem := make(map[int64]tlog.Hash, 2*len(leaves))
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			h, ok := mem[x]
			if !ok {
				return nil, fmt.Errorf("stored hash %d is not computed", x)
			}
			out[i] = h
		}
		return out, nil
	})
	for i, l := range leaves {
		// Reads only hashes of earlier leaves, all in mem already.
		hs, err := tlog.StoredHashesForRecordHash(int64(i), l, r)
		if err != nil {
			panic(err) // unreachable: see above
		}
		start := tlog.StoredHashIndex(0, int64(i))
		for j, h := range hs {
			mem[start+int64(j)] = h
		}
	}
	return mem, r
}

// RecordHashes returns the leaf hash of each body (tlog.RecordHash).
func RecordHashes(bodies [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(bodies))
	for i, b := range bodies {
		out[i] = tlog.RecordHash(b)
	}
	return out
}
