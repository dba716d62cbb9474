package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// boardPrinters print board copies (张贴版, full names) of notices.
var boardPrinters = []string{ledger.RoleAdmin, ledger.RoleFinance}

// GET /api/v1/notices/:id/board.pdf (:id is the notice's code): the board
// copy of a published notice that lists people, for the village board.
// Every print is a withheld person_board_printed entry.
func (s *Server) boardPDF(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	n, err := s.svc.NoticeByCode(ctx, lg, c.Param("id"))
	if err == nil {
		n, err = s.svc.Notice(ctx, lg, n.ID) // with its rows
	}
	if err != nil {
		fail(c, err)
		return
	}
	pdf, err := disclosure.BoardPDF(ctx, s.svc, lg, user(c).ID, n)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=\"%s-board.pdf\"", n.Code))
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// POST /staff/notices/:id/board: the board copy, from the staff notice
// page's button (a form with the session's CSRF token: printing records an
// entry).
func (s *Server) staffBoardPDF(c *gin.Context) {
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
	pdf, err := disclosure.BoardPDF(ctx, s.svc, lg, user(c).ID, n)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=\"%s-board.pdf\"", n.Code))
	c.Data(http.StatusOK, "application/pdf", pdf)
}
