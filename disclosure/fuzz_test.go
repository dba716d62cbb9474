package disclosure_test

import (
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/disclosure"
)

// FuzzClaimFromPDF: whatever PDF a visitor uploads to /verify (or passes to
// `sunshine verify-notice`), reading its embedded rows, checkpoint and
// attachments answers or errs, never panics or hangs; a claim it returns
// carries a checkpoint. Seeded with a rendered notice and mutilations.
func FuzzClaimFromPDF(f *testing.F) {
	pdf, err := disclosure.RenderPDF(doc(3))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pdf)
	f.Add(pdf[:len(pdf)/2])
	f.Add(pdf[len(pdf)/3:])
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /EmbeddedFile /Length 5 >> stream\nhello\nendstream endobj\n%%EOF"))
	f.Add([]byte("%PDF-1.4 (rows.json) (checkpoint.txt) stream\n\x78\x9c\x00endstream"))
	f.Fuzz(func(t *testing.T, pdf []byte) {
		c, err := disclosure.ClaimFromPDF(pdf)
		if err == nil && strings.TrimSpace(string(c.Checkpoint)) == "" {
			t.Fatalf("a claim without a checkpoint: %+v", c.Notice)
		}
		_, _ = disclosure.ExtractCheckpoint(pdf)
		_, _ = disclosure.ExtractAttachment(pdf, "rows.json")
		_, _ = disclosure.ParseRoot(string(pdf))
	})
}
