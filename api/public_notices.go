package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// PublicNoticeDTO is a published notice as the public sees it: masked,
// drawn from what was stored at publish.
type PublicNoticeDTO struct {
	Code           string                `json:"code"`
	Number         string                `json:"number"`
	Type           string                `json:"type"`
	Title          string                `json:"title"`
	Village        *string               `json:"village"`
	VillageName    string                `json:"village_name,omitempty"`
	Period         string                `json:"period"`
	Status         string                `json:"status"`
	PublishedOn    string                `json:"published_on"`
	EndsOn         string                `json:"ends_on"`
	PDFURL         string                `json:"pdf_url"`
	PDFSHA256      string                `json:"pdf_sha256"`
	EntrySeq       int64                 `json:"entry_seq"`
	CheckpointSize int64                 `json:"checkpoint_size"`
	Supersedes     string                `json:"supersedes,omitempty"`
	SupersededBy   string                `json:"superseded_by,omitempty"`
	WithdrawReason string                `json:"withdraw_reason,omitempty"`
	Content        *ledger.NoticeContent `json:"content,omitempty"`
	Checkpoint     string                `json:"checkpoint,omitempty"`
	VerifyURL      string                `json:"verify_url,omitempty"`
	Rows           []disclosure.RowLeaf  `json:"rows,omitempty"`
}

func publicNoticeDTO(n ledger.Notice, villageName string) PublicNoticeDTO {
	d := PublicNoticeDTO{Code: n.Code, Number: n.Number, Type: n.Type, Title: n.Title, VillageName: villageName, Period: n.Period,
		Status: n.Status, PublishedOn: n.PublishedOn, EndsOn: n.EndsOn, PDFURL: "/notices/" + n.Code + ".pdf", PDFSHA256: n.PDFSHA256,
		EntrySeq: n.PublishSeq, CheckpointSize: n.CheckpointSize, Supersedes: n.Supersedes, SupersededBy: n.SupersededBy,
		WithdrawReason: n.WithdrawReason}
	if n.Village != "" {
		v := n.Village
		d.Village = &v
	}
	return d
}

// publicNotices lists the published notices (every status but draft) of a
// village ("" for all), newest first.
func (s *Server) publicNotices(c *gin.Context, lg ledger.Log, village string) ([]ledger.Notice, map[string]string, bool) {
	ctx := c.Request.Context()
	vs, err := s.svc.Villages(ctx, lg)
	if err != nil {
		fail(c, err)
		return nil, nil, false
	}
	names := map[string]string{}
	for _, v := range vs {
		names[v.Code] = v.Name
		if village == v.Name {
			village = v.Code
		}
	}
	ns, err := s.svc.Notices(ctx, lg, "", village, "")
	if err != nil {
		fail(c, err)
		return nil, nil, false
	}
	out := ns[:0]
	for _, n := range ns {
		if n.Status != ledger.NoticeDraft {
			out = append(out, n)
		}
	}
	return out, names, true
}

// GET /api/public/notices?village=
func (s *Server) publicNoticeList(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	ns, names, ok := s.publicNotices(c, lg, c.Query("village"))
	if !ok {
		return
	}
	listOf(c, ns, nil, func(n ledger.Notice) PublicNoticeDTO { return publicNoticeDTO(n, names[n.Village]) })
}

// publishedNotice returns a published notice by code and what was stored
// with it.
func (s *Server) publishedNotice(c *gin.Context, lg ledger.Log, code string) (ledger.Notice, disclosure.Stored, bool) {
	n, err := s.svc.NoticeByCode(c.Request.Context(), lg, code)
	if err != nil {
		fail(c, err)
		return n, disclosure.Stored{}, false
	}
	st, err := disclosure.LoadStored(c.Request.Context(), s.svc, lg, n)
	if err != nil {
		fail(c, err)
		return n, st, false
	}
	return n, st, true
}

// GET /api/public/notices/:code: the notice with its content (masked, as
// printed), checkpoint and rows' leaf hashes.
func (s *Server) publicNotice(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	n, st, ok := s.publishedNotice(c, lg, c.Param("code"))
	if !ok {
		return
	}
	v, _ := s.villageName(c, lg, n.Village)
	d := publicNoticeDTO(n, v)
	d.Content, d.Checkpoint, d.VerifyURL, d.Rows = &st.Content, st.Checkpoint, st.VerifyURL, st.Rows
	c.JSON(http.StatusOK, d)
}

func (s *Server) villageName(c *gin.Context, lg ledger.Log, code string) (string, error) {
	if code == "" {
		return "", nil
	}
	vs, err := s.svc.Villages(c.Request.Context(), lg)
	for _, v := range vs {
		if v.Code == code {
			return v.Name, nil
		}
	}
	return code, err
}

