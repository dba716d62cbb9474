package ledger

import (
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestHashMap: a tree built record by record in a HashMap, pruned to its
// frontier at random sizes, has tlog's root at every size and the stored
// hashes tlog.StoredHashes gives; a hash it does not hold is an error.
func TestHashMap(t *testing.T) {
	var all []tlog.Hash // every stored hash, by index, from tlog directly
	ref := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = all[x]
		}
		return out, nil
	})
	m := HashMap{}
	for n := int64(0); n < 300; n++ {
		rec := []byte(fmt.Sprintf("record %d\n", n))
		want, err := tlog.StoredHashes(n, rec, ref)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, want...)
		got, err := m.Add(n, tlog.RecordHash(rec))
		if err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("record %d: stored hashes differ", n)
		}
		if n%7 == 3 {
			m.Prune(n + 1)
			if len(m) != len(frontier(n+1)) {
				t.Fatalf("size %d: %d hashes kept, the frontier has %d", n+1, len(m), len(frontier(n+1)))
			}
		}
		r1, err1 := tlog.TreeHash(n+1, m)
		r2, err2 := tlog.TreeHash(n+1, ref)
		if err1 != nil || err2 != nil || r1 != r2 {
			t.Fatalf("size %d: root %v (%v), tlog %v (%v)", n+1, r1, err1, r2, err2)
		}
	}
	m.Prune(300)
	if _, err := m.ReadHashes([]int64{0}); err == nil {
		t.Fatal("a pruned hash was read")
	}
}
