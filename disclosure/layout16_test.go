package disclosure_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/disclosure"
)

// TestLastPageNotOnlyTail (issue 16): whatever the number of rows, the last
// page of a notice holds the table's last row with the closing text,
// contacts, signature and checkpoint block: never only the QR code and
// contacts.
func TestLastPageNotOnlyTail(t *testing.T) {
	moved := 0
	for n := 1; n <= 60; n++ {
		d := doc(n)
		pdf, err := disclosure.RenderPDF(d)
		if err != nil {
			t.Fatal(err)
		}
		pages := strings.Split(strings.TrimRight(pdftotext(t, pdf), "\f"), "\f")
		last := flatten(pages[len(pages)-1])
		if !strings.Contains(last, fmt.Sprint(d.Rows[n-1].Seq)) || !strings.Contains(last, "扫码核验") {
			t.Errorf("%d rows: the last of %d pages lacks the last row or the QR block: %q", n, len(pages), last)
		}
		if len(pages) > 1 && !strings.Contains(flatten(pages[len(pages)-2]), fmt.Sprint(d.Rows[n-2].Seq)) {
			moved++
		}
	}
	if moved == 0 {
		t.Error("no row count made the renderer carry rows to the last page: the test does not reach the case")
	}
}

// TestDraftWatermark (issue 16): a preview carries 草稿 on every page; a
// published notice on none.
func TestDraftWatermark(t *testing.T) {
	d := doc(60)
	d.Draft = true
	pdf, err := disclosure.RenderPDF(d)
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(strings.TrimRight(pdftotext(t, pdf), "\f"), "\f")
	if len(pages) < 2 {
		t.Fatalf("%d pages", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(flatten(p), "草稿") {
			t.Errorf("page %d of the preview lacks 草稿", i+1)
		}
	}
	d.Draft = false
	pdf, err = disclosure.RenderPDF(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(flatten(pdftotext(t, pdf)), "草稿") {
		t.Error("a published notice carries 草稿")
	}
}

// TestSealAndCheckpoint (issue 16): the signature block names the unit with
// room for its seal; the checkpoint is printed in Courier at 7 pt or more,
// each hash and signature whole on one line; witnesses' names are printed
// when there are any.
func TestSealAndCheckpoint(t *testing.T) {
	for _, orient := range []string{"portrait", "landscape"} {
		d := doc(3)
		if orient == "landscape" {
			d.Columns = append(d.Columns, disclosure.Column{Title: "备注", Width: 1}, disclosure.Column{Title: "其他", Width: 1})
			for i := range d.Rows {
				d.Rows[i].Cells = append(d.Rows[i].Cells, "", "")
			}
			d.Totals = append(d.Totals, "", "")
		}
		d.Witnesses = []string{"浏阳市农业农村局见证节点", "witness.example.org"}
		pdf, err := disclosure.RenderPDF(d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(pdf), "/BaseFont /Courier") {
			t.Errorf("%s: the checkpoint is not set in Courier", orient)
		}
		text := pdftotext(t, pdf)
		flat := flatten(text)
		for _, w := range []string{"发布单位：" + d.Unit, "（盖章）", "发布日期：" + d.PublishedOn, "见证方：浏阳市农业农村局见证节点、witness.example.org"} {
			if !strings.Contains(flat, flatten(w)) {
				t.Errorf("%s: no %q", orient, w)
			}
		}
		lines := strings.Split(text, "\n")
		for _, l := range strings.Split(testCheckpoint, "\n") {
			for _, word := range strings.Fields(l) {
				if len(word) < 40 {
					continue
				}
				found := false
				for _, pl := range lines {
					found = found || strings.Contains(pl, word)
				}
				if !found {
					t.Errorf("%s: %q is broken across lines", orient, word)
				}
			}
		}
	}
}
