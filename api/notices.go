package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Role sets of the disclosure routes.
var (
	// complaintHandlers read and answer complaints (they see the contact).
	complaintHandlers = []string{ledger.RoleAdmin, ledger.RoleFinance, ledger.RoleDiscipline}
	// complaintReaders read complaints; the county office as the auditor
	// does (the complainant's words and receipt, which the town's entries
	// show it anyway; never the contact: contactReaders).
	complaintReaders = []string{ledger.RoleAdmin, ledger.RoleFinance, ledger.RoleDiscipline, ledger.RoleAuditor, ledger.RoleCounty}
)

func (s *Server) noticeRoutes(v1 *gin.RouterGroup) {
	v1.GET("/notices", s.authed(anyStaff), byRole(s.listNotices, s.monitorNotices))
	v1.POST("/notices", s.authed(writers), s.draftNotice)
	v1.GET("/notices/:id", s.authed(anyStaff), byRole(s.getNotice, s.monitorNotice))
	v1.POST("/notices/:id/publish", s.authed(writers), s.publishNotice)
	v1.POST("/notices/:id/withdraw", s.authed(writers), s.withdrawNotice)
	v1.GET("/notices/:id/board.pdf", s.authed(boardPrinters), s.boardPDF)
	s.engine.POST("/staff/notices/:id/board", s.staffPage(boardPrinters), s.staffBoardPDF)

	v1.GET("/complaints", s.authed(complaintLookers), byRole(s.listComplaints, s.monitorComplaints))
	v1.POST("/complaints/:id/reply", s.authed(complaintHandlers), s.replyComplaint)
	v1.POST("/complaints/:id/resolve", s.authed(complaintHandlers), s.resolveComplaint)
}

// NoticeDTO is a notice in staff lists (API.md).
type NoticeDTO struct {
	ID             int64             `json:"id"`
	Type           string            `json:"type"`
	Village        *string           `json:"village"`
	Title          string            `json:"title"`
	Period         string            `json:"period"`
	Status         string            `json:"status"`
	Code           string            `json:"code"`
	Number         string            `json:"number"`
	PublishedOn    string            `json:"published_on"`
	EndsOn         string            `json:"ends_on"`
	Fund           string            `json:"fund,omitempty"`
	Project        string            `json:"project,omitempty"`
	Item           string            `json:"item,omitempty"`
	Fields         map[string]string `json:"fields,omitempty"`
	Rows           int               `json:"rows"`
	Supersedes     string            `json:"supersedes,omitempty"`
	SupersededBy   string            `json:"superseded_by,omitempty"`
	PDFSHA256      string            `json:"pdf_sha256,omitempty"`
	EntrySeq       int64             `json:"entry_seq,omitempty"`
	WithdrawReason string            `json:"withdraw_reason,omitempty"`
	Seq            int64             `json:"seq"`
}

func noticeDTO(n ledger.Notice) NoticeDTO {
	d := NoticeDTO{ID: n.ID, Type: n.Type, Title: n.Title, Period: n.Period, Status: n.Status, Code: n.Code, Number: n.Number,
		PublishedOn: n.PublishedOn, EndsOn: n.EndsOn, Fund: n.Fund, Project: n.Project, Item: n.Item, Fields: n.Fields,
		Rows: n.RowCount, Supersedes: n.Supersedes, SupersededBy: n.SupersededBy, PDFSHA256: n.PDFSHA256, EntrySeq: n.PublishSeq,
		WithdrawReason: n.WithdrawReason, Seq: n.LastSeq}
	if n.Village != "" {
		v := n.Village
		d.Village = &v
	}
	return d
}

// GET /api/v1/notices?status=&village=&type=
func (s *Server) listNotices(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	ns, err := s.svc.Notices(c.Request.Context(), lg, c.Query("status"), c.Query("village"), c.Query("type"))
	listOf(c, ns, err, noticeDTO)
}

type noticeBody struct {
	Type       string            `json:"type"`
	Village    string            `json:"village"`
	Title      string            `json:"title"`
	Period     string            `json:"period"`
	Supersedes string            `json:"supersedes"`
	Fund       string            `json:"fund"`
	Project    string            `json:"project"`
	Item       string            `json:"item"`
	Fields     map[string]string `json:"fields"`
}

// POST /api/v1/notices: a draft by hand; its rows are fixed from the ledger.
func (s *Server) draftNotice(c *gin.Context) {
	var b noticeBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	n, err := s.svc.DraftNotice(c.Request.Context(), lg, user(c).ID, ledger.NoticeDraftInput{Type: b.Type, Village: b.Village, Title: b.Title,
		Period: b.Period, Fund: b.Fund, Project: b.Project, Item: b.Item, Fields: b.Fields, Supersedes: b.Supersedes}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, noticeDTO(n))
}

