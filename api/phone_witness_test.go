package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestVerifyPagePhoneWitness (issue 15, every phone a witness): the verify
// page in headless Chromium, loaded directly (so the site's
// Content-Security-Policy applies to its one self-hosted script). The first
// visit of a notice's QR page stores today's checkpoint (origin, size,
// root) in localStorage and says so; after the ledger grew, the next visit
// fetches the consistency proof from the public API, checks it in the
// browser and says 与您上次核验的账本一致（已增长 N 条）; a stored root
// altered in localStorage (what a phone that was shown another tree holds)
// gives the warning and is kept. The page's verdict is the server's, with
// or without the script. The script's proof check agrees with tlog.CheckTree
// on every pair of sizes up to 40, honest and tampered.
func TestVerifyPagePhoneWitness(t *testing.T) {
	browser := chromium(t)
	e := newTownEnv(t, "sqlite")
	lt.Witnessed(t, e.svc.L, e.store, e.lg, "县纪委监委", "县审计局")
	_, qr := e.witnessedNotice()
	page := e.ts.URL + qr

	// The page's policy: scripts of the site's own only, none inline.
	r := e.call("GET", qr, "none", nil)
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(string(r.body), "<script>") {
		t.Fatalf("CSP %q; inline script in the page: %v", csp, strings.Contains(string(r.body), "<script>"))
	}
	if js := e.call("GET", "/static/verify.js", "none", nil); js.status != 200 || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("verify.js: %d %s", js.status, js.header.Get("Content-Type"))
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(360, 740))...)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(func(string, ...any) {}))
	defer cancel()
	bctx, cancelT := context.WithTimeout(bctx, 3*time.Minute)
	defer cancelT()
	key := "sunshine-ledger-checkpoint:" + e.lg.Origin
	shots := 0
	visit := func(want string) (msg string, stored map[string]any) {
		t.Helper()
		var raw, verdict string
		var overflow bool
		var shot []byte
		if err := chromedp.Run(bctx,
			chromedp.Navigate(page),
			chromedp.Poll(`(function(){var m=document.getElementById('phone-msg');return !!m && m.textContent.length>0 && !document.getElementById('phone').hidden})()`,
				nil, chromedp.WithPollingTimeout(30*time.Second)),
			chromedp.Text(`#phone-msg`, &msg, chromedp.ByQuery),
			chromedp.Text(`p.result`, &verdict, chromedp.ByQuery),
			chromedp.Evaluate(fmt.Sprintf(`localStorage.getItem(%q) || ""`, key), &raw),
			chromedp.Evaluate(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow),
			chromedp.FullScreenshot(&shot, 80),
		); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		if !strings.Contains(msg, want) {
			t.Fatalf("the page says %q, want %q", msg, want)
		}
		if overflow {
			t.Errorf("the verify page overflows 360 px with %q", msg)
		}
		shots++
		if dir := filepath.Join(artifacts, "screenshots"); os.MkdirAll(dir, 0o755) == nil {
			f := filepath.Join(dir, fmt.Sprintf("verify-phone-%d.jpg", shots))
			if err := os.WriteFile(f, shot, 0o644); err == nil {
				t.Logf("screenshot: %s", f)
			}
		}
		if !strings.Contains(verdict, "✔ 核验通过") {
			t.Errorf("the server's verdict: %q", verdict)
		}
		if err := json.Unmarshal([]byte(raw), &stored); err != nil {
			t.Fatalf("localStorage %q: %v", raw, err)
		}
		return msg, stored
	}
	current := func() ledger.Checkpoint {
		t.Helper()
		cp, err := e.svc.L.SignCheckpoint(t.Context(), e.lg)
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	grow := func(k int) ledger.Checkpoint {
		t.Helper()
		for i := range k {
			e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp1"], Amount: lt.Y(fmt.Sprint(10 + i)), PaidOn: lt.D("2026-03-06")})
		}
		return current()
	}

	first := current()
	_, stored := visit("本机已记下今日账本")
	if stored["origin"] != e.lg.Origin || stored["size"] != float64(first.Size) || stored["root"] != base64.StdEncoding.EncodeToString(first.Root[:]) {
		t.Fatalf("stored %v, want size %d", stored, first.Size)
	}

	second := grow(3)
	_, stored = visit(fmt.Sprintf("与您上次核验的账本一致（已增长 %d 条）", second.Size-first.Size))
	if stored["size"] != float64(second.Size) {
		t.Fatalf("after a consistent visit the phone holds %v, want size %d", stored, second.Size)
	}

	// A phone that was shown another tree of that size: its stored root
	// differs from the one the ledger proves.
	other := sha256.Sum256([]byte("another tree"))
	if err := chromedp.Run(bctx, chromedp.Evaluate(fmt.Sprintf(`(function(){var k=%q;var v=JSON.parse(localStorage.getItem(k));v.root=%q;localStorage.setItem(k,JSON.stringify(v));return true})()`,
		key, base64.StdEncoding.EncodeToString(other[:])), nil)); err != nil {
		t.Fatal(err)
	}
	grow(2)
	_, stored = visit("警告：当前账本与您上次看到的不一致")
	if stored["root"] != base64.StdEncoding.EncodeToString(other[:]) || stored["size"] != float64(second.Size) {
		t.Fatalf("the warning overwrote what the phone held: %v", stored)
	}

	// The script's proof check against tlog.CheckTree.
	var vecs []consistencyVector
	var hashes []tlog.Hash
	hr := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	b64 := func(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }
	for size := int64(0); size < 40; size++ {
		hs, err := tlog.StoredHashes(size, []byte(fmt.Sprint(size)), hr)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	bad := tlog.Hash(sha256.Sum256([]byte("x")))
	for nw := int64(1); nw <= 40; nw++ {
		for old := int64(1); old <= nw; old++ {
			proof, err := tlog.ProveTree(nw, old, hr)
			if err != nil {
				t.Fatal(err)
			}
			oldRoot, _ := tlog.TreeHash(old, hr)
			newRoot, _ := tlog.TreeHash(nw, hr)
			var ps []string
			for _, h := range proof {
				ps = append(ps, b64(h))
			}
			vecs = append(vecs, consistencyVector{old, nw, b64(oldRoot), b64(newRoot), ps, true},
				consistencyVector{old, nw, b64(bad), b64(newRoot), ps, tlog.CheckTree(proof, nw, newRoot, old, bad) == nil})
			if len(proof) > 0 {
				q := append([]string(nil), ps...)
				q[len(q)/2] = b64(bad)
				vecs = append(vecs, consistencyVector{old, nw, b64(oldRoot), b64(newRoot), q, false})
			}
		}
	}
	in, _ := json.Marshal(vecs)
	var mismatches []string
	if err := chromedp.Run(bctx, chromedp.Evaluate(`(async function(vs){
  var b = function(s){return Uint8Array.from(atob(s), function(c){return c.charCodeAt(0)})};
  var out = [];
  for (var i = 0; i < vs.length; i++) {
    var v = vs[i];
    var got = await window.sunshineLedger.checkConsistency(v.old, v.new, b(v.old_root), b(v.new_root), (v.proof || []).map(b));
    if (got !== v.ok) out.push(v.old + "→" + v.new + " want " + v.ok);
  }
  return out;
})(`+string(in)+`)`, &mismatches, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) })); err != nil {
		t.Fatal(err)
	}
	if len(mismatches) > 0 {
		t.Fatalf("%d of %d proofs judged otherwise than tlog.CheckTree: %v", len(mismatches), len(vecs), mismatches[:min(len(mismatches), 10)])
	}
	t.Logf("%d consistency proofs checked in the browser as tlog.CheckTree does", len(vecs))
}

type consistencyVector struct {
	Old     int64    `json:"old"`
	New     int64    `json:"new"`
	OldRoot string   `json:"old_root"`
	NewRoot string   `json:"new_root"`
	Proof   []string `json:"proof"`
	OK      bool     `json:"ok"`
}
