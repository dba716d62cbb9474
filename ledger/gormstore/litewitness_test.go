package gormstore_test

// TestLitewitnessInterop: the service gets cosignatures from litewitness
// (filippo.io/torchwood/cmd/litewitness, an independent C2SP tlog-witness
// whose key lives in an ssh-agent) for a first checkpoint, an extension
// (with a consistency proof) and after losing track of the witness's size
// (through its 409), and they verify with note under the cosignature/v1 key
// derived from the witness's public key. Skipped when litewitness,
// witnessctl or the OpenSSH client tools are missing, unless CI is set
// (.ci/run installs them).

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/witness"
)

func TestLitewitnessInterop(t *testing.T) {
	for _, tool := range []string{"litewitness", "witnessctl", "ssh-agent", "ssh-add", "ssh-keygen"} {
		if _, err := osexec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (CI installs it: .ci/run)", tool)
			}
			t.Skipf("%s is not installed (go install filippo.io/torchwood/cmd/litewitness@v0.6.1 and witnessctl; openssh-client)", tool)
		}
	}
	// A short folder: the agent's socket path must fit sun_path.
	dir, err := os.MkdirTemp("", "lw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	run := func(env []string, name string, args ...string) {
		t.Helper()
		cmd := osexec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	start := func(env []string, name string, args ...string) {
		t.Helper()
		cmd := osexec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill() // the process this test started, by its pid
			cmd.Wait()
			if t.Failed() {
				t.Logf("%s: %s", name, stderr.String())
			}
		})
	}
	waitFor := func(network, addr string) {
		t.Helper()
		for range 200 {
			if c, err := net.Dial(network, addr); err == nil {
				c.Close()
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("%s %s never answered", network, addr)
	}

	// The witness's key, in its own ssh-agent.
	keyPath := filepath.Join(dir, "key")
	run(nil, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "litewitness", "-f", keyPath)
	sock := filepath.Join(dir, "s")
	start(nil, "ssh-agent", "-D", "-a", sock)
	waitFor("unix", sock)
	run([]string{"SSH_AUTH_SOCK=" + sock}, "ssh-add", keyPath)
	pubLine, err := os.ReadFile(keyPath + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pub := sshEd25519(t, string(pubLine))
	sum := sha256.Sum256(pub)
	const name = "litewitness.example/county"
	wvkey := witness.VerifierKey(name, pub)

	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := t.Context()
			f := newFixture(t, dialect, 9)
			logVkey, err := f.l.VerifierKey(f.lg)
			if err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, dialect+".db")
			run(nil, "witnessctl", "add-log", "-db", db, "-origin", f.lg.Origin)
			run(nil, "witnessctl", "add-key", "-db", db, "-origin", f.lg.Origin, "-key", logVkey)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			start(nil, "litewitness", "-db", db, "-name", name, "-key", hex.EncodeToString(sum[:]), "-ssh-agent", sock, "-listen", addr)
			waitFor("tcp", addr)

			lw, err := ledger.NewWitness(wvkey, "http://"+addr+"#litewitness")
			if err != nil {
				t.Fatal(err)
			}
			c := &ledger.Cosigner{L: f.l, Store: f.store, Witnesses: []ledger.Witness{lw}, RetryWait: 10 * time.Millisecond}
			logV, _ := note.NewVerifier(logVkey)
			wv, _ := witness.NewVerifier(wvkey)
			check := func(what string) {
				t.Helper()
				cp, err := f.l.SignCheckpoint(ctx, f.lg)
				if err != nil {
					t.Fatal(err)
				}
				res, err := c.Cosign(ctx, f.lg, cp)
				if err != nil || !res.Witnessed() {
					t.Fatalf("%s: %v %+v", what, err, res.Missing)
				}
				wc, err := c.Witnessed(ctx, f.lg, cp)
				if err != nil {
					t.Fatal(err)
				}
				n, err := note.Open(wc.Note, note.VerifierList(logV, wv))
				if err != nil || len(n.Sigs) != 2 {
					t.Fatalf("%s: litewitness's cosignature does not verify with note: %v\n%s", what, err, wc.Note)
				}
				line := strings.Fields(strings.Split(strings.TrimSpace(string(wc.Note)), "\n")[len(strings.Split(strings.TrimSpace(string(wc.Note)), "\n"))-1])
				at, err := witness.Timestamp(line[2])
				if err != nil || time.Since(at).Abs() > time.Hour {
					t.Fatalf("%s: cosignature time %v %v", what, at, err)
				}
			}
			check("first checkpoint")
			f.append(t, 6)
			check("extension")
			mustExec(t, f.store, "DELETE FROM cosignatures")
			f.append(t, 2)
			check("after a 409")
		})
	}
}

// sshEd25519 returns the Ed25519 key of an OpenSSH public key line.
func sshEd25519(t *testing.T, line string) ed25519.PublicKey {
	t.Helper()
	fs := strings.Fields(line)
	if len(fs) < 2 || fs[0] != "ssh-ed25519" {
		t.Fatalf("not an ssh-ed25519 key: %q", line)
	}
	raw, err := base64.StdEncoding.DecodeString(fs[1])
	if err != nil {
		t.Fatal(err)
	}
	var parts [][]byte
	for len(raw) >= 4 {
		n := binary.BigEndian.Uint32(raw)
		if uint32(len(raw)-4) < n {
			break
		}
		parts = append(parts, raw[4:4+n])
		raw = raw[4+n:]
	}
	if len(parts) != 2 || string(parts[0]) != "ssh-ed25519" || len(parts[1]) != ed25519.PublicKeySize {
		t.Fatalf("malformed ssh-ed25519 key")
	}
	return ed25519.PublicKey(parts[1])
}
