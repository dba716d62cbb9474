package disclosure

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Publisher publishes notices in the four steps of DOMAIN.md §6: sign a
// fresh checkpoint covering every row's entry, render the PDF with it, store
// the PDF bytes and append notice_published, and from then on serve the
// stored bytes (never re-rendered).
type Publisher struct {
	Svc *ledger.Service
	// PublicURL is SUNSHINE_PUBLIC_URL, printed in QR codes.
	PublicURL string
}

// Stored is what is kept beside a published notice's PDF: the content the
// PDF and the page were drawn from, the printed checkpoint (with the
// cosignature lines of the witnesses that vouched for it), their names as
// printed, and the rows' leaf hashes. The page and the public JSON are
// drawn from it, so they say what the paper says.
type Stored struct {
	Content    ledger.NoticeContent `json:"content"`
	Checkpoint string               `json:"checkpoint"`
	Witnesses  []string             `json:"witnesses,omitempty"`
	VerifyURL  string               `json:"verify_url"`
	Rows       []RowLeaf            `json:"rows"`
}

// RowLeaf is a row's entry and its RFC 6962 leaf hash (standard base64).
type RowLeaf struct {
	Seq      int64  `json:"seq"`
	LeafHash string `json:"leaf_hash"`
}

// Attachment is the rows.json embedded in every PDF: enough for
// `sunshine verify-notice` to check the paper against the ledger.
type Attachment struct {
	Notice         string    `json:"notice"`
	Number         string    `json:"number"`
	VerifyURL      string    `json:"verify_url"`
	CheckpointSize int64     `json:"checkpoint_size"`
	Rows           []RowLeaf `json:"rows"`
	// Only in a board copy (张贴版): its edition and the notice's board
	// secret (see boardDocument).
	Edition    string `json:"edition,omitempty"`
	BoardNonce string `json:"board_nonce,omitempty"`
}

// Published is the outcome of a publish.
type Published struct {
	Notice     ledger.Notice
	EntrySeq   int64
	Checkpoint ledger.Checkpoint
	// Note is the checkpoint as printed: the log's signed note and the
	// cosignature lines of Witnesses (their human names), the witnesses
	// that vouched for it when it was published.
	Note      []byte
	Witnesses []string
	PDFSHA256 string
}

// WitnessWait is how long publishing waits for the witnesses to cosign the
// checkpoint a notice prints. A witness that has not answered by then is
// left off the paper (the notice is published all the same: its dates are
// fixed by law); the verify page still requires today's checkpoint to be
// witnessed.
const WitnessWait = 15 * time.Second

// VerifyURL is what a notice's QR code encodes.
func VerifyURL(base, code string, size int64, root []byte) string {
	return strings.TrimRight(base, "/") + "/verify?notice=" + url.QueryEscape(code) + "&n=" + fmt.Sprint(size) +
		"&r=" + base64.RawURLEncoding.EncodeToString(root)
}

// Publish publishes a draft. It returns missing_required_fields naming what
// the draft lacks, conflict when it is not a draft, or the store's errors.
func (p *Publisher) Publish(ctx context.Context, lg ledger.Log, actor string, id int64, idem *ledger.Idem) (Published, error) {
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		out, err := p.publishOnce(ctx, lg, actor, id, idem)
		if !errors.Is(err, ledger.ErrNoticeCodeTaken) {
			return out, err
		}
		last = err // another publish took the serial: plan again
	}
	return Published{}, last
}

