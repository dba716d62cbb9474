package api_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestVerifyPageBoardCopy (issue 16): the public verify page knows both
// copies of a notice that lists people. An uploaded board copy (张贴版)
// passes and is named 张贴版, the web copy is named 网络版, and a board
// copy altered by one byte fails on its SHA-256, naming both recorded
// hashes.
func TestVerifyPageBoardCopy(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	p := e.publish(e.draft(map[string]any{"type": ledger.NoticeLoans, "village": village1, "period": "2026-02"}))
	board := e.call("GET", "/api/v1/notices/"+p.Code+"/board.pdf", "finance", nil)
	if board.status != 200 {
		t.Fatalf("board copy: %s", board)
	}
	web := e.call("GET", "/notices/"+p.Code+".pdf", "none", nil)
	if bytes.Equal(board.body, web.body) {
		t.Fatal("the board copy is the web copy")
	}
	page := e.postFile("/verify", "pdf", "board.pdf", board.body)
	if !strings.Contains(page, "✔ 核验通过") || !strings.Contains(page, "PDF 文件是本公告的张贴版") {
		t.Fatalf("the board copy uploaded: %.1500s", page)
	}
	page = e.postFile("/verify", "pdf", "web.pdf", web.body)
	if !strings.Contains(page, "✔ 核验通过") || !strings.Contains(page, "PDF 文件是本公告的网络版") {
		t.Fatalf("the web copy uploaded: %.1500s", page)
	}
	// the same board copy printed again is the same file
	again := e.call("GET", "/api/v1/notices/"+p.Code+"/board.pdf", "admin", nil)
	if !bytes.Equal(again.body, board.body) {
		t.Fatal("a second print of the board copy differs from the first")
	}
	altered := bytes.Clone(board.body)
	i := bytes.Index(altered, []byte("(Sunshine Ledger)"))
	if i < 0 {
		t.Fatal("no producer in the PDF")
	}
	altered[i+15] = 'x'
	page = e.postFile("/verify", "pdf", "board.pdf", altered)
	if !strings.Contains(page, "核验未通过") || !strings.Contains(page, "网络版和张贴版都不一致") {
		t.Fatalf("an altered board copy: %.1500s", page)
	}
	n, err := e.svc.NoticeByCode(context.Background(), e.lg, p.Code)
	if err != nil || n.BoardPDFSHA256 == "" || n.BoardPDFSHA256 == n.PDFSHA256 {
		t.Fatalf("notice_published records no board copy: %v %+v", err, n)
	}
}
