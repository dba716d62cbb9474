package witness

import (
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// FuzzAddCheckpoint: whatever the body of an add-checkpoint request, the
// witness answers 200 or a 4xx (never an internal error or a panic), and
// it only ever cosigns a checkpoint signed by the log's key that is
// consistent with the one it held.
func FuzzAddCheckpoint(f *testing.F) {
	const origin = "fuzz.example/log/439901001"
	logSkey, logVkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		f.Fatal(err)
	}
	wskey, _, _ := GenerateKey(rand.Reader, "fuzz-witness")
	signer, _ := NewSigner(wskey, nil)
	w, err := New(Options{DB: filepath.Join(f.TempDir(), "w.db"), Signer: signer, Logs: []string{logVkey}})
	if err != nil {
		f.Fatal(err)
	}
	defer w.Close()
	tr := &memTree{}
	tr.add(9, "a")
	s, _ := note.NewSigner(logSkey)
	sign := func(n int64) []byte {
		msg, _ := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\n", origin, n, tr.root(n))}, s)
		return msg
	}
	p, _ := tlog.ProveTree(9, 4, tr)
	f.Add(Request(0, nil, sign(4)))
	f.Add(Request(4, p, sign(9)))
	f.Add(Request(9, nil, sign(9)))
	f.Add([]byte("old 0\n\nnot a note"))
	f.Add([]byte("old 4\nAAAA\n\n" + string(sign(9))))
	f.Fuzz(func(t *testing.T, body []byte) {
		before, _, _ := w.Head(t.Context(), origin)
		sigs, err := w.AddCheckpoint(t.Context(), body)
		var re *reqError
		if err != nil && (!errors.As(err, &re) || re.status < 400 || re.status >= 500) {
			t.Fatalf("internal error for %q: %v", body, err)
		}
		after, ok, _ := w.Head(t.Context(), origin)
		if err != nil {
			if after.Size != before.Size || after.Root != before.Root {
				t.Fatalf("a refused request moved the witness: %d → %d", before.Size, after.Size)
			}
			return
		}
		// Cosigned: the head is a checkpoint the log signed, consistent
		// with what the witness held.
		if !ok || len(sigs) == 0 {
			t.Fatalf("200 without a head or a cosignature")
		}
		v, _ := note.NewVerifier(logVkey)
		if _, err := note.Open(after.Note, note.VerifierList(v)); err != nil {
			t.Fatalf("cosigned a checkpoint the log did not sign: %v", err)
		}
		if before.Size > 0 && after.Size >= before.Size {
			if pr, err := tlog.ProveTree(after.Size, before.Size, tr); err == nil {
				if tlog.CheckTree(pr, after.Size, after.Root, before.Size, before.Root) != nil {
					t.Fatalf("cosigned an inconsistent checkpoint")
				}
			}
		}
	})
}
