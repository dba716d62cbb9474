package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestVerifyNoticeBoardCopy (issue 16): verify-notice recognises the board
// copy (张贴版) of a notice as well as its web copy, from the SHA-256 its
// notice_published entry recorded, and says which copy it is.
func TestVerifyNoticeBoardCopy(t *testing.T) {
	ts, _, key, s, lg := publishedNotice(t)
	ctx := context.Background()
	ns, err := s.Notices(ctx, lg, ledger.NoticePublished, "", "")
	if err != nil || len(ns) != 1 {
		t.Fatalf("notices: %v %d", err, len(ns))
	}
	board, err := disclosure.BoardPDF(ctx, s, lg, "fin", ns[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "board.pdf")
	if err := os.WriteFile(file, board, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := runCmd(t, "verify-notice", file, "--server", ts.URL, "--public-key", key)
	if code != 0 || !strings.Contains(out, "核验通过") || !strings.Contains(out, "张贴版") {
		t.Fatalf("the board copy: exit %d\n%s", code, out)
	}
}
