package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestBoardCopy (issue 16): finance and admin print the board copy (张贴版)
// of a notice that lists people: it holds the full names where the web
// copy masks them, and no ID number or account (the web copy and the
// public page hold no full name); both copies carry the same row seqs,
// checkpoint and rows.json; every print is a withheld person_board_printed
// entry naming who and which notice; other roles and the public are
// refused, and a notice that lists no one has no board copy.
func TestBoardCopy(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			all := e.disclosureTown()
			ctx := context.Background()
			secrets := []string{}
			for k := range e.ids {
				secrets = append(secrets, e.ids[k], e.accounts[k])
			}
			for _, typ := range []string{ledger.NoticeRecipients, ledger.NoticePaymentResult, ledger.NoticeLoans} {
				p := all[typ]
				n, err := e.svc.NoticeByCode(ctx, e.lg, p.Code)
				if err != nil {
					t.Fatal(err)
				}
				st, err := disclosure.LoadStored(ctx, e.svc, e.lg, n)
				if err != nil {
					t.Fatal(err)
				}
				web := e.call("GET", "/notices/"+p.Code+".pdf", "none", nil)
				page := e.call("GET", "/notices/"+p.Code, "none", nil)
				size, _, err := e.svc.L.Store().Head(ctx, e.lg.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, caller := range []string{"finance", "admin"} {
					r := e.call("GET", "/api/v1/notices/"+p.Code+"/board.pdf", caller, nil)
					if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" {
						t.Fatalf("%s %s: %s", typ, caller, r)
					}
					text := squash(pdfText(t, r.body))
					webText := squash(pdfText(t, web.body))
					if !strings.Contains(text, "张贴版") || strings.Contains(webText, "张贴版") {
						t.Errorf("%s: the edition mark", typ)
					}
					// full names on the board, masked on the web
					full := 0
					for k, name := range e.names {
						if !strings.Contains(text, name) {
							continue
						}
						full++
						if strings.Contains(webText, name) || strings.Contains(string(page.body), name) {
							t.Errorf("%s: the web copy or page shows %s's full name", typ, k)
						}
					}
					if full == 0 {
						t.Errorf("%s: the board copy shows no full name", typ)
					}
					for _, s := range secrets {
						if s != "" && strings.Contains(text, s) {
							t.Errorf("%s: the board copy shows an ID number or account", typ)
						}
					}
					// same seqs, checkpoint and rows.json
					for _, row := range st.Content.Rows {
						if row.Seq >= 0 && !strings.Contains(text, fmt.Sprint(row.Seq)) {
							t.Errorf("%s: the board copy lacks seq %d", typ, row.Seq)
						}
					}
					cp, err := disclosure.ExtractCheckpoint(r.body)
					if err != nil || cp != st.Checkpoint {
						t.Errorf("%s: the board copy's checkpoint differs: %v", typ, err)
					}
					// rows.json: the same notice, rows, checkpoint size and QR;
					// the board copy adds its edition and the notice's board
					// secret (what makes its recorded SHA-256 unguessable)
					var a, b disclosure.Attachment
					ra, _ := disclosure.ExtractAttachment(r.body, "rows.json")
					rb, _ := disclosure.ExtractAttachment(web.body, "rows.json")
					if json.Unmarshal(ra, &a) != nil || json.Unmarshal(rb, &b) != nil || len(a.Rows) == 0 {
						t.Fatalf("%s: rows.json unreadable", typ)
					}
					if a.Edition != disclosure.EditionBoard || len(a.BoardNonce) != 64 || b.Edition != "" || b.BoardNonce != "" {
						t.Errorf("%s: editions %q/%q, board secret %d/%d characters", typ, a.Edition, b.Edition, len(a.BoardNonce), len(b.BoardNonce))
					}
					a.Edition, a.BoardNonce = "", ""
					if !reflect.DeepEqual(a, b) {
						t.Errorf("%s: rows.json differs between the copies", typ)
					}
					// the ledger recorded the board copy's SHA-256 at publish:
					// every print is those bytes
					if sum := sha256.Sum256(r.body); hex.EncodeToString(sum[:]) != n.BoardPDFSHA256 {
						t.Errorf("%s: the board copy is not the one notice_published recorded", typ)
					}
					// the print is recorded, withheld
					es, err := e.svc.L.Store().Entries(ctx, e.lg.ID, size, 100)
					if err != nil {
						t.Fatal(err)
					}
					found := false
					for _, en := range es {
						if en.Type == "person_board_printed" && en.Actor == e.users[caller].ID && bytes.Contains(en.Body, []byte(p.Code)) {
							found = true
							if ledger.IsPublic(en.Type) {
								t.Error("person_board_printed is public")
							}
							pub := e.call("GET", fmt.Sprintf("/api/public/entries/%d", en.Seq), "none", nil)
							if bytes.Contains(pub.body, []byte(p.Code)) {
								t.Errorf("the public entry of the print shows its payload: %s", pub.body)
							}
						}
					}
					if !found {
						t.Errorf("%s: %s's print was not recorded", typ, caller)
					}
				}
				for caller, want := range map[string]int{"none": 401, "monitor": 403, "approver": 403, "discipline": 403, "auditor": 403} {
					if r := e.call("GET", "/api/v1/notices/"+p.Code+"/board.pdf", caller, nil); r.status != want {
						t.Errorf("%s by %s: %d, want %d", typ, caller, r.status, want)
					}
				}
			}
			// the staff notice page's button
			fin := &pageSession{e: e}
			fin.login("t_fin1")
			p := all[ledger.NoticeRecipients]
			_, body, _ := fin.do("GET", fmt.Sprintf("/staff/notices/%d", p.ID), nil)
			mustContain(t, "the staff notice page", body, `id="board"`, fmt.Sprintf(`action="/staff/notices/%d/board"`, p.ID))
			st, body, h := fin.do("POST", fmt.Sprintf("/staff/notices/%d/board", p.ID), url.Values{"csrf": {fin.csrf()}})
			if st != 200 || h.Get("Content-Type") != "application/pdf" || !strings.Contains(squash(pdfText(t, []byte(body))), "张贴版") {
				t.Errorf("the board button: %d %s", st, h.Get("Content-Type"))
			}
			if st, _, _ := fin.do("POST", fmt.Sprintf("/staff/notices/%d/board", p.ID), url.Values{}); st == 200 {
				t.Error("a print without the CSRF token")
			}
			_, body, _ = fin.do("GET", fmt.Sprintf("/staff/notices/%d", all[ledger.NoticeQuarterly].ID), nil)
			if strings.Contains(body, `id="board"`) {
				t.Error("a notice listing no one offers a board copy")
			}
			r := e.call("GET", "/api/v1/notices/"+all[ledger.NoticeQuarterly].Code+"/board.pdf", "finance", nil)
			if r.status != 422 || !strings.Contains(string(r.body), "没有张贴版") {
				t.Errorf("a notice listing no one: %s", r)
			}
		})
	}
}

// boardNotices caches each env's published notice that lists people.
var boardNotices = map[*townEnv]published{}

// boardNotice publishes (once per env) a 资金发放结果公告 listing a person:
// the sample of the board copy's routes.
func (e *townEnv) boardNotice() published {
	e.t.Helper()
	if p, ok := boardNotices[e]; ok {
		return p
	}
	p := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp3"], Amount: lt.Y("500"), PaidOn: lt.D("2026-02-16")})
	if p.Status != ledger.StatusEffective {
		e.t.Fatalf("payment: %s", p.Status)
	}
	n := e.publish(e.draft(map[string]any{"type": ledger.NoticePaymentResult, "village": village1, "period": "2026-02"}))
	boardNotices[e] = n
	return n
}
