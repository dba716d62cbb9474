package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// FlagDTO is a flag (API.md).
type FlagDTO struct {
	ID         int64              `json:"id"`
	Rule       string             `json:"rule"`
	Severity   string             `json:"severity"`
	Village    *string            `json:"village"`
	Subject    ledger.FlagSubject `json:"subject"`
	Reason     string             `json:"reason"`
	Evidence   ledger.Evidence    `json:"evidence"`
	Status     string             `json:"status"`
	RaisedAt   string             `json:"raised_at"`
	UpdatedAt  string             `json:"updated_at"`
	AssignedTo string             `json:"assigned_to"`
	History    []ledger.FlagEvent `json:"history,omitempty"`
}

func flagDTO(f ledger.Flag, withHistory bool) FlagDTO {
	d := FlagDTO{ID: f.ID, Rule: f.Rule, Severity: f.Severity, Subject: f.Subject, Reason: f.Reason, Evidence: f.Evidence,
		Status: f.Status, RaisedAt: f.RaisedAt, UpdatedAt: f.UpdatedAt, AssignedTo: f.AssignedTo}
	if f.Village != "" {
		v := f.Village
		d.Village = &v
	}
	if d.Evidence.Entries == nil {
		d.Evidence.Entries = []int64{}
	}
	if withHistory {
		d.History = f.History
	}
	return d
}

// GET /api/v1/flags?status=&village=&rule=: most severe and newest first;
// monitors see only their villages' flags.
func (s *Server) listFlags(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	u := user(c)
	if v := c.Query("village"); v != "" && !seesVillage(u, v) {
		failCode(c, ledger.CodeForbidden, "您只能查看所监督村的线索")
		return
	}
	fs, err := s.svc.Flags(c.Request.Context(), lg, ledger.FlagFilter{Status: c.Query("status"), Village: c.Query("village"), Rule: c.Query("rule")}, &u)
	listOf(c, fs, err, func(f ledger.Flag) FlagDTO { return flagDTO(f, false) })
}

// GET /api/v1/flags/:id: one flag with its history.
func (s *Server) getFlag(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	f, err := s.svc.Flag(c.Request.Context(), lg, id)
	if ledger.IsNotFound(err) || err == nil && !ledger.FlagVisible(user(c), f) {
		failCode(c, ledger.CodeNotFound, "未找到该线索")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, flagDTO(f, true))
}

type reviewBody struct {
	Action string `json:"action"`
	Note   string `json:"note"`
}

// POST /api/v1/flags/:id/review
func (s *Server) reviewFlag(c *gin.Context) {
	pathWrite(s, c, "id", func(ctx context.Context, lg ledger.Log, idem *ledger.Idem, id int64, b reviewBody) (any, error) {
		f, err := s.svc.ReviewFlag(ctx, lg, user(c), id, b.Action, b.Note, idem)
		if err != nil {
			return nil, err
		}
		return gin.H{"flag": flagDTO(f, true), "seq": f.History[len(f.History)-1].Seq}, nil
	})
}
