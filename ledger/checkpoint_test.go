package ledger

import (
	"bytes"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testSigningKey is ledgertest.TestSigningKey (which this package cannot
// import). Ed25519 signatures are deterministic, so the signed checkpoint
// below is fixed.
const testSigningKey = "PRIVATE+KEY+sunshine+6b3d2378+ATjNz6YJ4Xj0QWY60weTIcZVBfZZqWu/BbCdBOJAY8tP"

const (
	// goldenVerifierKey is the verifier key of testSigningKey for goldenOrigin.
	goldenVerifierKey = "localhost:8080/log/430181117+c09290f4+AZFtHnvJMFGh8Sr8qtc8tGiZnfq0+PJQ01mmmmIGv5Pv"

	// goldenCheckpoint is the checkpoint of the golden 7-entry tree signed
	// with testSigningKey.
	goldenCheckpoint = "localhost:8080/log/430181117\n" +
		"7\n" +
		"wXa1zZI/RZ6ISLiDjEbasD5WrASj5MjuiuPFfSRCjSE=\n" +
		"\n" +
		"— localhost:8080/log/430181117 wJKQ9NPJ9S8V0jddkZNDtcPN/bBqZwqfNZyUd1xcPLAJGdn5+rAT1pJ9HqydHbFIcTebdKp4lh0HCuPNk8NBao9DHAM=\n"
)

func testKey(t testing.TB) *SigningKey {
	t.Helper()
	k, err := ParseSigningKey(testSigningKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func goldenRoot(t testing.TB) tlog.Hash {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(goldenRoot7Base64)
	if err != nil || len(raw) != tlog.HashSize {
		t.Fatalf("goldenRoot7Base64: %v", err)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

func TestGoldenCheckpoint(t *testing.T) {
	k := testKey(t)
	root := memTree(t, goldenTreeEntries(t, 7))
	if root != goldenRoot(t) {
		t.Fatalf("root = %v, want %s", root, goldenRoot7Base64)
	}
	body := CheckpointBody{Origin: goldenOrigin, Size: 7, Root: root}
	if got, want := body.String(), goldenOrigin+"\n7\n"+goldenRoot7Base64+"\n"; got != want {
		t.Fatalf("body = %q, want %q", got, want)
	}
	msg, err := SignCheckpointBody(k, body)
	if err != nil {
		t.Fatal(err)
	}
	if string(msg) != goldenCheckpoint {
		t.Fatalf("signed checkpoint:\n got %q\nwant %q", msg, goldenCheckpoint)
	}

	vkey, err := k.VerifierKey(goldenOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if vkey != goldenVerifierKey {
		t.Fatalf("VerifierKey = %q, want %q", vkey, goldenVerifierKey)
	}
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(goldenOrigin) + `\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$`).MatchString(vkey) {
		t.Fatalf("VerifierKey %q is not <origin>+<8 hex>+<base64>", vkey)
	}
	keyData := strings.SplitN(vkey, "+", 3)[2]
	if raw, err := base64.StdEncoding.DecodeString(keyData); err != nil || len(raw) != 33 || raw[0] != 1 ||
		!bytes.Equal(raw[1:], k.Public()) {
		t.Fatalf("VerifierKey data %q is not 0x01 || the Ed25519 public key", keyData)
	}
	if pub, err := ParseVerifierKey(vkey); err != nil || !bytes.Equal(pub, k.Public()) {
		t.Fatalf("ParseVerifierKey = %x, %v", pub, err)
	}

	// What an outsider does: note.Open, then the three body lines.
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open([]byte(goldenCheckpoint), note.VerifierList(v))
	if err != nil {
		t.Fatalf("note.Open: %v", err)
	}
	if n.Text != body.String() || len(n.Sigs) != 1 || n.Sigs[0].Name != goldenOrigin {
		t.Fatalf("note.Open = %+v", n)
	}
	got, err := OpenCheckpoint([]byte(goldenCheckpoint), vkey)
	if err != nil {
		t.Fatalf("OpenCheckpoint: %v", err)
	}
	if got != body {
		t.Fatalf("OpenCheckpoint = %+v, want %+v", got, body)
	}
	// Surrounding white space in the verifier key is not accepted by
	// note.NewVerifier; OpenCheckpoint takes the key as is.
}

func TestParseCheckpointBody(t *testing.T) {
	root := goldenRoot(t)
	want := CheckpointBody{Origin: goldenOrigin, Size: 7, Root: root}
	valid := map[string]CheckpointBody{
		goldenOrigin + "\n7\n" + goldenRoot7Base64 + "\n":                   want,
		goldenOrigin + "\n7\n" + goldenRoot7Base64 + "\next one\n":          want,
		goldenOrigin + "\n7\n" + goldenRoot7Base64 + "\next one\next two\n": want,
		"o\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n":              {Origin: "o", Size: 0},
		"o\n9223372036854775807\n" + goldenRoot7Base64 + "\n":               {Origin: "o", Size: 1<<63 - 1, Root: root},
		"example.com/log with spaces\n1\n" + goldenRoot7Base64 + "\n":       {Origin: "example.com/log with spaces", Size: 1, Root: root},
	}
	for text, want := range valid {
		got, err := ParseCheckpointBody(text)
		if err != nil {
			t.Errorf("ParseCheckpointBody(%q): %v", text, err)
			continue
		}
		if got != want {
			t.Errorf("ParseCheckpointBody(%q) = %+v, want %+v", text, got, want)
		}
		if !strings.HasPrefix(text, got.String()) {
			t.Errorf("ParseCheckpointBody(%q).String() = %q is not a prefix of the text", text, got.String())
		}
	}

	// A root hash with its last character changed only in the two bits that
	// standard base64 ignores: the same 32 bytes, another text.
	malleable := goldenRoot7Base64[:42] + "F="
	if raw, err := base64.StdEncoding.DecodeString(malleable); err != nil || !bytes.Equal(raw, root[:]) {
		t.Fatalf("test setup: %q decodes to %x, %v", malleable, raw, err)
	}

	invalid := map[string]string{
		"empty":                  "",
		"no trailing newline":    goldenOrigin + "\n7\n" + goldenRoot7Base64,
		"CRLF":                   goldenOrigin + "\r\n7\r\n" + goldenRoot7Base64 + "\r\n",
		"two lines":              goldenOrigin + "\n7\n",
		"empty origin":           "\n7\n" + goldenRoot7Base64 + "\n",
		"size +5":                goldenOrigin + "\n+5\n" + goldenRoot7Base64 + "\n",
		"size 05":                goldenOrigin + "\n05\n" + goldenRoot7Base64 + "\n",
		"size -1":                goldenOrigin + "\n-1\n" + goldenRoot7Base64 + "\n",
		"size -0":                goldenOrigin + "\n-0\n" + goldenRoot7Base64 + "\n",
		"size empty":             goldenOrigin + "\n\n" + goldenRoot7Base64 + "\n",
		"size hex":               goldenOrigin + "\n0x7\n" + goldenRoot7Base64 + "\n",
		"size space":             goldenOrigin + "\n 7\n" + goldenRoot7Base64 + "\n",
		"size overflow":          goldenOrigin + "\n9223372036854775808\n" + goldenRoot7Base64 + "\n",
		"size 1e3":               goldenOrigin + "\n1e3\n" + goldenRoot7Base64 + "\n",
		"root not base64":        goldenOrigin + "\n7\n" + "!!!!" + goldenRoot7Base64[4:] + "\n",
		"root base64url":         goldenOrigin + "\n7\n" + base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff, 0xfe, 30: 0}) + "\n",
		"root unpadded":          goldenOrigin + "\n7\n" + strings.TrimSuffix(goldenRoot7Base64, "=") + "\n",
		"root short":             goldenOrigin + "\n7\n" + base64.StdEncoding.EncodeToString(root[:31]) + "\n",
		"root long":              goldenOrigin + "\n7\n" + base64.StdEncoding.EncodeToString(append(root[:], 0)) + "\n",
		"root empty":             goldenOrigin + "\n7\n\n",
		"root with CR":           goldenOrigin + "\n7\n" + goldenRoot7Base64 + "\r\n",
		"root with inner CR":     goldenOrigin + "\n7\n" + goldenRoot7Base64[:10] + "\r" + goldenRoot7Base64[10:] + "\n",
		"root non-zero pad bits": goldenOrigin + "\n7\n" + malleable + "\n",
		"root trailing space":    goldenOrigin + "\n7\n" + goldenRoot7Base64 + " \n",
		"root hex":               goldenOrigin + "\n7\n" + goldenRoot7Hex + "\n",
	}
	for name, text := range invalid {
		if b, err := ParseCheckpointBody(text); err == nil {
			t.Errorf("%s: ParseCheckpointBody(%q) = %+v, want an error", name, text, b)
		} else if !errors.Is(err, ErrBadCheckpoint) {
			t.Errorf("%s: error %v does not wrap ErrBadCheckpoint", name, err)
		}
	}
}

func TestOpenCheckpointRejects(t *testing.T) {
	k := testKey(t)
	body := CheckpointBody{Origin: goldenOrigin, Size: 7, Root: goldenRoot(t)}
	msg := []byte(goldenCheckpoint)

	// Another key under the same name.
	_, otherVkey, err := note.GenerateKey(strings.NewReader(strings.Repeat("x", 64)), goldenOrigin)
	if err != nil {
		t.Fatal(err)
	}
	// The right key under another name.
	otherNameVkey, err := k.VerifierKey("localhost:8080/log/430181118")
	if err != nil {
		t.Fatal(err)
	}
	for name, vkey := range map[string]string{
		"other key":      otherVkey,
		"other key name": otherNameVkey,
		"malformed key":  "not a key",
		"empty key":      "",
		"private key":    testSigningKey,
	} {
		if b, err := OpenCheckpoint(msg, vkey); err == nil {
			t.Errorf("%s: OpenCheckpoint = %+v, want an error", name, b)
		} else if !errors.Is(err, ErrBadCheckpoint) {
			t.Errorf("%s: error %v does not wrap ErrBadCheckpoint", name, err)
		}
	}

	// A valid signature by the key whose name is not the origin in the body.
	other := "localhost:8080/log/430181118"
	s, err := k.Signer(other)
	if err != nil {
		t.Fatal(err)
	}
	mixed, err := note.Sign(&note.Note{Text: body.String()}, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(mixed, note.VerifierList(mustVerifier(t, otherNameVkey))); err != nil {
		t.Fatalf("test setup: %v", err)
	}
	if b, err := OpenCheckpoint(mixed, otherNameVkey); err == nil || !errors.Is(err, ErrBadCheckpoint) {
		t.Errorf("origin %q under key %q: OpenCheckpoint = %+v, %v; want an error", goldenOrigin, other, b, err)
	}

	// A signed note whose text is not a checkpoint body.
	for _, text := range []string{"hello\n", goldenOrigin + "\n+7\n" + goldenRoot7Base64 + "\n"} {
		bad, err := note.Sign(&note.Note{Text: text}, mustSigner(t, k, goldenOrigin))
		if err != nil {
			t.Fatal(err)
		}
		if b, err := OpenCheckpoint(bad, goldenVerifierKey); err == nil || !errors.Is(err, ErrBadCheckpoint) {
			t.Errorf("signed %q: OpenCheckpoint = %+v, %v; want an error", text, b, err)
		}
	}

	// Truncations and additions.
	for _, m := range []string{"", goldenCheckpoint[:len(goldenCheckpoint)-1], body.String(),
		goldenCheckpoint + "\n", "\n" + goldenCheckpoint, strings.Replace(goldenCheckpoint, "\n7\n", "\n8\n", 1)} {
		if b, err := OpenCheckpoint([]byte(m), goldenVerifierKey); err == nil {
			t.Errorf("OpenCheckpoint(%q) = %+v, want an error", m, b)
		}
	}

	// Every single byte changed, in several ways. The one exception is the
	// last base64 character of the signature ("M" before "="): its two low
	// bits are padding, which note.Open's base64 decoding ignores, so "M" ^ 2
	// ("O") decodes to the same signature. That is malleability of the
	// signature line in x/mod/sumdb/note, not a forgery: the signed text and
	// the checkpoint read from it are unchanged.
	padChar := len(msg) - len("M=\n")
	if msg[padChar] != 'M' || msg[padChar+1] != '=' {
		t.Fatalf("test setup: signature does not end in M=: %q", msg[padChar:])
	}
	for i := range msg {
		for _, x := range []byte{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff} {
			m := bytes.Clone(msg)
			m[i] ^= x
			b, err := OpenCheckpoint(m, goldenVerifierKey)
			if err == nil && !(i == padChar && x <= 0x02 && b == body) {
				t.Errorf("byte %d (%q) ^ %#x: OpenCheckpoint = %+v, want an error", i, msg[i], x, b)
			}
		}
	}
}

func mustVerifier(t testing.TB, vkey string) note.Verifier {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustSigner(t testing.TB, k *SigningKey, name string) note.Signer {
	t.Helper()
	s, err := k.Signer(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSigningKeys(t *testing.T) {
	skey, vkey, err := GenerateSigningKey(strings.NewReader(strings.Repeat("k", 64)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(skey, "PRIVATE+KEY+"+DefaultKeyName+"+") || !strings.HasPrefix(vkey, DefaultKeyName+"+") {
		t.Fatalf("GenerateSigningKey = %q, %q", skey, vkey)
	}
	k, err := ParseSigningKey("\n " + skey + " \n")
	if err != nil {
		t.Fatal(err)
	}
	if pub, err := ParseVerifierKey(vkey); err != nil || !bytes.Equal(pub, k.Public()) {
		t.Fatalf("ParseVerifierKey(%q) = %x, %v; want %x", vkey, pub, err, k.Public())
	}
	// The same key signs for any origin; each origin has its own key hash.
	b := CheckpointBody{Origin: "example.org/log/1", Size: 1}
	msg, err := SignCheckpointBody(k, b)
	if err != nil {
		t.Fatal(err)
	}
	vk, err := k.VerifierKey(b.Origin)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenCheckpoint(msg, vk); err != nil || got != b {
		t.Fatalf("OpenCheckpoint = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "garbage", vkey, "PRIVATE+KEY+x+00000000+AAAA"} {
		if _, err := ParseSigningKey(bad); err == nil {
			t.Errorf("ParseSigningKey(%q) succeeded", bad)
		}
	}
	for _, bad := range []string{"", "garbage", skey} {
		if _, err := ParseVerifierKey(bad); err == nil {
			t.Errorf("ParseVerifierKey(%q) succeeded", bad)
		}
	}
	// A note key name cannot hold '+' or white space: signing under one fails.
	if _, err := SignCheckpointBody(k, CheckpointBody{Origin: "bad name+with plus", Size: 1}); err == nil {
		t.Error("SignCheckpointBody accepted an origin with '+' and a space")
	}
}
