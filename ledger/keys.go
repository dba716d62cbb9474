package ledger

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// DefaultKeyName is the key name written by GenerateSigningKey. A key signs
// for any log: the note key name of each log is its origin (VerifierKey).
const DefaultKeyName = "sunshine"

// SigningKey is the Ed25519 key that signs every log's checkpoints. It comes
// from SUNSHINE_SIGNING_KEY_FILE, never from the database.
type SigningKey struct {
	priv ed25519.PrivateKey
}

// GenerateSigningKey returns a new private key in the note format
// ("PRIVATE+KEY+<name>+<hash>+<data>") and its verifier key.
func GenerateSigningKey(rand io.Reader) (skey, vkey string, err error) {
	return note.GenerateKey(rand, DefaultKeyName)
}

// ParseSigningKey parses a private key in the note format (as written by
// GenerateSigningKey or by note.GenerateKey). Surrounding white space is
// ignored.
func ParseSigningKey(text string) (*SigningKey, error) {
	text = strings.TrimSpace(text)
	if _, err := note.NewSigner(text); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	parts := strings.SplitN(text, "+", 5)
	if len(parts) != 5 {
		return nil, errors.New("signing key: malformed")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return nil, errors.New("signing key: not an Ed25519 note key")
	}
	return &SigningKey{priv: ed25519.NewKeyFromSeed(raw[1:])}, nil
}

// Public returns the Ed25519 public key.
func (k *SigningKey) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// VerifierKey returns the note verifier key ("<origin>+<hash>+<keydata>") for
// the log with this origin: what GET /api/public/key serves and what an
// outsider passes to note.NewVerifier.
func (k *SigningKey) VerifierKey(origin string) (string, error) {
	return note.NewEd25519VerifierKey(origin, k.Public())
}

// Signer returns a note signer whose key name is origin.
func (k *SigningKey) Signer(origin string) (note.Signer, error) {
	vkey, err := k.VerifierKey(origin)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &originSigner{name: origin, hash: v.KeyHash(), priv: k.priv}, nil
}

type originSigner struct {
	name string
	hash uint32
	priv ed25519.PrivateKey
}

func (s *originSigner) Name() string    { return s.name }
func (s *originSigner) KeyHash() uint32 { return s.hash }
func (s *originSigner) Sign(msg []byte) ([]byte, error) {
	return ed25519.Sign(s.priv, msg), nil
}

// ParseVerifierKey returns the Ed25519 public key inside a note verifier key
// ("<name>+<hash>+<keydata>"), whatever its name.
func ParseVerifierKey(vkey string) (ed25519.PublicKey, error) {
	vkey = strings.TrimSpace(vkey)
	if _, err := note.NewVerifier(vkey); err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	parts := strings.SplitN(vkey, "+", 3)
	raw, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 1 {
		return nil, errors.New("verifier key: not an Ed25519 note key")
	}
	return ed25519.PublicKey(raw[1:]), nil
}
