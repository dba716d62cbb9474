package disclosure

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Source is where a verifier gets what the ledger says today: the latest
// signed checkpoint (with the witnesses' cosignature lines), entries and
// proofs. The verify page reads the service's
// own ledger; `sunshine verify-notice` fetches them over HTTP once or reads a
// saved bundle. Nothing a Source says is trusted: every answer is checked
// against the verifier key, the printed checkpoint or a hash.
type Source interface {
	// Latest returns the latest signed checkpoint note, followed by the
	// cosignature lines the service keeps for it (as
	// /api/public/checkpoint serves it).
	Latest(ctx context.Context) ([]byte, error)
	// Entry returns an entry: E for a public one, or withheld=true and its
	// leaf hash for a withheld one.
	Entry(ctx context.Context, seq int64) (body []byte, withheld bool, leaf tlog.Hash, err error)
	// Inclusion and Consistency return tlog.ProveRecord / tlog.ProveTree.
	Inclusion(ctx context.Context, index, size int64) (tlog.RecordProof, error)
	Consistency(ctx context.Context, old, new int64) (tlog.TreeProof, error)
}

// Claim is what is being verified: a printed checkpoint (the full note, or
// only the n and r of a QR code), the rows the paper lists, and optionally
// the PDF's bytes with the seq of its notice_published entry.
type Claim struct {
	Notice     string    // code
	Checkpoint []byte    // the printed note; nil when only Size/Root are known (QR)
	Size       int64     // n
	Root       tlog.Hash // r
	Rows       []RowLeaf // leaf hashes as printed (attachment); "" to take them from the entry
	PDF        []byte    // the uploaded file, if any
	PublishSeq int64     // the notice_published entry that names the PDF's SHA-256 (-1: unknown)
}

// Check is one verification step, worded for the public.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Trust is what a verification trusts: the town's verifier key and the
// witnesses that must vouch for today's checkpoint (Quorum of them; 0: all).
// Without witnesses, the town's signature alone is checked, as before
// witnesses existed.
type Trust struct {
	Key       string
	Witnesses []ledger.Witness
	Quorum    int
}

// Report is the outcome of a verification: OK only when every check passed.
type Report struct {
	OK         bool    `json:"ok"`
	Notice     string  `json:"notice,omitempty"`
	Size       int64   `json:"size"`
	Root       string  `json:"root"`
	LatestSize int64   `json:"latest_size"`
	Checks     []Check `json:"checks"`
	// Origin and LatestRoot name today's checkpoint once its signature
	// verified (LatestRoot standard base64; "" otherwise): what the verify
	// page's script remembers on the phone.
	Origin     string `json:"origin,omitempty"`
	LatestRoot string `json:"latest_root,omitempty"`
	// Witnesses says which of the trusted witnesses vouched for today's
	// checkpoint (nil: none are configured, or it was not reached).
	Witnesses *WitnessReport `json:"witnesses,omitempty"`
	// RowOK is each checked row's result by its seq (the page marks the
	// rows of the notice with it); a row not in it was not checked.
	RowOK map[int64]bool `json:"-"`
	// Stopped: the verification ran out of its time budget and stopped.
	Stopped bool `json:"stopped,omitempty"`
	// Edition names which copy an uploaded PDF is: 网络版 (the web copy,
	// the stored bytes) or 张贴版 (the board copy); "" when no PDF was
	// given or it is neither.
	Edition string `json:"edition,omitempty"`
}

// WitnessReport is who vouched for today's checkpoint, by human name.
type WitnessReport struct {
	Quorum  int      `json:"quorum"`
	Vouched []string `json:"vouched"`
	Missing []string `json:"missing"`
}

// OK reports whether the quorum vouched.
func (w *WitnessReport) OK() bool { return len(w.Vouched) >= w.Quorum }

// Summary says it in the page's words: 已由 A、B 见证；未获 C 见证.
func (w *WitnessReport) Summary() string {
	var parts []string
	if len(w.Vouched) > 0 {
		parts = append(parts, "已由 "+joinNames(w.Vouched)+" 见证")
	}
	if len(w.Missing) > 0 {
		parts = append(parts, "未获 "+joinNames(w.Missing)+" 见证")
	}
	return strings.Join(parts, "；")
}

func (r *Report) add(name string, ok bool, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
	if !ok {
		r.OK = false
	}
}

