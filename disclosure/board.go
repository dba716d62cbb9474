package disclosure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Editions of a notice that lists people (DOMAIN.md §6): the web copy
// (网络版) is the stored PDF, names masked; the board copy (张贴版) is
// printed for the village board with the names in full.
const (
	EditionBoard = "张贴版"
	EditionWeb   = "网络版"
)

// BoardPDF renders the board copy (张贴版) of a published notice for actor
// and records the print (ledger.Service.PrintBoardCopy: a withheld entry).
// It is the stored content with only the name column in full: the same
// rows and seqs, the same checkpoint, QR code and rows.json as the web
// copy (plus the board copy's secret, see boardDocument); nothing else the
// web copy masks is shown. Its bytes are those whose SHA-256 the notice's
// notice_published entry recorded, so the verify page knows it.
func BoardPDF(ctx context.Context, svc *ledger.Service, lg ledger.Log, actor string, n ledger.Notice) ([]byte, error) {
	st, err := LoadStored(ctx, svc, lg, n)
	if err != nil {
		return nil, err
	}
	col := ledger.BoardNameColumn(n.Type)
	if col < 0 || n.Status != ledger.NoticePublished {
		_, err := svc.PrintBoardCopy(ctx, lg, actor, n) // its refusal, with a reason
		return nil, err
	}
	if len(st.Content.Rows) == 0 || col >= len(st.Content.Columns) {
		return nil, ledger.Errorf(ledger.CodeValidationFailed, "该公告没有可张贴的名单")
	}
	names, err := svc.PrintBoardCopy(ctx, lg, actor, n)
	if err != nil {
		return nil, err
	}
	d, err := boardDocument(n, st, names, svc.BoardNonce(lg, n.Code))
	if err != nil {
		return nil, err
	}
	pdf, err := RenderPDF(d)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(pdf); n.BoardPDFSHA256 != "" && hex.EncodeToString(sum[:]) != n.BoardPDFSHA256 {
		// a name erased or changed since, or another renderer: this print
		// will not verify as the board copy
		slog.Warn("board copy differs from the one recorded at publish", "notice", n.Code)
	}
	return pdf, nil
}

// boardDocument is the board copy of a notice's stored content: the name
// column in full, 张贴版 boxed on page 1, and in its rows.json the same
// rows plus the edition and the notice's board secret (nonce), which makes
// its bytes, and so the SHA-256 notice_published records, unguessable
// without the file.
func boardDocument(n ledger.Notice, st Stored, names []string, nonce string) (Document, error) {
	col := ledger.BoardNameColumn(n.Type)
	c := st.Content
	if len(names) != len(c.Rows) {
		return Document{}, fmt.Errorf("board copy of %s: %d names for %d rows", n.Code, len(names), len(c.Rows))
	}
	c.Rows = slices.Clone(c.Rows)
	for i := range c.Rows {
		cells := slices.Clone(c.Rows[i].Cells)
		if cells[col] != ledger.MaskName(names[i]) && cells[col] != names[i] {
			return Document{}, fmt.Errorf("board copy of %s: row %d names someone else than the web copy", n.Code, i)
		}
		cells[col] = names[i]
		c.Rows[i].Cells = cells
	}
	att, err := json.Marshal(Attachment{Notice: n.Code, Number: n.Number, VerifyURL: st.VerifyURL, CheckpointSize: n.CheckpointSize, Rows: st.Rows,
		Edition: EditionBoard, BoardNonce: nonce})
	if err != nil {
		return Document{}, err
	}
	d := DocumentOf(c, st.Checkpoint, st.VerifyURL, att)
	d.Witnesses = st.Witnesses
	d.Edition = EditionBoard
	return d, nil
}
