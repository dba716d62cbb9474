package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// GET /staff/ledger?from=: entries, newest first, 50 a page, with the
// latest checkpoint and the verify button.
func (s *Server) staffLedger(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	cp, err := s.ledger.Checkpoint(ctx, lg)
	if err != nil && !ledger.IsNotFound(err) {
		s.staffFail(c, err)
		return
	}
	size, err := s.store.Size(ctx, lg.ID)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	const per = 50
	to := size
	if v, err := strconv.ParseInt(c.Query("before"), 10, 64); err == nil && v >= 0 && v < to {
		to = v
	}
	from := max(to-per, 0)
	var es []ledger.StoredEntry
	if to > from {
		if es, err = s.store.Entries(ctx, lg.ID, from, int(to-from)); err != nil {
			s.staffFail(c, err)
			return
		}
	}
	slices.Reverse(es)
	d := pages.LedgerData{Size: size, Checkpoint: string(cp.Note), CheckpointSize: cp.Size, Entries: es, Older: -1, Newer: -1, Actors: s.actorNames(c, lg)}
	if cps, err := s.store.Checkpoints(ctx, lg.ID); err == nil {
		slices.Reverse(cps)
		d.Checkpoints = cps[:min(len(cps), 20)]
	}
	if from > 0 {
		d.Older = from
	}
	if to < size {
		d.Newer = min(to+per, size)
	}
	s.staffRender(c, http.StatusOK, "ledger", "账本", pages.Page{Data: d})
}

// POST /staff/ledger/verify: a deep verification of the whole log, as a
// task.
func (s *Server) staffVerify(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	t := s.tasks.start(user(c).ID, "核验账本", func(ctx context.Context, t *task) (string, error) {
		t.setStep("正在重新计算每一条记录的哈希和默克尔树")
		r, err := s.ledger.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Progress: func(done, total int64) {
			t.setStep(fmt.Sprintf("正在重新计算每一条记录的哈希和默克尔树：已核验 %d / %d 条（%d%%）", done, total, min(100, done*100/max(total, 1))))
		}})
		if err != nil {
			return "", err
		}
		if !r.OK() {
			msg := fmt.Sprintf("核验未通过：发现 %d 处问题", len(r.Problems))
			if r.FirstBadSeq >= 0 {
				msg += fmt.Sprintf("，第一处在账本序号 %d", r.FirstBadSeq)
			}
			return "", &ledger.Error{Code: ledger.CodeConflict, Detail: msg}
		}
		return fmt.Sprintf("核验通过：%d 条记录，%d 个签名检查点，树根 %s。", r.Entries, r.Checkpoints, r.Root.String()), nil
	})
	s.taskRedirect(c, t)
}

// GET /staff/entries/:seq: one entry, with the reversal form for writers.
func (s *Server) staffEntry(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
	if err != nil || seq < 0 {
		s.staffFail(c, ledger.ErrNotFound)
		return
	}
	es, err := s.store.Entries(c.Request.Context(), lg.ID, seq, 1)
	if err == nil && (len(es) == 0 || es[0].Seq != seq) {
		err = ledger.ErrNotFound
	}
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "entry", fmt.Sprintf("账本记录 %d", seq), pages.Page{Note: doneNote(c),
		Data: pages.EntryData{Entry: es[0], CanReverse: slices.Contains(writers, user(c).Role), Actors: s.actorNames(c, lg)}})
}

// POST /staff/entries/:seq/reversal (reason).
func (s *Server) staffReverse(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
	if err != nil || seq < 0 {
		s.staffFail(c, ledger.ErrNotFound)
		return
	}
	reason := c.PostForm("reason")
	rs, err := s.svc.Reverse(c.Request.Context(), lg, user(c).ID, seq, strings.TrimSpace(reason), nil)
	if err != nil {
		es, _ := s.store.Entries(c.Request.Context(), lg.ID, seq, 1)
		if len(es) == 1 && es[0].Seq == seq {
			s.staffRender(c, statusOf(err), "entry", fmt.Sprintf("账本记录 %d", seq), pageError(pages.Page{Data: pages.EntryData{Entry: es[0], CanReverse: true,
				Actors: s.actorNames(c, lg), Reason: reason}}, err))
			return
		}
		s.staffFail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/entries/%d?%s", rs, doneQuery("reversed", strconv.FormatInt(seq, 10), strconv.FormatInt(rs, 10))))
}

// actorNames maps the user ids of the town's accounts to their usernames,
// for the pages that show who wrote an entry (an empty map when the
// accounts cannot be read: the page then says 其他账号, never the id).
func (s *Server) actorNames(c *gin.Context, lg ledger.Log) map[string]string {
	m := map[string]string{}
	us, err := s.auth.Accounts.Users(c.Request.Context(), lg.ID)
	if err != nil {
		return m
	}
	for _, u := range us {
		m[u.ID] = u.Username
	}
	return m
}