// ParseRoot decodes a root from a QR URL (base64url, padded or not) or a
// checkpoint (standard base64).
func ParseRoot(s string) (tlog.Hash, error) {
	var h tlog.Hash
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == tlog.HashSize {
			copy(h[:], b)
			return h, nil
		}
	}
	return h, fmt.Errorf("bad root hash")
}

// Verify checks a claim with only the trusted keys and what src says:
//  1. the printed checkpoint's signature (when the full note is given), and
//     the cosignatures printed under it of the trusted witnesses;
//  2. today's checkpoint's signature and, with witnesses, that a quorum of
//     them cosigned it (so that it is the one tree everybody is shown: not
//     a rewrite, nor a second version kept for this reader); then that the
//     tree of the printed size and root is a prefix of today's tree
//     (consistency proved from the printed n and r, never from a copy the
//     server keeps);
//  3. each row's leaf is in the printed tree (inclusion);
//  4. for an uploaded PDF, that its SHA-256 is the one the ledger recorded
//     when the notice was published.
//
// A context that ends (the page's time budget) stops the work where it is;
// the report is then not OK and says Stopped.
func Verify(ctx context.Context, src Source, t Trust, c Claim) (r Report) {
	vkey := t.Key
	r = Report{OK: true, Notice: c.Notice, Size: c.Size, Root: base64.StdEncoding.EncodeToString(c.Root[:])}
	defer func() {
		if ctx.Err() != nil && !r.Stopped {
			r.Stopped = true
			r.add("时间", false, "核验超时，已停止，请稍后再试")
		}
	}()
	if c.Checkpoint != nil {
		b, err := ledger.OpenCheckpoint(c.Checkpoint, vkey)
		if err != nil {
			r.add("签名", false, "公告上印的检查点签名无效，不是本镇账本签发的：%v", err)
			return r
		}
		r.add("签名", true, "公告上印的检查点由本镇账本密钥签名（%s）", b.Origin)
		if len(t.Witnesses) > 0 {
			printed := ledger.CheckCosignatures(c.Checkpoint, t.Witnesses, t.Quorum)
			if bad := invalidLabels(printed); len(bad) > 0 {
				r.add("印制时见证", false, "公告上印的 %s 联署签名无效：检查点或签名被改动过", joinNames(bad))
			} else if len(printed.Vouched) > 0 {
				r.add("印制时见证", true, "公告上印的检查点有 %s 的联署签名", joinNames(printed.VouchedLabels()))
			}
		}
		c.Size, c.Root = b.Size, b.Root
		r.Size, r.Root = b.Size, base64.StdEncoding.EncodeToString(b.Root[:])
	}
	if c.Size <= 0 {
		r.add("检查点", false, "没有可核验的检查点（树大小须大于 0）")
		return r
	}
	latestNote, err := src.Latest(ctx)
	if err != nil {
		r.add("今日检查点", false, "取不到今日检查点：%s", publicErr(err))
		return r
	}
	latest, err := ledger.OpenCheckpoint(latestNote, vkey)
	if err != nil {
		r.add("今日检查点", false, "今日检查点签名无效：%v", err)
		return r
	}
	r.LatestSize, r.Origin, r.LatestRoot = latest.Size, latest.Origin, base64.StdEncoding.EncodeToString(latest.Root[:])
	if len(t.Witnesses) > 0 {
		res := ledger.CheckCosignatures(latestNote, t.Witnesses, t.Quorum)
		w := &WitnessReport{Quorum: res.Quorum, Vouched: res.VouchedLabels(), Missing: res.MissingLabels()}
		r.Witnesses = w
		r.add("见证", w.OK(), "%s", witnessText(w))
	}
	switch {
	case latest.Size < c.Size:
		r.add("一致性", false, "今日账本（%d 条）比公告上印的（%d 条）还短：账本被改写过", latest.Size, c.Size)
	case latest.Size == c.Size:
		r.add("一致性", latest.Root == c.Root, "%s", consistencyText(latest.Root == c.Root, c.Size, latest.Size))
	default:
		p, err := src.Consistency(ctx, c.Size, latest.Size)
		ok := err == nil && tlog.CheckTree(p, latest.Size, latest.Root, c.Size, c.Root) == nil
		r.add("一致性", ok, "%s", consistencyText(ok, c.Size, latest.Size))
	}
	r.RowOK = make(map[int64]bool, len(c.Rows))
	for i, row := range c.Rows {
		if ctx.Err() != nil { // the time budget stops the work, not only the answer
			r.Stopped = true
			r.add("时间", false, "核验超时，已停止：核验了 %d 行中的 %d 行，请稍后再试", len(c.Rows), i)
			return r
		}
		r.RowOK[row.Seq] = false
		leaf, err := rowLeaf(ctx, src, row)
		if err != nil {
			r.add(fmt.Sprintf("第 %d 条", row.Seq), false, "账本序号 %d：%s", row.Seq, publicErr(err))
			continue
		}
		if row.Seq >= c.Size {
			r.add(fmt.Sprintf("第 %d 条", row.Seq), false, "账本序号 %d 不在公告所印的检查点（%d 条）之内", row.Seq, c.Size)
			continue
		}
		p, err := src.Inclusion(ctx, row.Seq, c.Size)
		ok := err == nil && tlog.CheckRecord(p, c.Size, c.Root, row.Seq, leaf) == nil
		r.RowOK[row.Seq] = ok
		if ok {
			r.add(fmt.Sprintf("第 %d 条", row.Seq), true, "账本序号 %d 的记录在账本中，未被改动", row.Seq)
		} else {
			r.add(fmt.Sprintf("第 %d 条", row.Seq), false, "账本序号 %d 的记录与账本不符（不在所印检查点的账本中，或已被改动）", row.Seq)
		}
	}
	if c.PDF != nil {
		sum := sha256.Sum256(c.PDF)
		got := hex.EncodeToString(sum[:])
		want, board, err := publishedSHA(ctx, src, c.PublishSeq)
		switch {
		case err != nil:
			r.add("PDF 文件", false, "找不到该公告的发布记录：%s", publicErr(err))
		case want == got:
			r.Edition = EditionWeb
			r.add("PDF 文件", true, "PDF 文件是本公告的网络版，与发布时登记的完全一致（SHA-256 %s…）", got[:12])
		case board != "" && board == got:
			r.Edition = EditionBoard
			r.add("PDF 文件", true, "PDF 文件是本公告的张贴版（姓名完整，行、账本序号与检查点与网络版相同），与发布时登记的完全一致（SHA-256 %s…）", got[:12])
		case board != "":
			r.add("PDF 文件", false, "PDF 文件与账本登记的网络版和张贴版都不一致（SHA-256 %s…，登记的是 %s… 和 %s…）：文件可能被修改过", got[:12], want[:min(12, len(want))], board[:min(12, len(board))])
		default:
			r.add("PDF 文件", false, "PDF 文件与账本登记的不一致（SHA-256 %s…，登记的是 %s…）：文件可能被修改过", got[:12], want[:min(12, len(want))])
		}
	}
	return r
}

