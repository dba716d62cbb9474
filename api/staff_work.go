package api

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// The staff pages beyond the monitors' flags (issue 7): finance imports
// with a dry run, single records, reversals, fund traces and project
// budgets; approvals; notices from draft to publication; complaints;
// users and jobs; the auditors' ledger browser. Every page calls the same
// service as the JSON API with the same roles (api/auth.go), so a page can
// never do what the API would refuse.

func (s *Server) staffWorkRoutes(r *gin.Engine) {
	r.GET("/staff/imports", s.staffPage(writers), s.staffImportForm)
	r.POST("/staff/imports", s.staffPage(writers), s.staffImportCheck)
	r.POST("/staff/imports/commit", s.staffPage(writers), s.staffImportCommit)
	r.GET("/staff/imports/template", s.staffPage(writers), s.staffImportTemplate)
	r.GET("/staff/tasks/:id", s.staffPage(anyStaff), s.staffTask)
	r.GET("/staff/record", s.staffPage(writers), s.staffRecordForm)
	r.POST("/staff/record/:kind", s.staffPage(writers), s.staffRecord)
	r.GET("/staff/funds", s.staffPage(villageReaders), s.staffFunds)
	r.GET("/staff/funds/:id", s.staffPage(villageReaders), byRole(s.staffFund, s.monitorFundPage))
	r.GET("/staff/projects", s.staffPage(villageReaders), byRole(s.staffProjects, s.monitorProjectsPage))
	r.GET("/staff/projects/:code", s.staffPage(villageReaders), byRole(s.staffProject, s.monitorProjectPage))
	r.GET("/staff/payments", s.staffPage(villageReaders), byRole(s.staffPayments, s.monitorPaymentsPage))
	r.GET("/staff/payments.xlsx", s.staffPage(allReaders), s.staffPaymentsExport)
	s.staffExportRoutes(r)
	r.POST("/staff/payments/:id/approval", s.staffPage(approvers), s.staffApprove)
	r.GET("/staff/ledger", s.staffPage(entryReaders), s.staffLedger)
	r.GET("/staff/county", s.staffPage(countyOnly), s.staffCounty)
	r.POST("/staff/ledger/verify", s.staffPage(fullReaders), s.staffVerify)
	r.GET("/staff/entries/:seq", s.staffPage(entryReaders), s.staffEntry)
	r.POST("/staff/entries/:seq/reversal", s.staffPage(writers), s.staffReverse)
	r.GET("/staff/notices", s.staffPage(villageReaders), byRole(s.staffNotices, s.monitorNoticesPage))
	r.POST("/staff/notices", s.staffPage(writers), s.staffDraftNotice)
	r.GET("/staff/notices/:id", s.staffPage(villageReaders), byRole(s.staffNotice, s.monitorNoticeGate(s.staffNotice)))
	r.GET("/staff/notices/:id/preview", s.staffPage(villageReaders), byRole(s.staffNoticePreview, s.monitorNoticeGate(s.staffNoticePreview)))
	r.POST("/staff/notices/:id/publish", s.staffPage(writers), s.staffPublish)
	r.POST("/staff/notices/:id/withdraw", s.staffPage(writers), s.staffWithdraw)
	r.GET("/staff/complaints", s.staffPage(complaintLookers), byRole(s.staffComplaints, s.monitorComplaintsPage))
	r.GET("/staff/complaints/:id", s.staffPage(complaintLookers), byRole(s.staffComplaint, s.monitorComplaintPage))
	r.POST("/staff/complaints/:id/reply", s.staffPage(complaintHandlers), s.staffComplaintReply)
	r.POST("/staff/complaints/:id/resolve", s.staffPage(complaintHandlers), s.staffComplaintResolve)
	r.GET("/staff/users", s.staffPage(adminOnly), s.staffUsers)
	r.POST("/staff/users", s.staffPage(adminOnly), s.staffCreateUser)
	r.POST("/staff/users/:id", s.staffPage(adminOnly), s.staffUpdateUser)
	r.POST("/staff/users/:id/unlock", s.staffPage(adminOnly), s.staffUnlockUser)
	r.GET("/staff/jobs", s.staffPage(jobReaders), s.staffJobs)
	r.POST("/staff/jobs/:name/run", s.staffPage(adminOnly), s.staffRunJob)
	r.GET("/staff/village", s.staffPage([]string{ledger.RoleMonitor}), s.staffVillageBooks)
	r.GET("/staff/loans", s.staffPage(villageReaders), s.staffLoans)
}

func errPanic(r any) error { return fmt.Errorf("panic: %v", r) }

// staffLog returns the caller's town log, or writes the error page.
func (s *Server) staffLog(c *gin.Context) (ledger.Log, bool) {
	lg, err := s.logOf(c, user(c))
	if err != nil {
		s.staffFail(c, err)
		return lg, false
	}
	return lg, true
}

// staffTarget returns the caller's town and the numeric :id of the path,
// or writes the error page (an id that is not a number is not found).
func (s *Server) staffTarget(c *gin.Context) (ledger.Log, int64, bool) {
	lg, ok := s.staffLog(c)
	if !ok {
		return lg, 0, false
	}
	id, err := parseID(c.Param("id"))
	if err != nil {
		s.staffFail(c, ledger.ErrNotFound)
		return lg, 0, false
	}
	return lg, id, true
}

// staffFail writes a page with the error's Chinese detail and its fields.
func (s *Server) staffFail(c *gin.Context, err error) {
	if statusOf(err) >= 500 {
		slog.Error("staff page", "route", c.FullPath(), "err", err)
	}
	s.staffRender(c, statusOf(err), "message", "出错了", pages.Page{Error: problemDetail(err), Fields: fieldsOf(err)})
}

func fieldsOf(err error) []ledger.FieldError {
	var le *ledger.Error
	if errors.As(err, &le) && statusOf(err) < 500 {
		return le.Fields
	}
	return nil
}

// pageError fills a page's error from err.
func pageError(p pages.Page, err error) pages.Page {
	p.Error, p.Fields = problemDetail(err), fieldsOf(err)
	return p
}
