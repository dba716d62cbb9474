package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// signingKey reads SUNSHINE_SIGNING_KEY_FILE, or <data>/keys/signing.key,
// generating the latter (with a warning) when absent.
func signingKey(c *Config) (*ledger.SigningKey, error) {
	path := c.SigningKeyFile
	if path == "" {
		path = filepath.Join(c.Data, "keys", "signing.key")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			skey, vkey, err := ledger.GenerateSigningKey(rand.Reader)
			if err != nil {
				return nil, err
			}
			if err := writeKeyFiles(filepath.Dir(path), "signing.key", skey, "signing.pub", vkey); err != nil {
				return nil, err
			}
			slog.Warn("generated a new checkpoint signing key: back it up, and set SUNSHINE_SIGNING_KEY_FILE in production", "file", path)
		}
	}
	raw, err := readPrivateKey(path, "signing key")
	if err != nil {
		return nil, err
	}
	return ledger.ParseSigningKey(string(raw))
}

// masterKey reads SUNSHINE_MASTER_KEY_FILE, or <data>/keys/master.key,
// generating the latter (with a warning) when absent: 32 random bytes in
// standard base64.
func masterKey(c *Config) ([]byte, error) {
	path := c.MasterKeyFile
	if path == "" {
		path = filepath.Join(c.Data, "keys", "master.key")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if err := writeKeyFiles(filepath.Dir(path), "master.key", newMasterKey(), "", ""); err != nil {
				return nil, err
			}
			slog.Warn("generated a new master key for personal data: back it up (without it the personal data cannot be read), and set SUNSHINE_MASTER_KEY_FILE in production", "file", path)
		}
	}
	raw, err := readPrivateKey(path, "master key")
	if err != nil {
		return nil, err
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("master key %s: want 32 bytes in base64", path)
	}
	return k, nil
}

// readPrivateKey reads a private key file, refusing one that group or
// others may read or write: a key anyone else on the machine can read
// signs for anyone.
func readPrivateKey(path, what string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s %s is readable by group or others (mode %04o): refusing to start; run chmod 600 %s (a mounted secret: mode 0400)", what, path, perm, path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return raw, nil
}

func newMasterKey() string {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(k[:])
}

// writeKeyFiles writes a private file (0600) and, when pubName is not empty,
// a public one (0644) into dir, refusing to overwrite either.
func writeKeyFiles(dir, privName, priv, pubName, pub string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	write := func(name, content string, mode os.FileMode) error {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(content + "\n"); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := write(privName, priv, 0o600); err != nil {
		return err
	}
	if pubName != "" {
		return write(pubName, pub, 0o644)
	}
	return nil
}