// witnessText says who vouched for today's checkpoint, in plain words.
func witnessText(w *WitnessReport) string {
	s := "今日检查点" + w.Summary()
	if w.OK() {
		return s + fmt.Sprintf("（须 %d 方见证，已满足）", w.Quorum)
	}
	return s + fmt.Sprintf("：须 %d 方见证，只有 %d 方。见证方只联署与它们以前所见一致的账本，所以账本可能被改写过，或您看到的与别人看到的不是同一本账；也可能是见证方暂时联系不上。请稍后再试，仍不通过请拨打监督电话反映", w.Quorum, len(w.Vouched))
}

// joinNames joins names the Chinese way (、), as the paper prints them.
func joinNames(names []string) string { return strings.Join(names, "、") }

// invalidLabels are the witnesses whose cosignature is there but invalid.
func invalidLabels(res ledger.CosignResult) []string {
	var out []string
	for _, m := range res.Missing {
		if m.Invalid {
			out = append(out, m.Witness.Label)
		}
	}
	return out
}

func consistencyText(ok bool, old, now int64) string {
	if ok {
		return fmt.Sprintf("今日账本（%d 条）包含公告所印检查点（%d 条）的全部记录，历史未被改写", now, old)
	}
	return fmt.Sprintf("今日账本（%d 条）与公告所印检查点（%d 条）不一致：历史被改写过，或公告不是本账本的", now, old)
}

