package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/witness"
)

// TestPrivateKeyModes: the service and the witness refuse to start with a
// private key file that group or others may read.
func TestPrivateKeyModes(t *testing.T) {
	data := t.TempDir()
	cfg := &Config{Data: data}
	if _, err := signingKey(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := masterKey(cfg); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"signing.key", "master.key"} {
		path := filepath.Join(data, "keys", f)
		for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			_, err1 := signingKey(cfg)
			_, err2 := masterKey(cfg)
			err := err1
			if f == "master.key" {
				err = err2
			}
			if err == nil || !strings.Contains(err.Error(), "readable by group or others") {
				t.Fatalf("%s with mode %04o: %v", f, mode, err)
			}
		}
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if code, text := runCmd(t, "keygen", "--witness", "县纪委监委", "--out", dir); code != 0 || !strings.Contains(text, "县纪委监委+") {
		t.Fatal(code, text)
	}
	os.Chmod(filepath.Join(dir, "witness.key"), 0o644)
	var out bytes.Buffer
	if code := run(context.Background(), []string{"witness", "--key-file", filepath.Join(dir, "witness.key"), "--db", filepath.Join(dir, "w.db"),
		"--log", "x+01234567+AQ==", "--addr", freeAddr(t)}, &out); code == 0 {
		t.Fatal("the witness started with a key others may read")
	}
}

