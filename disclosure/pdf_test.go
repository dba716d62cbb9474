package disclosure_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/disclosure"
)

const testCheckpoint = "ledger.test/log/430181117\n1234\nZffD4LFJxNzDl7sT/A0VzT4x5+vxNdTBfqmm2zsgkoo=\n\n" +
	"— ledger.test/log/430181117 Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWGNvL1gYcVcgk=\n"

// doc is a 资金发放结果公告 of n rows.
func doc(n int) disclosure.Document {
	d := disclosure.Document{Type: "资金发放结果公告", Title: "田坪村2026年2月资金发放结果公告", Number: "镇头公〔2026〕12号",
		Code: "430181117-2026-0012", Unit: "田坪村村民委员会", Body: []string{"现将本村本月已发放的补助资金情况予以公告，接受群众监督。"},
		Fields: []disclosure.Field{{Label: "资金名称", Value: "中央财政衔接推进乡村振兴补助资金"}},
		Columns: []disclosure.Column{{Title: "姓名", Width: 1.5}, {Title: "村民小组", Width: 1.5}, {Title: "户人口数", Width: 1, Right: true},
			{Title: "补助项目", Width: 3}, {Title: "发放金额（元）", Width: 1.8, Right: true}, {Title: "发放日期", Width: 2}},
		Closing:     []string{"每行末尾的“账本序号”是该笔记录在阳光账本中的序号。"},
		PublishedOn: "2026-03-01", EndsOn: "2026-03-10", Phones: []string{"0731-83000000", "12317"}, Address: "镇头镇人民政府", Email: "zt@example.cn",
		Checkpoint: testCheckpoint, VerifyURL: "http://ledger.test/verify?notice=430181117-2026-0012&n=1234&r=ZffD4LFJxNzDl7sT_A0VzT4x5-vxNdTBfqmm2zsgkoo",
		Attachment: []byte(`{"notice":"430181117-2026-0012","rows":[{"seq":100,"leaf_hash":"x"}]}`), CreatedAt: "2026-03-01T00:00:00+08:00"}
	names := []string{"欧**华", "司**菊", "张*", "诸**梅"}
	for i := range n {
		d.Rows = append(d.Rows, disclosure.Row{Cells: []string{names[i%len(names)], fmt.Sprintf("%d组", i%9+1), fmt.Sprint(i%6 + 1),
			"教育资助（雨露计划、“两后生”培训补助）", fmt.Sprintf("%d,%03d.%02d", 1+i%9, i%1000, i%100), "2026-02-15"}, Seq: int64(100 + i)})
	}
	d.Totals = []string{"合计", "", "", fmt.Sprintf("%d 笔", n), "123,456.78", ""}
	return d
}