// rowLeaf returns the leaf hash of a row: as printed, checked against the
// entry when the entry is public, or computed from the entry.
func rowLeaf(ctx context.Context, src Source, row RowLeaf) (tlog.Hash, error) {
	body, withheld, leaf, err := src.Entry(ctx, row.Seq)
	if err != nil {
		return tlog.Hash{}, ledger.Errorf(ledger.CodeNotFound, "取不到该记录")
	}
	if !withheld {
		leaf = tlog.RecordHash(body)
	}
	if row.LeafHash != "" {
		printed, err := ParseRoot(row.LeafHash)
		if err != nil {
			return tlog.Hash{}, ledger.Errorf(ledger.CodeValidationFailed, "公告附件中的哈希无法识别")
		}
		if printed != leaf {
			return tlog.Hash{}, ledger.Errorf(ledger.CodeTampered, "公告附件中的哈希与账本记录不一致")
		}
	}
	return leaf, nil
}

// publishedSHA returns the pdf_sha256 of a notice_published entry (the
// web copy) and its board_pdf_sha256 (the board copy; "" when the notice
// lists no one or was published before board copies were recorded).
func publishedSHA(ctx context.Context, src Source, seq int64) (web, board string, err error) {
	if seq < 0 {
		return "", "", ledger.Errorf(ledger.CodeNotFound, "发布记录未知")
	}
	body, withheld, _, err := src.Entry(ctx, seq)
	if err != nil || withheld {
		return "", "", ledger.Errorf(ledger.CodeNotFound, "取不到发布记录")
	}
	var e struct {
		Type    string `json:"type"`
		Payload struct {
			PDF   string `json:"pdf_sha256"`
			Board string `json:"board_pdf_sha256"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Type != "notice_published" {
		return "", "", ledger.Errorf(ledger.CodeNotFound, "账本序号 %d 不是公告发布记录", seq)
	}
	return e.Payload.PDF, e.Payload.Board, nil
}

// LedgerSource answers from the service's own ledger (the verify page).
type LedgerSource struct {
	L  *ledger.Ledger
	Lg ledger.Log
}

// Latest signs a fresh checkpoint if the log grew (at most once a second)
// and returns it with the cosignatures of the witnesses that vouched for it
// (asking them first, a few seconds at most, when it is new).
//
// A log whose head this service's writers did not sign (rows an insider
// added, a rewritten tree) has no trustworthy "today": Latest then says so.
func (s LedgerSource) Latest(ctx context.Context) ([]byte, error) {
	if st, err := s.L.HeadSound(ctx, s.Lg); ledger.ErrorCode(err) == ledger.CodeTampered {
		return nil, ledger.Errorf(ledger.CodeTampered, "今日账本中有不是本服务写入的记录（序号 %d 起），账本可能被改动，请向镇纪委反映", st.Signed)
	} else if err != nil {
		return nil, err
	}
	wc, err := s.L.WitnessedCheckpoint(ctx, s.Lg)
	if err == nil {
		if prev, ok := s.L.WitnessedWhilePending(s.Lg, wc); ok {
			return prev.Note, nil // today's is still with its witnesses
		}
	}
	return wc.Note, err
}

// Entry returns E of a public entry, or the leaf hash of a withheld one.
func (s LedgerSource) Entry(ctx context.Context, seq int64) ([]byte, bool, tlog.Hash, error) {
	e, err := s.L.Store().Entry(ctx, s.Lg.ID, seq)
	if err != nil {
		return nil, false, tlog.Hash{}, err
	}
	if ledger.IsPublic(e.Type) {
		return e.Body, false, tlog.Hash{}, nil
	}
	return nil, true, tlog.RecordHash(e.Body), nil
}

func (s LedgerSource) Inclusion(ctx context.Context, index, size int64) (tlog.RecordProof, error) {
	return s.L.ProveInclusion(ctx, s.Lg, index, size)
}

func (s LedgerSource) Consistency(ctx context.Context, old, new int64) (tlog.TreeProof, error) {
	return s.L.ProveConsistency(ctx, s.Lg, old, new)
}

// publicErr is an error as the verify page shows it: a ledger error's
// Chinese detail, or, for anything else (a store's own words, in English,
// naming tables and indexes), one Chinese sentence; the error itself goes
// to the log.
func publicErr(err error) string {
	var le *ledger.Error
	if errors.As(err, &le) && le.Detail != "" {
		return le.Detail
	}
	slog.Warn("verify page", "err", err)
	return "账本数据不完整或已被改动，无法取得"
}