// TestWitnessModeWithServe: two `sunshine witness` processes (keys from
// `keygen --witness`) witness a `sunshine serve` configured with
// SUNSHINE_WITNESSES: the public checkpoint carries both cosignatures, the
// witnesses endpoint lists them, and each witness's status page shows the
// checkpoint it cosigned.
func TestWitnessModeWithServe(t *testing.T) {
	for _, k := range []string{"SUNSHINE_DB", "SUNSHINE_SIGNING_KEY_FILE", "SUNSHINE_MASTER_KEY_FILE", "SUNSHINE_MIGRATE", "SUNSHINE_TOWN",
		"SUNSHINE_WITNESSES", "SUNSHINE_WITNESS_QUORUM"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	root := t.TempDir()
	keys := filepath.Join(root, "secrets")
	if code, text := runCmd(t, "keygen", "--out", keys); code != 0 {
		t.Fatal(text)
	}
	raw, _ := os.ReadFile(filepath.Join(keys, "signing.key"))
	sk, err := ledger.ParseSigningKey(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	const origin = "ledger.example.cn/log/430181117"
	logVkey, _ := sk.VerifierKey(origin)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	var spec []string
	var addrs []string
	for _, w := range []struct{ dir, name string }{{"jiwei", "县纪委监委"}, {"shenji", "县审计局"}} {
		dir := filepath.Join(root, w.dir)
		if code, text := runCmd(t, "keygen", "--witness", w.name, "--out", dir); code != 0 {
			t.Fatal(text)
		}
		if fi, err := os.Stat(filepath.Join(dir, "witness.key")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("witness.key: %v %v", fi, err)
		}
		pub, _ := os.ReadFile(filepath.Join(dir, "witness.pub"))
		addr := freeAddr(t)
		addrs = append(addrs, addr)
		spec = append(spec, strings.TrimSpace(string(pub))+"@http://"+addr+"#"+w.name)
		// One witness takes the log's key by flag, the other from a file.
		logArgs := []string{"--log", logVkey}
		if w.dir == "shenji" {
			logs := filepath.Join(dir, "logs.txt")
			if err := os.WriteFile(logs, []byte("# 镇头镇\n"+logVkey+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			logArgs = []string{"--logs-file", logs}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out bytes.Buffer
			if code := run(ctx, append([]string{"witness", "--addr", addr, "--key-file", filepath.Join(dir, "witness.key"), "--db", filepath.Join(dir, "witness.db")},
				logArgs...), &out); code != 0 {
				t.Errorf("witness exit %d: %s", code, out.String())
			}
		}()
	}
	addr := freeAddr(t)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var out bytes.Buffer
		if code := run(ctx, []string{"serve", "--data", filepath.Join(root, "data"), "--addr", addr, "--public-url", "https://ledger.example.cn",
			"--signing-key-file", filepath.Join(keys, "signing.key"), "--master-key-file", filepath.Join(keys, "master.key"),
			"--witnesses", strings.Join(spec, ","), "--witness-quorum", "2"}, &out); code != 0 {
			t.Errorf("serve exit %d: %s", code, out.String())
		}
	}()
	var resp *http.Response
	for range 200 {
		if resp, err = http.Get("http://" + addr + "/api/public/checkpoint"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("serve did not come up: %v", err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Sunshine-Witnessed") != "yes" || resp.Header.Get("Sunshine-Witnesses") != "2/2" {
		t.Fatalf("checkpoint headers %v\n%s", resp.Header, msg)
	}
	resp, err = http.Get("http://" + addr + "/api/public/witnesses")
	if err != nil {
		t.Fatal(err)
	}
	var list api.WitnessesResponse
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Witnesses) != 2 || list.Quorum != 2 || list.Witnesses[1].DisplayName != "县审计局" {
		t.Fatalf("witnesses %+v", list)
	}
	logV, _ := note.NewVerifier(logVkey)
	vs := []note.Verifier{logV}
	for _, w := range list.Witnesses {
		v, err := witness.NewVerifier(w.Key)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil || len(n.Sigs) != 3 {
		t.Fatalf("cosigned checkpoint: %v\n%s", err, msg)
	}
	size := strings.Split(n.Text, "\n")[1]
	for _, a := range addrs {
		resp, err := http.Get("http://" + a + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), origin) || !strings.Contains(string(page), "<td>"+size+"</td>") {
			t.Fatalf("status page of %s lacks the cosigned checkpoint of size %s:\n%s", a, size, page)
		}
	}
}

// TestDemoWitnesses: serve --demo's two witnesses, 县纪委监委 and 县审计局,
// keep their keys (0600) and state under <data>/witness across restarts.
func TestDemoWitnesses(t *testing.T) {
	data := t.TempDir()
	sk, _ := ledger.ParseSigningKey(mustKeygen(t))
	vkey, _ := sk.VerifierKey("localhost:8080/log/430181117")
	ws, stop, err := startDemoWitnesses(data, vkey, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if len(ws) != 2 || ws[0].Label != "县纪委监委" || ws[1].Label != "县审计局" || ws[0].Name != "县纪委监委" {
		t.Fatalf("demo witnesses %+v", ws)
	}
	for _, f := range []string{"jiwei.key", "shenji.key"} {
		if fi, err := os.Stat(filepath.Join(data, "witness", f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	again, stop, err := startDemoWitnesses(data, vkey, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	if again[0].Key != ws[0].Key || again[1].Key != ws[1].Key {
		t.Fatal("the demo witnesses' keys changed across a restart")
	}
}

func mustKeygen(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if code, text := runCmd(t, "keygen", "--out", dir); code != 0 {
		t.Fatal(text)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "signing.key"))
	return string(raw)
}

// TestVerifyWitnessKeys (issue 15): `sunshine verify --witness-key FILE`
// (repeatable) checks the stored cosignatures of those witnesses over the
// stored checkpoints and prints, per witness, how many it cosigned. It
// passes when every listed witness validly cosigned the latest checkpoint
// and no stored cosignature of theirs is bad; it exits 1 when a listed
// witness lacks from the latest checkpoint (even if it cosigned older
// ones), and when a stored cosignature no longer verifies over its
// checkpoint.
func TestVerifyWitnessKeys(t *testing.T) {
	clearSunshineEnv(t)
	ctx := context.Background()
	data := t.TempDir()
	cfg, _, err := loadConfig("test", []string{"--data", data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(ctx, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	c := lt.Witnessed(t, a.ledger, a.store, a.log, "县纪委监委", "县审计局")
	cosign := func(ws ...ledger.Witness) ledger.Checkpoint {
		t.Helper()
		if _, err := a.ledger.Append(ctx, a.log, ledger.AppendInput{Type: "fund_recorded", Actor: "system", Payload: lt.Payload(1)}); err != nil {
			t.Fatal(err)
		}
		cp, err := a.ledger.SignCheckpoint(ctx, a.log)
		if err != nil {
			t.Fatal(err)
		}
		cs := &ledger.Cosigner{L: a.ledger, Store: a.store, Witnesses: ws, RetryWait: time.Millisecond}
		if res, err := cs.Cosign(ctx, a.log, cp); err != nil || !res.Witnessed() {
			t.Fatalf("cosign %d: %+v %v", cp.Size, res, err)
		}
		return cp
	}
	ledger.SetCosigner(a.ledger, nil) // cosigned below, by hand, by whom the test says
	cosign(c.Witnesses...)
	cosign(c.Witnesses...)
	last := cosign(c.Witnesses...)
	cps, _ := a.store.Checkpoints(ctx, a.log.ID)
	a.Close()
	dir := t.TempDir()
	var files []string
	for i, w := range c.Witnesses {
		f := filepath.Join(dir, fmt.Sprintf("w%d.pub", i))
		if err := os.WriteFile(f, []byte(w.Key+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	code, out := runCmd(t, "verify", "--data", data, "--witness-key", files[0], "--witness-key", files[1])
	for _, name := range []string{"县纪委监委", "县审计局"} {
		if !strings.Contains(out, fmt.Sprintf("WITNESS %s %s: cosigned 3 of %d checkpoints, the largest of size %d; 0 bad cosignature(s)", a.log.Origin, name, len(cps), last.Size)) {
			t.Errorf("no tally of %s", name)
		}
	}
	if code != 0 || strings.Contains(out, "FAIL") {
		t.Fatalf("both witnesses cosigned the latest: exit %d\n%s", code, out)
	}

	// The latest checkpoint cosigned by 县纪委监委 only.
	a, err = openApp(ctx, cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	last = cosign(c.Witnesses[0])
	a.Close()
	code, out = runCmd(t, "verify", "--data", data, "--witness-key", files[0], "--witness-key", files[1])
	if code != 1 || !strings.Contains(out, fmt.Sprintf("FAIL %s: the latest checkpoint (size %d, signed ", a.log.Origin, last.Size)) ||
		!strings.Contains(out, "has no valid cosignature of witness 县审计局") || strings.Contains(out, "witness 县纪委监委\n") {
		t.Fatalf("the latest without 县审计局: exit %d\n%s", code, out)
	}
	if code, out = runCmd(t, "verify", "--data", data, "--witness-key", files[0]); code != 0 {
		t.Fatalf("县纪委监委 alone: exit %d\n%s", code, out)
	}

	// A stored cosignature of 县纪委监委 altered: it no longer verifies.
	store, err := gormstore.Open(cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := store.Cosignatures(ctx, a.log.ID, cps[1].Size)
	if err != nil || len(kept) != 2 {
		t.Fatalf("cosignatures of size %d: %v %v", cps[1].Size, kept, err)
	}
	for _, k := range kept {
		if k.Witness != c.Witnesses[0].Key {
			continue
		}
		line := []byte(string(k.Line))
		i := len(line) - 12 // inside the Ed25519 signature's base64
		line[i] = map[bool]byte{true: 'B', false: 'A'}[line[i] == 'A']
		if err := store.DB().Exec("UPDATE cosignatures SET line = ? WHERE log_id = ? AND size = ? AND witness = ?", line, a.log.ID, k.Size, k.Witness).Error; err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	code, out = runCmd(t, "verify", "--data", data, "--witness-key", files[0])
	if code != 1 || !strings.Contains(out, fmt.Sprintf("1 cosignature(s) of witness 县纪委监委 do not verify over the stored checkpoint of their size (sizes %d)", cps[1].Size)) {
		t.Fatalf("an altered cosignature: exit %d\n%s", code, out)
	}
}