func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing (poppler-utils)")
		}
		t.Skip("pdftotext not installed")
	}
	f := filepath.Join(t.TempDir(), "n.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

var ws = regexp.MustCompile(`\s+`)

// TestRenderPDF: the text comes back out of the PDF (title, number, fields,
// every row's cells and seq, the page marks, the checkpoint verbatim, the
// header on every page); the bytes are the same twice; the attachments come
// back exactly.
func TestRenderPDF(t *testing.T) {
	d := doc(1200)
	pdf, err := disclosure.RenderPDF(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	again, err := disclosure.RenderPDF(d)
	if err != nil || !bytes.Equal(pdf, again) {
		t.Fatal("two renders differ")
	}
	text := pdftotext(t, pdf)
	pages := strings.Split(text, "\f")
	if len(pages) < 3 {
		t.Fatalf("%d pages", len(pages))
	}
	n := strings.Count(text, "第 ")
	for i, p := range pages[:len(pages)-1] {
		if !strings.Contains(p, fmt.Sprintf("第 %d 页 共 %d 页", i+1, len(pages)-1)) {
			t.Errorf("page %d lacks its page mark", i+1)
		}
		if !strings.Contains(p, "发放金额（元）") || !strings.Contains(p, "账本序号") {
			t.Errorf("page %d lacks the table header", i+1)
		}
	}
	_ = n
	flat := ws.ReplaceAllString(text, "")
	want := []string{d.Title, d.Number, d.Fields[0].Value, "合计", "123,456.78", "公示截止日期：2026-03-10", "0731-83000000、12317", "扫码核验"}
	for _, r := range d.Rows {
		want = append(want, r.Cells...)
		want = append(want, fmt.Sprint(r.Seq))
	}
	for _, l := range strings.Split(testCheckpoint, "\n") {
		want = append(want, l)
	}
	for _, w := range want {
		if !strings.Contains(flat, ws.ReplaceAllString(w, "")) {
			t.Errorf("pdftotext lacks %q", w)
		}
	}
	for name, content := range map[string][]byte{"rows.json": d.Attachment, "checkpoint.txt": []byte(testCheckpoint)} {
		got, err := disclosure.ExtractAttachment(pdf, name)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("attachment %s: %v %q", name, err, got)
		}
	}
	if _, err := disclosure.ExtractAttachment(pdf, "other.txt"); err == nil {
		t.Error("a missing attachment was found")
	}
	if art := os.Getenv("SUNSHINE_ARTIFACTS"); art != "" {
		f := filepath.Join(art, "render-test.pdf")
		_ = os.WriteFile(f, pdf, 0o644)
		if out, err := exec.Command("pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", f, filepath.Join(art, "render-test")).CombinedOutput(); err != nil {
			t.Errorf("pdftoppm: %v %s", err, out)
		}
	}
}

// TestGlyphCoverage: every rune the renderer draws has a glyph in the
// embedded font (checked with golang.org/x/image/font/sfnt), and the check
// finds the runes it lacks.
func TestGlyphCoverage(t *testing.T) {
	d := doc(50)
	all := append([]string{d.Title, d.Number, d.Unit, d.Checkpoint, d.VerifyURL, "¥１２３，。、；：？！“”‘’（）《》〔〕【】—…·"}, disclosure.FixedLabels...)
	for _, r := range d.Rows {
		all = append(all, r.Cells...)
	}
	for _, s := range all {
		if r, missing := disclosure.MissingGlyph(s); missing {
			t.Errorf("no glyph for %q (U+%04X) in %q", r, r, s)
		}
	}
	for _, s := range []string{"张", "¥", "，", "A", "7", "〔", "镇头镇", "彧", "堃"} {
		if r, missing := disclosure.MissingGlyph(s); missing {
			t.Errorf("%q reported missing (%q)", s, r)
		}
	}
	for _, s := range []string{"😀", "\uE000", "𠀀𪚥"} {
		if _, missing := disclosure.MissingGlyph(s); !missing {
			t.Errorf("%q reported drawable", s)
		}
	}
	bad := doc(1)
	bad.Rows[0].Cells[0] = "王😀"
	if _, err := disclosure.RenderPDF(bad); err == nil || !strings.Contains(err.Error(), "cannot draw") {
		t.Errorf("a row the font cannot draw rendered: %v", err)
	}
}

// BenchmarkRenderPDF1000 renders a 1,000-row 资金发放结果公告 (goal ≤ 1 s and
// ≤ 500 KB) and reports rows/s and the size.
func BenchmarkRenderPDF1000(b *testing.B) {
	d := doc(1000)
	var size int
	for b.Loop() {
		pdf, err := disclosure.RenderPDF(d)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(len(d.Rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(size)/1024, "KB")
}

// TestRenderAggregate: an aggregate notice (every Seq -1) prints no seq
// column, and the checkpoint comes back with ExtractCheckpoint.
func TestRenderAggregate(t *testing.T) {
	d := doc(3)
	d.Type, d.Title = "季度资金使用情况", "田坪村2026年第1季度资金使用情况公示"
	d.Closing = nil
	for i := range d.Rows {
		d.Rows[i].Seq = -1
	}
	pdf, err := disclosure.RenderPDF(d)
	if err != nil {
		t.Fatal(err)
	}
	if cp, err := disclosure.ExtractCheckpoint(pdf); err != nil || cp != testCheckpoint {
		t.Errorf("checkpoint: %v %q", err, cp)
	}
	text := pdftotext(t, pdf)
	if strings.Contains(text, "账本序号") {
		t.Error("an aggregate notice prints a seq column")
	}
	if !strings.Contains(ws.ReplaceAllString(text, ""), ws.ReplaceAllString(d.Title, "")) {
		t.Error("title missing")
	}
}
