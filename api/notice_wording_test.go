package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
)

// TestNoticeWording (issue 16): a village's notices are numbered in the
// village's own series (田坪村公〔2026〕1号, 2号 …), numbers never repeat;
// every published notice with a period says
// it as "2026年3月1日至2026年3月10日（共10天）" (never "公示期满"), counts
// say what they count, and every PDF has the 盖章 area, the checkpoint in
// Courier and no 草稿; a preview carries 草稿.
func TestNoticeWording(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			all := e.disclosureTown()
			ctx := context.Background()
			numbers := map[string]string{}
			villageSeries := 0
			for _, typ := range ledger.NoticeTypes {
				p := all[typ]
				n, err := e.svc.NoticeByCode(ctx, e.lg, p.Code)
				if err != nil {
					t.Fatal(err)
				}
				if o, dup := numbers[n.Number]; dup {
					t.Errorf("%s and %s share the number %s", o, typ, n.Number)
				}
				numbers[n.Number] = typ
				if v, ok := strings.CutSuffix(n.Unit, "村民委员会"); ok {
					villageSeries++
					if !strings.HasPrefix(n.Number, v+"公〔") {
						t.Errorf("%s of %s numbered %s, not in the village's series", typ, n.Unit, n.Number)
					}
				}
				st, err := disclosure.LoadStored(ctx, e.svc, e.lg, n)
				if err != nil {
					t.Fatal(err)
				}
				closing := strings.Join(st.Content.Closing, "\n")
				if strings.Contains(closing, "（公示期满") {
					t.Errorf("%s: %q", typ, closing)
				}
				if strings.Contains(closing, "公示时间") {
					from, _ := ledger.ParseDate(n.PublishedOn)
					to, _ := ledger.ParseDate(n.EndsOn)
					want := fmt.Sprintf("公示时间：%d年%d月%d日至%d年%d月%d日（", from.Year, from.Month, from.Day, to.Year, to.Month, to.Day)
					days := fmt.Sprintf("共%d天）", from.DaysUntil(to)+1)
					if !strings.Contains(closing, want) || !strings.Contains(closing, days) {
						t.Errorf("%s: %q lacks %q and %q", typ, closing, want, days)
					}
					if typ != ledger.NoticeAcceptance && days != "共10天）" {
						t.Errorf("%s: %s", typ, days)
					}
				}
				totals := strings.Join(st.Content.Totals, "|")
				switch typ {
				case ledger.NoticeRecipients:
					if !strings.Contains(totals, "2 笔补助") {
						t.Errorf("%s totals %q", typ, totals)
					}
				case ledger.NoticeQuarterly:
					if !strings.Contains(totals, "项资金，") || !strings.Contains(totals, "项小计") {
						t.Errorf("%s totals %q", typ, totals)
					}
				}
				r := e.call("GET", "/notices/"+p.Code+".pdf", "none", nil)
				text := squash(pdfText(t, r.body))
				for _, w := range []string{"发布单位：" + n.Unit, "（盖章）"} {
					if !strings.Contains(text, w) {
						t.Errorf("%s: the PDF lacks %q", typ, w)
					}
				}
				if strings.Contains(text, "草稿") || !strings.Contains(string(r.body), "/BaseFont /Courier") {
					t.Errorf("%s: 草稿 on a published notice, or no Courier", typ)
				}
			}
			if villageSeries < 2 {
				t.Errorf("%d village notices", villageSeries)
			}
			// a preview (the staff preview renders DocumentOf without an
			// attachment) carries 草稿
			d := e.draft(map[string]any{"type": ledger.NoticeQuarterly, "period": "2026-Q1"})
			dn, err := e.svc.Notice(ctx, e.lg, d)
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.svc.NoticeContent(ctx, e.lg, dn, ledger.AudiencePublic)
			if err != nil {
				t.Fatal(err)
			}
			c.PublishedOn = "2026-03-01"
			pdf, err := disclosure.RenderPDF(disclosure.DocumentOf(c, "草稿预览", "http://ledger.test/verify", nil))
			if err != nil || !strings.Contains(squash(pdfText(t, pdf)), "草稿") {
				t.Errorf("the preview lacks 草稿: %v", err)
			}
		})
	}
}
