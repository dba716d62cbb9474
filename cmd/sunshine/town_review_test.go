package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
)

// Two `town add` of one code at the same moment, with different names.
// town add cases an outside red team wrote (issue 21): two adds of one
// code at the same moment, and an add refused after its log was made.
func TestTownAddConcurrent(t *testing.T) {
	clearSunshineEnv(t)
	t.Setenv("SUNSHINE_PUBLIC_URL", "https://ledger.example.cn")
	data := t.TempDir()
	if code, text := runCmd(t, "town", "add", "--data", data, "--code", "430181118", "--name", "东岭镇"); code != 0 {
		t.Fatal(text)
	}
	var wg sync.WaitGroup
	codes, texts := make([]int, 2), make([]string, 2)
	for i, name := range []string{"西江镇", "北山镇"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], texts[i] = runCmd(t, "town", "add", "--data", data, "--code", "430181119", "--name", name)
		}()
	}
	wg.Wait()
	t.Logf("exit codes %v\n%s\n---\n%s", codes, texts[0], texts[1])
	if codes[0] == 0 && codes[1] == 0 {
		t.Errorf("both concurrent town adds of 430181119 (西江镇, 北山镇) reported success")
	}
	for i, tx := range texts {
		if codes[i] == 0 && strings.Contains(tx, "created town") {
			name := []string{"西江镇", "北山镇"}[i]
			if !strings.Contains(tx, name) {
				t.Errorf("asked for %s, told: %s", name, strings.SplitN(tx, "\n", 2)[0])
			}
		}
	}
	store, err := gormstore.Open(filepath.Join(data, "sunshine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	lg, err := store.LogByTown(context.Background(), "430181119")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := store.Size(context.Background(), lg.ID)
	var regs int
	for s := int64(0); s < n; s++ {
		e, _ := store.Entry(context.Background(), lg.ID, s)
		if e.Type == ledger.TypeTownRegistered {
			regs++
		}
	}
	if regs != 1 {
		t.Errorf("%d town_registered entries", regs)
	}
	if code, text := runCmd(t, "verify", "--data", data, "--deep"); code != 0 {
		t.Errorf("verify --deep: %s", text)
	}
}

// Names and codes at the edges.
func TestRTTownAddOddInput(t *testing.T) {
	clearSunshineEnv(t)
	t.Setenv("SUNSHINE_PUBLIC_URL", "https://ledger.example.cn")
	data := t.TempDir()
	if code, text := runCmd(t, "town", "add", "--data", data, "--code", "430181118", "--name", "东岭镇"); code != 0 {
		t.Fatal(text)
	}
	for _, args := range [][]string{
		{"--code", "000000", "--name", "零镇"},
		{"--code", " 430181120 ", "--name", "空格镇"},
		{"--code", "0430181118", "--name", "前导零镇"},
		{"--code", "430181121", "--name", "\u200b"},
		{"--code", "430181122", "--name", "东岭镇\u200b"},
		{"--code", "430181123", "--name", "东岭镇"},
		{"--code", "430181124", "--name", "西\u202e江镇"},
		{"--code", "430181125", "--name", "北山镇", "--short-name", "\u200b"},
	} {
		code, text := runCmd(t, append([]string{"town", "add", "--data", data}, args...)...)
		t.Logf("town add %q: exit %d: %s", args, code, strings.SplitN(text, "\n", 2)[0])
	}
	_, list := runCmd(t, "town", "list", "--data", data)
	t.Logf("town list:\n%s", list)
	if code, text := runCmd(t, "verify", "--data", data, "--deep"); code != 0 {
		t.Errorf("verify --deep: %s", text)
	}
}

// A refused `town add` (a name with a zero-width space) leaves the new
// log behind; `user add --town` of that code then passes homeTownKnown and
// start-up's RegisterTown names the town SUNSHINE_TOWN_NAME's default,
// 镇头镇 — the home town's name.
func TestTownAddRefusedLeavesNothing(t *testing.T) {
	clearSunshineEnv(t)
	t.Setenv("SUNSHINE_PUBLIC_URL", "https://ledger.example.cn")
	data := t.TempDir()
	if code, text := runCmd(t, "town", "add", "--data", data, "--code", "430181118", "--name", "东岭镇"); code != 0 {
		t.Fatal(text)
	}
	if code, _ := runCmd(t, "town", "add", "--data", data, "--code", "430181121", "--name", "西江镇\u200b"); code == 0 {
		t.Fatal("accepted")
	}
	_, list := runCmd(t, "town", "list", "--data", data)
	if strings.Contains(list, "430181121") {
		t.Errorf("a refused town add left its log:\n%s", list)
	}
	withStdin(t, "xijiang-admin-1\n")
	code, text := runCmd(t, "user", "add", "--data", data, "--town", "430181121", "--username", "xj_admin", "--role", "admin")
	t.Logf("user add --town 430181121: exit %d %s", code, text)
	_, list = runCmd(t, "town", "list", "--data", data)
	t.Logf("town list:\n%s", list)
	if code == 0 {
		t.Errorf("user add --town of a town that town add refused was accepted")
	}
}
