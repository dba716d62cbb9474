package ledger

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Vault encrypts personal data outside the log (DOMAIN.md §3): each person
// has a random data key, wrapped (AES-256-GCM) by the master key; their
// name, ID number, phone and account numbers are AES-256-GCM ciphertext under
// that key. Blind indexes (HMAC-SHA256 under a key derived from the master
// key) of ID and account numbers allow lookups and matching without
// decrypting. Erasure deletes the data key and the index rows.
type Vault struct {
	master   cipher.AEAD
	indexKey []byte
	rand     io.Reader
}

// ErrErased is returned by Open for a person whose data key was erased.
var ErrErased = Errorf(CodeNotFound, "该人员的个人信息已按规定删除")

// NewVault returns a vault for a 32-byte master key. rand supplies data keys
// and nonces (crypto/rand in production; a seeded source for the demo, whose
// tree root must be reproducible).
func NewVault(master []byte, rand io.Reader) (*Vault, error) {
	if len(master) != 32 {
		return nil, errors.New("vault: the master key must be 32 bytes")
	}
	aead, err := newGCM(master)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, master)
	m.Write([]byte("sunshine blind index v1"))
	return &Vault{master: aead, indexKey: m.Sum(nil), rand: rand}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func personAAD(town string, person int64) []byte {
	return fmt.Appendf(nil, "sunshine person %s/%d", town, person)
}

// Seal encrypts a person's data under a fresh data key and returns the
// record to store and the hex SHA-256 of its ciphertext (which the registry
// entry carries).
func (v *Vault) Seal(town string, person int64, p PersonPrivate) (PrivateRecord, string, error) {
	key := make([]byte, 32)
	if _, err := io.ReadFull(v.rand, key); err != nil {
		return PrivateRecord{}, "", err
	}
	wn := make([]byte, v.master.NonceSize())
	if _, err := io.ReadFull(v.rand, wn); err != nil {
		return PrivateRecord{}, "", err
	}
	aad := personAAD(town, person)
	wrapped := append(wn, v.master.Seal(nil, wn, key, aad)...)
	aead, err := newGCM(key)
	if err != nil {
		return PrivateRecord{}, "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(v.rand, nonce); err != nil {
		return PrivateRecord{}, "", err
	}
	plain, err := json.Marshal(p)
	if err != nil {
		return PrivateRecord{}, "", err
	}
	ct := aead.Seal(nil, nonce, plain, aad)
	sum := sha256.Sum256(ct)
	return PrivateRecord{Person: person, WrappedKey: wrapped, Nonce: nonce, Ciphertext: ct}, hex.EncodeToString(sum[:]), nil
}

// Open decrypts a stored record. It returns ErrErased when the data key is
// gone.
func (v *Vault) Open(town string, rec PrivateRecord) (PersonPrivate, error) {
	if len(rec.WrappedKey) == 0 {
		return PersonPrivate{}, ErrErased
	}
	aad := personAAD(town, rec.Person)
	ns := v.master.NonceSize()
	if len(rec.WrappedKey) < ns {
		return PersonPrivate{}, errors.New("vault: wrapped key too short")
	}
	key, err := v.master.Open(nil, rec.WrappedKey[:ns], rec.WrappedKey[ns:], aad)
	if err != nil {
		return PersonPrivate{}, fmt.Errorf("vault: unwrap the data key of person %d: %w", rec.Person, err)
	}
	aead, err := newGCM(key)
	if err != nil {
		return PersonPrivate{}, err
	}
	plain, err := aead.Open(nil, rec.Nonce, rec.Ciphertext, aad)
	if err != nil {
		return PersonPrivate{}, fmt.Errorf("vault: decrypt person %d: %w", rec.Person, err)
	}
	var p PersonPrivate
	err = json.Unmarshal(plain, &p)
	return p, err
}

// Blind-index kinds.
const (
	IndexID      = "id"
	IndexAccount = "account"
)

// Index returns the blind index of a value of a kind: hex HMAC-SHA256.
// ID numbers are indexed in their normalized form; account numbers with
// spaces and dashes removed.
func (v *Vault) Index(kind, value string) string {
	value = NormalizeAccount(value)
	if kind == IndexID {
		value = strings.ToUpper(value)
	}
	m := hmac.New(sha256.New, v.indexKey)
	m.Write([]byte(kind + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil))
}

// NormalizeAccount removes spaces and dashes from an account number.
func NormalizeAccount(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u3000' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// SealText encrypts a short private text (a complainant's contact) under
// the master key, bound to a label (town and purpose). It returns nonce ‖
// ciphertext.
func (v *Vault) SealText(label, text string) ([]byte, error) {
	nonce := make([]byte, v.master.NonceSize())
	if _, err := io.ReadFull(v.rand, nonce); err != nil {
		return nil, err
	}
	return append(nonce, v.master.Seal(nil, nonce, []byte(text), []byte("sunshine text "+label))...), nil
}

// OpenText decrypts what SealText made with the same label.
func (v *Vault) OpenText(label string, sealed []byte) (string, error) {
	ns := v.master.NonceSize()
	if len(sealed) < ns {
		return "", errors.New("vault: sealed text too short")
	}
	plain, err := v.master.Open(nil, sealed[:ns], sealed[ns:], []byte("sunshine text "+label))
	return string(plain), err
}