type queryBody struct {
	Village  string `json:"village"`
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// SelfPaymentDTO is one payment of a self-query answer.
type SelfPaymentDTO struct {
	Seq     int64  `json:"seq"`
	PaidOn  string `json:"paid_on"`
	Item    string `json:"item"`
	Project string `json:"project"`
	Amount  string `json:"amount"`
	Status  string `json:"status"`
	Payee   string `json:"payee"`
	// Destination is where the money went (打入本人账户 ****1234 …; ""
	// when no account is recorded).
	Destination string `json:"destination,omitempty"`
	// Bank is the bank's confirmation (到账 / 退回 / 未见银行回单), once bank
	// return files are reconciled.
	Bank string `json:"bank,omitempty"`
}

// selfQuery runs a self-query within the limits. A refusal is a
// rate_limited error.
func (s *Server) selfQuery(c *gin.Context, lg ledger.Log, b queryBody) (ledger.SelfAnswer, error) {
	// The client's own limits come first: a flood from one address (or at
	// one name) uses up its own quota, never the global one that protects
	// the server for everyone else.
	// an IPv6 client by its /64: one subscriber holds all of it
	if !s.limits.perIP.take(clientKey(c.ClientIP())) {
		return ledger.SelfAnswer{}, ledger.Errorf(ledger.CodeRateLimited, "查询过于频繁，请稍后再试")
	}
	// A village is counted once whether it is given by code or by name
	// (SelfQuery takes either): else each spelling had its own 5 failures.
	village := strings.TrimSpace(b.Village)
	if v, err := s.svc.ResolveVillage(c.Request.Context(), lg, village); err == nil {
		village = v.Code
	}
	key := lg.Town + "\x00" + village + "\x00" + ledger.NormalizeName(b.Name)
	if s.limits.failures.blocked(key) {
		return ledger.SelfAnswer{}, ledger.Errorf(ledger.CodeRateLimited, "该姓名今日查询失败次数过多，请明天再试，或到村委会查询")
	}
	if !s.limits.perName.take(key) {
		return ledger.SelfAnswer{}, ledger.Errorf(ledger.CodeRateLimited, "该姓名查询过于频繁，请稍后再试")
	}
	if !s.limits.global.take("") {
		return ledger.SelfAnswer{}, ledger.Errorf(ledger.CodeRateLimited, "查询过于频繁，请稍后再试")
	}
	start := time.Now()
	ans, err := s.svc.SelfQuery(c.Request.Context(), lg, b.Village, b.Name, b.IDNumber)
	if err != nil || !ans.Matched {
		s.limits.failures.take(key)
	}
	// the same time for every answer: pad to a fixed floor
	if d := selfQueryFloor - time.Since(start); d > 0 {
		time.Sleep(d)
	}
	return ans, err
}

// selfQueryFloor is the least time a self-query answer takes, so that a
// known person without payments and an unknown one cannot be told apart by
// timing.
const selfQueryFloor = 100 * time.Millisecond

// POST /api/public/query {village, name, id_number} → the caller's own
// payments. "Unknown person" and "no payments" give the same answer.
func (s *Server) publicQuery(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	var b queryBody
	if !decodeBody(c, &b) {
		return
	}
	ans, err := s.selfQuery(c, lg, b)
	if err != nil {
		fail(c, err)
		return
	}
	out := gin.H{"payments": selfPayments(ans)}
	if len(ans.Payments) > 0 {
		out["name"], out["id_number"] = ans.Name, ans.IDNumber
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

func selfPayments(ans ledger.SelfAnswer) []SelfPaymentDTO {
	out := make([]SelfPaymentDTO, 0, len(ans.Payments))
	for _, p := range ans.Payments {
		out = append(out, SelfPaymentDTO{Seq: p.Seq, PaidOn: p.PaidOn, Item: p.Item, Project: p.Project, Amount: p.Amount.String(),
			Status: ledger.PaymentStatusText(p.Status), Payee: p.Payee, Destination: p.Destination, Bank: p.Bank})
	}
	return out
}

type complaintBody struct {
	NoticeCode string `json:"notice_code"`
	Village    string `json:"village"`
	Text       string `json:"text"`
	Contact    string `json:"contact"`
}

// POST /api/public/complaints → {receipt}
func (s *Server) publicComplaint(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	var b complaintBody
	if !decodeBody(c, &b) {
		return
	}
	if !s.limits.perIP.take("complaint\x00" + clientKey(c.ClientIP())) {
		failCode(c, ledger.CodeRateLimited, "提交过于频繁，请稍后再试")
		return
	}
	cm, err := s.svc.FileComplaint(c.Request.Context(), lg, ledger.ComplaintInput{NoticeCode: b.NoticeCode, Village: b.Village, Text: b.Text, Contact: b.Contact})
	if err != nil {
		fail(c, err)
		return
	}
	created(c, gin.H{"receipt": cm.Receipt, "kind": cm.Kind, "status": cm.Status})
}

// PublicComplaintDTO is what the complainant sees with the receipt code:
// never the contact.
type PublicComplaintDTO struct {
	Receipt    string                  `json:"receipt"`
	Kind       string                  `json:"kind"`
	NoticeCode string                  `json:"notice_code,omitempty"`
	Text       string                  `json:"text"`
	Status     string                  `json:"status"`
	Outcome    string                  `json:"outcome,omitempty"`
	FiledAt    string                  `json:"filed_at"`
	Replies    []ledger.ComplaintReply `json:"replies"`
}

// GET /api/public/complaints/:receipt
func (s *Server) publicComplaintStatus(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	cm, err := s.svc.ComplaintByReceipt(c.Request.Context(), lg, c.Param("receipt"))
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, PublicComplaintDTO{Receipt: cm.Receipt, Kind: cm.Kind, NoticeCode: cm.NoticeCode, Text: cm.Text,
		Status: cm.Status, Outcome: cm.Outcome, FiledAt: cm.FiledAt, Replies: cm.Replies})
}
