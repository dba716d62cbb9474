package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

func (s *Server) complaintViews(c *gin.Context, lg ledger.Log, cs []ledger.Complaint) []pages.ComplaintView {
	withContact := slices.Contains(contactReaders, user(c).Role)
	out := make([]pages.ComplaintView, 0, len(cs))
	for _, cm := range cs {
		v := pages.ComplaintView{Complaint: cm, StatusText: disclosure.ComplaintStatusText(cm)}
		if withContact {
			v.Contact = s.svc.ComplaintContact(lg, cm)
		}
		out = append(out, v)
	}
	return out
}

func (s *Server) staffComplaints(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	status := c.Query("status")
	cs, err := s.svc.Complaints(c.Request.Context(), lg, status)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	d := pages.ComplaintsData{Status: status, VillageNames: s.villageNames(c, lg)}
	if err := s.complaintList(c, lg, cs, &d, nil, staffPageSize); err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "complaints", "群众投诉与异议", pages.Page{Note: doneNote(c), Data: d})
}

// complaintList puts into d the page of complaints (as Complaints lists
// them, oldest first) the request's filters select, newest first: village
// (of those watched, for a monitor), kind, a search of the receipt and the
// text; size a page (0: all on one).
func (s *Server) complaintList(c *gin.Context, lg ledger.Log, cs []ledger.Complaint, d *pages.ComplaintsData, watched func(string) bool, size int) error {
	d.Village, d.Kind, d.Search = c.Query("village"), c.Query("kind"), strings.TrimSpace(c.Query("q"))
	for _, v := range s.villageOptions(c, lg) {
		if watched == nil || watched(v.Value) {
			d.Villages = append(d.Villages, v)
		}
	}
	receipt := ledger.NormalizeReceipt(d.Search)
	cs = slices.DeleteFunc(slices.Clone(cs), func(cm ledger.Complaint) bool {
		return d.Village != "" && cm.Village != d.Village || d.Kind != "" && cm.Kind != d.Kind ||
			d.Search != "" && cm.Receipt != receipt && !strings.Contains(cm.Text, d.Search)
	})
	slices.Reverse(cs)
	q := filterQuery(map[string]string{"status": d.Status, "village": d.Village, "kind": d.Kind, "q": d.Search})
	from, to, pg, err := offsetPage(c, len(cs), size, "/staff/complaints", q, "新的在前")
	if err != nil {
		return err
	}
	d.Complaints, d.Pager = s.complaintViews(c, lg, cs[from:to]), pg
	d.Pager.Export = "/staff/complaints.xlsx?" + q.Encode()
	return nil
}

func (s *Server) complaintFor(c *gin.Context, lg ledger.Log) (pages.ComplaintView, bool) {
	id, err := parseID(c.Param("id"))
	var cm ledger.Complaint
	if err == nil {
		cm, err = s.svc.Complaint(c.Request.Context(), lg, id)
	} else {
		err = ledger.ErrNotFound
	}
	if err != nil {
		s.staffFail(c, err)
		return pages.ComplaintView{}, false
	}
	return s.complaintViews(c, lg, []ledger.Complaint{cm})[0], true
}

func (s *Server) staffComplaint(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	v, ok := s.complaintFor(c, lg)
	if !ok {
		return
	}
	s.staffRender(c, http.StatusOK, "complaint", "投诉 "+v.Receipt, pages.Page{Note: doneNote(c),
		Data: pages.ComplaintData{ComplaintView: v, CanHandle: slices.Contains(complaintHandlers, user(c).Role),
			SeesContact: slices.Contains(contactReaders, user(c).Role), VillageNames: s.villageNames(c, lg)}})
}

func (s *Server) staffComplaintReply(c *gin.Context) {
	s.complaintAction(c, "replied", func(ctx context.Context, lg ledger.Log, id int64) error {
		_, err := s.svc.ReplyComplaint(ctx, lg, user(c).ID, id, strings.TrimSpace(c.PostForm("text")), nil)
		return err
	})
}

func (s *Server) staffComplaintResolve(c *gin.Context) {
	s.complaintAction(c, "resolved", func(ctx context.Context, lg ledger.Log, id int64) error {
		_, err := s.svc.ResolveComplaint(ctx, lg, user(c).ID, id, c.PostForm("outcome"), strings.TrimSpace(c.PostForm("note")), nil)
		return err
	})
}

func (s *Server) complaintAction(c *gin.Context, done string, fn func(ctx context.Context, lg ledger.Log, id int64) error) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	v, ok := s.complaintFor(c, lg)
	if !ok {
		return
	}
	if err := fn(c.Request.Context(), lg, v.ID); err != nil {
		s.staffRender(c, statusOf(err), "complaint", "投诉 "+v.Receipt, pageError(pages.Page{
			Data: pages.ComplaintData{ComplaintView: v, CanHandle: true, SeesContact: slices.Contains(contactReaders, user(c).Role),
				VillageNames: s.villageNames(c, lg), Values: map[string]string{"text": c.PostForm("text"), "outcome": c.PostForm("outcome"),
					"note": c.PostForm("note")}}}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/complaints/%d?%s", v.ID, doneQuery(done)))
}
