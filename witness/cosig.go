// Package witness implements a C2SP tlog-witness (the add-checkpoint API)
// that cosigns checkpoints with C2SP tlog-cosignature (cosignature/v1), its
// state, and a client for it.
//
// The cosignature format is built on golang.org/x/mod/sumdb/note's Signer
// and Verifier interfaces (note supports only the plain Ed25519 algorithm
// itself). filippo.io/torchwood implements the same format, but as a
// dependency it would raise modernc.org/sqlite and libc far above the
// versions glebarez/sqlite is built against; the interop test checks our
// bytes against torchwood's litewitness instead.
package witness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// AlgCosignatureV1 is the signature type byte of cosignature/v1 keys.
const AlgCosignatureV1 = 0x04

// keyHash is the first four bytes of SHA-256(name || "\n" || 0x04 || pub).
func keyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write([]byte{AlgCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// VerifierKey returns the vkey "<name>+<hex id>+<base64(0x04 || pub)>".
func VerifierKey(name string, pub ed25519.PublicKey) string {
	return fmt.Sprintf("%s+%08x+%s", name, keyHash(name, pub), base64.StdEncoding.EncodeToString(append([]byte{AlgCosignatureV1}, pub...)))
}

// GenerateKey returns a new witness private key
// ("PRIVATE+KEY+<name>+<hex id>+<base64(0x04 || seed)>") and its vkey.
func GenerateKey(rand io.Reader, name string) (skey, vkey string, err error) {
	if !validName(name) {
		return "", "", fmt.Errorf("witness name %q: must be non-empty, without spaces or '+'", name)
	}
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return "", "", err
	}
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, keyHash(name, pub), base64.StdEncoding.EncodeToString(append([]byte{AlgCosignatureV1}, priv.Seed()...)))
	return skey, VerifierKey(name, pub), nil
}

// Signer is a note.Signer that writes cosignature/v1 signatures:
// 8-byte big-endian timestamp || Ed25519 signature of
// "cosignature/v1\ntime <t>\n" + checkpoint.
type Signer struct {
	name string
	hash uint32
	priv ed25519.PrivateKey
	now  func() time.Time
}

var _ note.Signer = (*Signer)(nil)

// NewSigner parses a private key written by GenerateKey. now (nil: the
// real clock) gives the cosignature timestamps.
func NewSigner(skey string, now func() time.Time) (*Signer, error) {
	parts := strings.SplitN(strings.TrimSpace(skey), "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" || !validName(parts[2]) {
		return nil, errors.New("witness key: malformed")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != AlgCosignatureV1 {
		return nil, errors.New("witness key: not a cosignature/v1 key")
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	h := keyHash(parts[2], priv.Public().(ed25519.PublicKey))
	if parts[3] != fmt.Sprintf("%08x", h) {
		return nil, errors.New("witness key: wrong key id")
	}
	if now == nil {
		now = time.Now
	}
	return &Signer{name: parts[2], hash: h, priv: priv, now: now}, nil
}

func (s *Signer) Name() string    { return s.name }
func (s *Signer) KeyHash() uint32 { return s.hash }

// VerifierKey returns the signer's vkey.
func (s *Signer) VerifierKey() string {
	return VerifierKey(s.name, s.priv.Public().(ed25519.PublicKey))
}

// Sign signs a checkpoint body (the note text) at the current time.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	t := s.now().Unix()
	if t < 0 {
		return nil, errors.New("cosignature: time before 1970")
	}
	sig := binary.BigEndian.AppendUint64(make([]byte, 0, 8+ed25519.SignatureSize), uint64(t))
	return append(sig, ed25519.Sign(s.priv, signedMessage(uint64(t), msg))...), nil
}

func signedMessage(t uint64, msg []byte) []byte {
	return append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
}

// Verifier is a note.Verifier of cosignature/v1 signatures.
type Verifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
}

var _ note.Verifier = (*Verifier)(nil)

// NewVerifier parses a vkey "<name>+<hex id>+<base64(0x04 || pub)>".
func NewVerifier(vkey string) (*Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	name, rest, ok1 := strings.Cut(vkey, "+")
	hexID, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || !validName(name) || len(hexID) != 8 {
		return nil, fmt.Errorf("witness key %q: malformed", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != AlgCosignatureV1 {
		return nil, fmt.Errorf("witness key %q: not a cosignature/v1 key", vkey)
	}
	pub := ed25519.PublicKey(raw[1:])
	h := keyHash(name, pub)
	if hexID != fmt.Sprintf("%08x", h) {
		return nil, fmt.Errorf("witness key %q: wrong key id", vkey)
	}
	return &Verifier{name: name, hash: h, pub: pub}, nil
}

func (v *Verifier) Name() string    { return v.name }
func (v *Verifier) KeyHash() uint32 { return v.hash }

// String returns the vkey.
func (v *Verifier) String() string { return VerifierKey(v.name, v.pub) }

// Verify reports whether sig (timestamp || signature) is a cosignature/v1
// of msg.
func (v *Verifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(v.pub, signedMessage(binary.BigEndian.Uint64(sig), msg), sig[8:])
}

// Timestamp returns the time in a cosignature's base64 (key id, timestamp,
// signature), as on a note signature line.
func Timestamp(sigBase64 string) (time.Time, error) {
	raw, err := base64.StdEncoding.DecodeString(sigBase64)
	if err != nil || len(raw) != 4+8+ed25519.SignatureSize {
		return time.Time{}, errors.New("cosignature: malformed")
	}
	t := binary.BigEndian.Uint64(raw[4:])
	if t > 1<<62 {
		return time.Time{}, errors.New("cosignature: bad time")
	}
	return time.Unix(int64(t), 0).UTC(), nil
}
