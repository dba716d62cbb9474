package witness

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memTree is an RFC 6962 tree in memory.
type memTree struct{ hashes []tlog.Hash }

func (t *memTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = t.hashes[x]
	}
	return out, nil
}

func (t *memTree) add(n int, tag string) {
	for i := 0; i < n; i++ {
		cur := t.size()
		hs, err := tlog.StoredHashes(cur, []byte(fmt.Sprintf("%s entry %d", tag, cur)), t)
		if err != nil {
			panic(err)
		}
		t.hashes = append(t.hashes, hs...)
	}
}

func (t *memTree) size() int64 {
	n := int64(0)
	for tlog.StoredHashCount(n) < int64(len(t.hashes)) {
		n++
	}
	return n
}

func (t *memTree) root(n int64) tlog.Hash {
	h, err := tlog.TreeHash(n, t)
	if err != nil {
		panic(err)
	}
	return h
}

func signCP(t *testing.T, skey, origin string, n int64, root tlog.Hash) []byte {
	t.Helper()
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\n", origin, n, root)}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// post is the spec's client, written from C2SP tlog-witness: "old N",
// the proof hashes one a line, a blank line, the signed checkpoint.
func post(t *testing.T, url string, old int64, proof []tlog.Hash, cp []byte) (int, string, string) {
	t.Helper()
	body := fmt.Sprintf("old %d\n", old)
	for _, h := range proof {
		body += h.String() + "\n"
	}
	body += "\n" + string(cp)
	resp, err := http.Post(url+"/add-checkpoint", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestWitnessSpecClient(t *testing.T) {
	const origin = "example.test/log/439901001"
	logSkey, logVkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	otherSkey, _, _ := note.GenerateKey(rand.Reader, origin)
	wskey, wvkey, err := GenerateKey(rand.Reader, "witness.example.test")
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Unix(1_800_000_000, 0)
	signer, err := NewSigner(wskey, func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	if signer.VerifierKey() != wvkey {
		t.Fatalf("vkey %q != %q", signer.VerifierKey(), wvkey)
	}
	dbPath := filepath.Join(t.TempDir(), "witness.db")
	w, err := New(Options{DB: dbPath, Signer: signer, Logs: []string{logVkey}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	defer srv.Close()
	wv, err := NewVerifier(wvkey)
	if err != nil {
		t.Fatal(err)
	}
	logV, _ := note.NewVerifier(logVkey)
	// cosigned checks a 200 answer: signature lines that, appended to the
	// checkpoint, verify with note under the witness's key, at its time.
	cosigned := func(cp []byte, code int, body string) {
		t.Helper()
		if code != http.StatusOK {
			t.Fatalf("status %d: %s", code, body)
		}
		if !strings.HasPrefix(body, "— witness.example.test ") || !strings.HasSuffix(body, "\n") {
			t.Fatalf("cosignature line %q", body)
		}
		n, err := note.Open(append(bytes.Clone(cp), body...), note.VerifierList(wv, logV))
		if err != nil || len(n.Sigs) != 2 {
			t.Fatalf("cosigned note does not verify: %v", err)
		}
		b64 := strings.Fields(strings.TrimSpace(body))[2]
		ts, err := Timestamp(b64)
		if err != nil || !ts.Equal(clock.UTC()) {
			t.Fatalf("timestamp %v %v", ts, err)
		}
	}
	tr := &memTree{}
	tr.add(5, "a")
	cp5 := signCP(t, logSkey, origin, 5, tr.root(5))

	// First checkpoint.
	code, _, body := post(t, srv.URL, 0, nil, cp5)
	cosigned(cp5, code, body)
	// Same size again.
	code, _, body = post(t, srv.URL, 5, nil, cp5)
	cosigned(cp5, code, body)
	// Extension with a consistency proof.
	tr.add(6, "a")
	p, _ := tlog.ProveTree(11, 5, tr)
	cp11 := signCP(t, logSkey, origin, 11, tr.root(11))
	code, _, body = post(t, srv.URL, 5, p, cp11)
	cosigned(cp11, code, body)
	// Stale old size: 409 with the size it holds.
	code, ctype, body := post(t, srv.URL, 5, p, cp11)
	if code != http.StatusConflict || ctype != "text/x.tlog.size" || body != "11\n" {
		t.Fatalf("stale old size: %d %q %q", code, ctype, body)
	}
	// Bad proof: a proof of another tree.
	tr2 := &memTree{}
	tr2.add(14, "b")
	cpFork := signCP(t, logSkey, origin, 14, tr2.root(14))
	p2, _ := tlog.ProveTree(14, 11, tr2)
	if code, _, _ := post(t, srv.URL, 11, p2, cpFork); code != http.StatusUnprocessableEntity {
		t.Fatalf("bad proof: %d", code)
	}
	// Same size, other root (a split view at one size): 422.
	cpSame := signCP(t, logSkey, origin, 11, tr2.root(11))
	if code, _, _ := post(t, srv.URL, 11, nil, cpSame); code != http.StatusUnprocessableEntity {
		t.Fatalf("same size other root: %d", code)
	}
	// Wrong origin: 404.
	otherO, _, _ := note.GenerateKey(rand.Reader, "example.test/log/439901002")
	if code, _, _ := post(t, srv.URL, 0, nil, signCP(t, otherO, "example.test/log/439901002", 5, tr.root(5))); code != http.StatusNotFound {
		t.Fatalf("wrong origin: %d", code)
	}
	// Bad signature: one flipped byte of the log's signature.
	tr.add(1, "a")
	p12, _ := tlog.ProveTree(12, 11, tr)
	cp12 := signCP(t, logSkey, origin, 12, tr.root(12))
	forged := bytes.Clone(cp12)
	i := bytes.LastIndex(forged, []byte(" ")) + 10
	if forged[i] == 'A' {
		forged[i] = 'B'
	} else {
		forged[i] = 'A'
	}
	if code, _, _ := post(t, srv.URL, 11, p12, forged); code != http.StatusForbidden {
		t.Fatalf("bad signature: %d", code)
	}
	// A checkpoint from another key with the same origin: 403.
	if code, _, _ := post(t, srv.URL, 11, p12, signCP(t, otherSkey, origin, 12, tr.root(12))); code != http.StatusForbidden {
		t.Fatalf("another key: %d", code)
	}
	// Malformed requests: 400.
	for _, b := range []string{"", "old 11\n", "old x\n\n" + string(cp12), "old 11\nnot-a-hash\n\n" + string(cp12), "old 13\n\n" + string(cp12)} {
		resp, err := http.Post(srv.URL+"/add-checkpoint", "text/plain", strings.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("malformed %q: %d", b, resp.StatusCode)
		}
	}
	// None of the refusals moved the witness: it still holds 11, and the
	// honest extension is cosigned, after a restart from its file.
	srv.Close()
	w.Close()
	w, err = New(Options{DB: dbPath, Signer: signer, Logs: []string{logVkey}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	srv = httptest.NewServer(w)
	defer srv.Close()
	code, _, body = post(t, srv.URL, 11, p12, cp12)
	cosigned(cp12, code, body)
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"见证人", origin, "<td>12</td>", "拒绝联署", "不一致"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("status page lacks %q", want)
		}
	}
}

func TestCosignatureKeyFormat(t *testing.T) {
	// Enough keys that some base64 holds a '+'.
	for range 32 {
		skey, vkey, err := GenerateKey(rand.Reader, "县纪委监委.example")
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSigner(skey, nil)
		if err != nil {
			t.Fatalf("%s: %v", skey, err)
		}
		v, err := NewVerifier(vkey)
		if err != nil || v.String() != vkey || s.VerifierKey() != vkey {
			t.Fatalf("%v %q", err, v)
		}
	}
	// A plain Ed25519 note key is not a cosignature key.
	_, plain, _ := note.GenerateKey(rand.Reader, "x")
	if _, err := NewVerifier(plain); err == nil {
		t.Fatal("accepted an Ed25519 (0x01) key")
	}
	if _, _, err := GenerateKey(rand.Reader, "a b"); err == nil {
		t.Fatal("accepted a name with a space")
	}
}