func (p *Publisher) publishOnce(ctx context.Context, lg ledger.Log, actor string, id int64, idem *ledger.Idem) (Published, error) {
	plan, err := p.Svc.PlanPublish(ctx, lg, id)
	if err != nil {
		return Published{}, err
	}
	// (1) a fresh checkpoint covering every row's entry, with the
	// cosignatures of the witnesses (if any) that vouch for it
	cp, err := p.Svc.L.SignCheckpoint(ctx, lg)
	if err != nil {
		return Published{}, err
	}
	wc, err := p.Svc.L.CosignedCheckpoint(ctx, lg, cp, WitnessWait)
	if err != nil {
		return Published{}, err
	}
	var names []string
	if wc.Status != nil {
		names = wc.Status.VouchedLabels()
	}
	var seqs []int64
	for _, r := range plan.Content.Rows {
		if r.Seq >= 0 {
			if r.Seq >= cp.Size {
				return Published{}, fmt.Errorf("row seq %d outside checkpoint size %d", r.Seq, cp.Size)
			}
			seqs = append(seqs, r.Seq)
		}
	}
	seqs = uniqueSorted(seqs)
	hashes, err := p.Svc.L.LeafHashes(ctx, lg, seqs)
	if err != nil {
		return Published{}, err
	}
	rows := make([]RowLeaf, len(seqs))
	for i, s := range seqs {
		rows[i] = RowLeaf{Seq: s, LeafHash: base64.StdEncoding.EncodeToString(hashes[i][:])}
	}
	n := plan.Notice
	c := plan.Content
	vurl := VerifyURL(p.PublicURL, n.Code, cp.Size, cp.Root[:])
	att, err := json.Marshal(Attachment{Notice: n.Code, Number: n.Number, VerifyURL: vurl, CheckpointSize: cp.Size, Rows: rows})
	if err != nil {
		return Published{}, err
	}
	// (2) render with it
	doc := DocumentOf(c, string(wc.Note), vurl, att)
	doc.Witnesses = names
	pdf, err := RenderPDF(doc)
	if err != nil {
		return Published{}, fmt.Errorf("render notice %s: %w", n.Code, err)
	}
	stored, err := json.Marshal(Stored{Content: c, Checkpoint: string(wc.Note), Witnesses: names, VerifyURL: vurl, Rows: rows})
	if err != nil {
		return Published{}, err
	}
	// the board copy (张贴版) of a notice that lists people: rendered from
	// the stored content as BoardPDF will render it, so that its SHA-256
	// goes into notice_published and the verify page knows either copy
	var board []byte
	if ledger.BoardNameColumn(c.Type) >= 0 && len(c.Rows) > 0 {
		if board, err = p.boardCopy(ctx, lg, n, cp.Size, stored); err != nil {
			return Published{}, fmt.Errorf("board copy of %s: %w", n.Code, err)
		}
	}
	// (3) store the bytes and append notice_published
	pub, seq, err := p.Svc.CommitPublish(ctx, lg, actor, ledger.PublishInput{Plan: plan, PDF: pdf, Content: stored, CheckpointSize: cp.Size,
		BoardPDF: board}, idem)
	if err != nil {
		return Published{}, err
	}
	return Published{Notice: pub, EntrySeq: seq, Checkpoint: cp, Note: wc.Note, Witnesses: names, PDFSHA256: pub.PDFSHA256}, nil
}

// DocumentOf is the printed form of a notice's content. Without an
// attachment (the rows.json every published notice embeds) it is a
// preview: 草稿 across every page.
func DocumentOf(c ledger.NoticeContent, checkpoint, verifyURL string, attachment []byte) Document {
	d := Document{Draft: attachment == nil, Type: c.Type, Title: c.Title, Number: c.Number, Code: c.Code, Unit: c.Unit, Body: c.Body, Closing: c.Closing,
		Totals: c.Totals, PublishedOn: c.PublishedOn, EndsOn: c.EndsOn, Phones: c.Phones, Address: c.Address, Email: c.Email,
		Checkpoint: checkpoint, VerifyURL: verifyURL, Attachment: attachment, CreatedAt: c.PublishedOn + "T00:00:00+08:00"}
	for _, f := range c.Fields {
		if f.Key == "number" {
			continue // printed under the title
		}
		d.Fields = append(d.Fields, Field{Label: f.Label, Value: f.Value})
	}
	for _, col := range c.Columns {
		d.Columns = append(d.Columns, Column{Title: col.Title, Width: col.Width, Right: col.Right})
	}
	for _, r := range c.Rows {
		d.Rows = append(d.Rows, Row{Cells: r.Cells, Seq: r.Seq})
	}
	return d
}

func uniqueSorted(s []int64) []int64 {
	slices.Sort(s)
	return slices.Compact(s)
}

// LoadStored returns what was stored beside a published notice.
func LoadStored(ctx context.Context, svc *ledger.Service, lg ledger.Log, n ledger.Notice) (Stored, error) {
	var s Stored
	b, err := svc.NoticeBlob(ctx, lg, n.ContentSHA256)
	if err != nil {
		return s, err
	}
	err = json.Unmarshal(b, &s)
	return s, err
}

// boardCopy renders the board copy of a notice being published from the
// content bytes it stores.
func (p *Publisher) boardCopy(ctx context.Context, lg ledger.Log, n ledger.Notice, size int64, stored []byte) ([]byte, error) {
	var st Stored
	if err := json.Unmarshal(stored, &st); err != nil {
		return nil, err
	}
	names, err := p.Svc.BoardNames(ctx, lg, n)
	if err != nil {
		return nil, err
	}
	n.CheckpointSize = size
	d, err := boardDocument(n, st, names, p.Svc.BoardNonce(lg, n.Code))
	if err != nil {
		return nil, err
	}
	return RenderPDF(d)
}
