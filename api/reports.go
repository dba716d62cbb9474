package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

func (s *Server) householdYear(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		failCode(c, ledger.CodeNotFound, "年份无效")
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	h, err := s.svc.Household(c.Request.Context(), lg, id)
	if ledger.IsNotFound(err) || err == nil && !seesVillage(user(c), h.Village) {
		failCode(c, ledger.CodeNotFound, "未找到该户")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	lines, total, err := s.svc.HouseholdYear(c.Request.Context(), lg, id, year)
	if err != nil {
		fail(c, err)
		return
	}
	type line struct {
		ItemCode string `json:"item_code"`
		ItemName string `json:"item_name"`
		Amount   string `json:"amount"`
		Count    int    `json:"count"`
	}
	out := []line{}
	for _, l := range lines {
		out = append(out, line{l.Item, l.ItemName, l.Amount.String(), l.Count})
	}
	c.JSON(http.StatusOK, gin.H{"household": id, "village": h.Village, "year": year, "items": out, "total": total.String()})
}

// EntryDTO is a ledger entry for staff.
type EntryDTO struct {
	Seq         int64           `json:"seq"`
	Type        string          `json:"type"`
	RecordedAt  string          `json:"recorded_at"`
	EffectiveOn string          `json:"effective_on"`
	Actor       string          `json:"actor"`
	Public      bool            `json:"public"`
	Entry       json.RawMessage `json:"entry"`
}

func (s *Server) listEntries(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	limit, _, ok := page(c)
	if !ok {
		return
	}
	from := int64(0)
	if v := c.Query("after_seq"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < -1 {
			failCode(c, ledger.CodeMalformedRequest, "after_seq 必须是整数")
			return
		}
		from = n + 1
	} else if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			failCode(c, ledger.CodeMalformedRequest, "cursor 无效")
			return
		}
		from = n
	}
	es, err := s.store.Entries(c.Request.Context(), lg.ID, from, limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	out := List[EntryDTO]{Items: []EntryDTO{}}
	if len(es) > limit {
		es = es[:limit]
		out.NextCursor = strconv.FormatInt(es[limit-1].Seq+1, 10)
	}
	for _, e := range es {
		out.Items = append(out.Items, EntryDTO{Seq: e.Seq, Type: e.Type, RecordedAt: e.RecordedAt.UTC().Format(timeRFC3339),
			EffectiveOn: e.EffectiveOn, Actor: e.Actor, Public: ledger.IsPublic(e.Type), Entry: e.Body})
	}
	c.JSON(http.StatusOK, out)
}