// GET /api/v1/notices/:id: the notice and its content as it prints (masked
// for the public): a draft's preview.
func (s *Server) getNotice(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	n, err := s.svc.Notice(c.Request.Context(), lg, id)
	if err != nil {
		fail(c, err)
		return
	}
	content, err := s.svc.NoticeContent(c.Request.Context(), lg, n, ledger.AudiencePublic)
	if err != nil {
		fail(c, err)
		return
	}
	missing := []string{}
	if n.Status == ledger.NoticeDraft {
		for _, m := range content.Missing() {
			if m.Key != "number" {
				missing = append(missing, m.Key)
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{"notice": noticeDTO(n), "content": content, "missing": missing})
}

// POST /api/v1/notices/:id/publish → {code, number, pdf_sha256, checkpoint, entry_seq}
func (s *Server) publishNotice(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	lg, idem, ok := s.writeScope(c)
	if !ok {
		return
	}
	if s.publisher == nil {
		failCode(c, ledger.CodeUnavailable, "本服务未配置公告发布")
		return
	}
	p, err := s.publisher.Publish(c.Request.Context(), lg, user(c).ID, id, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, gin.H{"id": p.Notice.ID, "code": p.Notice.Code, "number": p.Notice.Number, "pdf_sha256": p.PDFSHA256,
		"checkpoint": string(p.Note), "entry_seq": p.EntrySeq, "seq": p.EntrySeq,
		"published_on": p.Notice.PublishedOn, "ends_on": p.Notice.EndsOn})
}

// POST /api/v1/notices/:id/withdraw {reason}
func (s *Server) withdrawNotice(c *gin.Context) {
	pathWrite(s, c, "id", func(ctx context.Context, lg ledger.Log, idem *ledger.Idem, id int64, b reasonBody) (any, error) {
		n, err := s.svc.WithdrawNotice(ctx, lg, user(c).ID, id, b.Reason, idem)
		return noticeDTO(n), err
	})
}

// ComplaintDTO is a complaint as staff see it.
type ComplaintDTO struct {
	ID         int64                   `json:"id"`
	Receipt    string                  `json:"receipt"`
	Kind       string                  `json:"kind"`
	NoticeCode string                  `json:"notice_code,omitempty"`
	Village    *string                 `json:"village"`
	Text       string                  `json:"text"`
	Contact    string                  `json:"contact,omitempty"`
	Status     string                  `json:"status"`
	Outcome    string                  `json:"outcome,omitempty"`
	Escalated  bool                    `json:"escalated"`
	FiledAt    string                  `json:"filed_at"`
	UpdatedAt  string                  `json:"updated_at"`
	Replies    []ledger.ComplaintReply `json:"replies"`
	Seq        int64                   `json:"seq"`
}

func (s *Server) complaintDTO(lg ledger.Log, cm ledger.Complaint, withContact bool) ComplaintDTO {
	d := ComplaintDTO{ID: cm.ID, Receipt: cm.Receipt, Kind: cm.Kind, NoticeCode: cm.NoticeCode, Text: cm.Text, Status: cm.Status,
		Outcome: cm.Outcome, Escalated: cm.Escalated, FiledAt: cm.FiledAt, UpdatedAt: cm.UpdatedAt, Replies: cm.Replies, Seq: cm.ID}
	if len(cm.Replies) > 0 {
		d.Seq = cm.Replies[len(cm.Replies)-1].Seq
	}
	if cm.Village != "" {
		v := cm.Village
		d.Village = &v
	}
	if withContact {
		d.Contact = s.svc.ComplaintContact(lg, cm)
	}
	return d
}

// GET /api/v1/complaints?status=
func (s *Server) listComplaints(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	cs, err := s.svc.Complaints(c.Request.Context(), lg, c.Query("status"))
	withContact := slices.Contains(contactReaders, user(c).Role)
	listOf(c, cs, err, func(cm ledger.Complaint) ComplaintDTO { return s.complaintDTO(lg, cm, withContact) })
}

type replyBody struct {
	Text string `json:"text"`
}

// POST /api/v1/complaints/:id/reply {text}
func (s *Server) replyComplaint(c *gin.Context) {
	pathWrite(s, c, "id", func(ctx context.Context, lg ledger.Log, idem *ledger.Idem, id int64, b replyBody) (any, error) {
		cm, err := s.svc.ReplyComplaint(ctx, lg, user(c).ID, id, b.Text, idem)
		return s.complaintDTO(lg, cm, slices.Contains(contactReaders, user(c).Role)), err
	})
}

type resolveBody struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

// POST /api/v1/complaints/:id/resolve {outcome: upheld|rejected, note}
func (s *Server) resolveComplaint(c *gin.Context) {
	pathWrite(s, c, "id", func(ctx context.Context, lg ledger.Log, idem *ledger.Idem, id int64, b resolveBody) (any, error) {
		cm, err := s.svc.ResolveComplaint(ctx, lg, user(c).ID, id, b.Outcome, b.Note, idem)
		return s.complaintDTO(lg, cm, slices.Contains(contactReaders, user(c).Role)), err
	})
}
