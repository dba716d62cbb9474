package disclosure

import (
	"context"
	"encoding/json"
	"fmt"
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
// copy; nothing else the web copy masks is shown.
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
	c := st.Content
	if len(c.Rows) == 0 || col >= len(c.Columns) {
		return nil, ledger.Errorf(ledger.CodeValidationFailed, "该公告没有可张贴的名单")
	}
	names, err := svc.PrintBoardCopy(ctx, lg, actor, n)
	if err != nil {
		return nil, err
	}
	if len(names) != len(c.Rows) {
		return nil, fmt.Errorf("board copy of %s: %d names for %d rows", n.Code, len(names), len(c.Rows))
	}
	c.Rows = slices.Clone(c.Rows)
	for i := range c.Rows {
		cells := slices.Clone(c.Rows[i].Cells)
		if cells[col] != ledger.MaskName(names[i]) && cells[col] != names[i] {
			return nil, fmt.Errorf("board copy of %s: row %d names someone else than the web copy", n.Code, i)
		}
		cells[col] = names[i]
		c.Rows[i].Cells = cells
	}
	att, err := json.Marshal(Attachment{Notice: n.Code, Number: n.Number, VerifyURL: st.VerifyURL, CheckpointSize: n.CheckpointSize, Rows: st.Rows})
	if err != nil {
		return nil, err
	}
	d := DocumentOf(c, st.Checkpoint, st.VerifyURL, att)
	d.Edition = EditionBoard
	return RenderPDF(d)
}
