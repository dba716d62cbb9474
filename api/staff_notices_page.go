package api

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

func (s *Server) staffNotices(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	status := c.Query("status")
	ns, err := s.svc.Notices(ctx, lg, status, "", "")
	if err != nil {
		s.staffFail(c, err)
		return
	}
	vs, _ := s.svc.Villages(ctx, lg)
	d := pages.NoticesData{Status: status, Types: ledger.NoticeTypes, Villages: vs, Fields: noticeFieldOptions(),
		CanDraft: slices.Contains(writers, user(c).Role), VillageNames: s.villageNames(c, lg), Values: map[string]string{}}
	if err := s.noticeList(c, ns, &d, staffPageSize); err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "notices", "公告公示", pages.Page{Note: doneNote(c), Data: d})
}

// noticeList puts into d the page of notices that the request's filters select, newest first: type,
// village, a search of title, number and code; size a page (0: all on one).
func (s *Server) noticeList(c *gin.Context, ns []ledger.Notice, d *pages.NoticesData, size int) error {
	d.Type, d.Village, d.Search = c.Query("type"), c.Query("village"), strings.TrimSpace(c.Query("q"))
	ns = slices.DeleteFunc(slices.Clone(ns), func(n ledger.Notice) bool {
		return d.Type != "" && n.Type != d.Type || d.Village != "" && n.Village != d.Village ||
			d.Search != "" && !strings.Contains(n.Title, d.Search) && !strings.Contains(n.Number, d.Search) && n.Code != d.Search
	})
	slices.SortFunc(ns, func(a, b ledger.Notice) int { return cmp.Compare(b.ID, a.ID) }) // newest first
	q := filterQuery(map[string]string{"status": d.Status, "type": d.Type, "village": d.Village, "q": d.Search})
	from, to, pg, err := offsetPage(c, len(ns), size, "/staff/notices", q, "新的在前")
	if err != nil {
		return err
	}
	d.Notices, d.Pager = ns[from:to], pg
	d.Pager.Export = "/staff/notices.xlsx?" + q.Encode()
	return nil
}

func noticeFieldOptions() []pages.Option {
	var out []pages.Option
	for _, k := range ledger.NoticeFieldKeys() {
		out = append(out, pages.Option{Value: k, Label: ledger.NoticeFieldLabel(k)})
	}
	return out
}

// POST /staff/notices: a draft (the API's POST /notices).
func (s *Server) staffDraftNotice(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	f := &formReader{c: c}
	in := ledger.NoticeDraftInput{Type: f.str("type"), Village: f.str("village"), Title: f.str("title"), Period: f.str("period"),
		Fund: f.str("fund"), Project: f.str("project"), Item: f.str("item"), Supersedes: f.str("supersedes"), Fields: map[string]string{}}
	for _, k := range ledger.NoticeFieldKeys() {
		if v := f.str("field_" + k); v != "" {
			in.Fields[k] = v
		}
	}
	n, err := s.svc.DraftNotice(c.Request.Context(), lg, user(c).ID, in, nil)
	if err != nil {
		ctx := c.Request.Context()
		ns, _ := s.svc.Notices(ctx, lg, "", "", "")
		vs, _ := s.svc.Villages(ctx, lg)
		d := pages.NoticesData{Types: ledger.NoticeTypes, Villages: vs, Fields: noticeFieldOptions(), CanDraft: true,
			VillageNames: s.villageNames(c, lg), Values: map[string]string{}}
		_ = s.noticeList(c, ns, &d, staffPageSize)
		for k, v := range c.Request.PostForm {
			if k != "csrf" && len(v) > 0 {
				d.Values[k] = v[0]
			}
		}
		s.staffRender(c, statusOf(err), "notices", "公告公示", pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/notices/%d?%s", n.ID, doneQuery("drafted")))
}

func (s *Server) staffNoticeData(c *gin.Context, lg ledger.Log, id int64) (pages.NoticeData, error) {
	ctx := c.Request.Context()
	n, err := s.svc.Notice(ctx, lg, id)
	if err != nil {
		return pages.NoticeData{}, err
	}
	content, err := s.svc.NoticeContent(ctx, lg, n, ledger.AudiencePublic)
	if err != nil {
		return pages.NoticeData{}, err
	}
	d := pages.NoticeData{Notice: n, Content: content, CanPublish: slices.Contains(writers, user(c).Role), StatusText: disclosure.StatusText(n.Status)}
	if n.Status == ledger.NoticeDraft {
		for _, m := range content.Missing() {
			if m.Key != "number" {
				d.Missing = append(d.Missing, m.Label)
			}
		}
	}
	if len(content.Rows) > 200 {
		d.Shown, d.Content.Rows = 200, content.Rows[:200]
	}
	if n.Code != "" && slices.Contains(complaintReaders, user(c).Role) {
		cs, err := s.svc.Complaints(ctx, lg, "")
		if err != nil {
			return d, err
		}
		for _, cm := range cs {
			if cm.NoticeCode == n.Code {
				d.Objections = append(d.Objections, pages.ComplaintView{Complaint: cm, StatusText: disclosure.ComplaintStatusText(cm)})
			}
		}
	}
	return d, nil
}

func (s *Server) staffNotice(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	d, err := s.staffNoticeData(c, lg, id)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "notice", d.Notice.Title, pages.Page{Note: doneNote(c), Data: d})
}

// GET /staff/notices/:id/preview: a draft as it would print, marked as a
// preview (no number, no checkpoint); a published notice's stored PDF.
func (s *Server) staffNoticePreview(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	n, err := s.svc.Notice(ctx, lg, id)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	if n.Status != ledger.NoticeDraft {
		c.Redirect(http.StatusSeeOther, "/notices/"+n.Code+".pdf")
		return
	}
	content, err := s.svc.NoticeContent(ctx, lg, n, ledger.AudiencePublic)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	content.Number = "（草稿预览，发布时编号）"
	if content.PublishedOn == "" {
		content.PublishedOn = s.ledger.Now().In(s.ledger.Location()).Format("2006-01-02")
	}
	doc := disclosure.DocumentOf(content, "草稿预览：发布时在此打印账本签名检查点。", strings.TrimRight(s.cfg.PublicURL, "/")+"/verify", nil)
	pdf, err := disclosure.RenderPDF(doc)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", "inline; filename=\"preview.pdf\"")
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// POST /staff/notices/:id/publish: the four steps of DOMAIN.md §6.
func (s *Server) staffPublish(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	if s.publisher == nil {
		s.staffFail(c, ledger.Errorf(ledger.CodeUnavailable, "本服务未配置公告发布"))
		return
	}
	p, err := s.publisher.Publish(c.Request.Context(), lg, user(c).ID, id, nil)
	if err != nil {
		d, derr := s.staffNoticeData(c, lg, id)
		if derr != nil {
			s.staffFail(c, err)
			return
		}
		s.staffRender(c, statusOf(err), "notice", d.Notice.Title, pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/notices/%d?%s", id, doneQuery("published", p.Notice.Code)))
}

// POST /staff/notices/:id/withdraw (reason).
func (s *Server) staffWithdraw(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	if _, err := s.svc.WithdrawNotice(c.Request.Context(), lg, user(c).ID, id, strings.TrimSpace(c.PostForm("reason")), nil); err != nil {
		d, derr := s.staffNoticeData(c, lg, id)
		if derr != nil {
			s.staffFail(c, err)
			return
		}
		d.Reason = c.PostForm("reason")
		s.staffRender(c, statusOf(err), "notice", d.Notice.Title, pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/notices/%d?%s", id, doneQuery("withdrawn")))
}
