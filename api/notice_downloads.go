package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// Data people can reuse (可检索、可核查、可利用): every published notice's
// rows as .csv and .xlsx, and a bulk feed of them as JSON lines, all with
// the web copy's masking (the stored content), each row's seq and leaf
// hash and the checkpoint the notice was published under.

// publicDownloadRoutes registers the downloads and the feed.
func (s *Server) publicDownloadRoutes(r *gin.Engine) {
	r.GET("/api/public/notices/:code/rows.csv", s.noticeRows("csv"))
	r.GET("/api/public/notices/:code/rows.xlsx", s.noticeRows("xlsx"))
	r.GET("/api/public/notices.jsonl", s.noticesFeed)
}

// GET /api/public/notices/:code/rows.csv|rows.xlsx
func (s *Server) noticeRows(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		lg, ok := s.townLog(c)
		if !ok {
			return
		}
		n, st, ok := s.publishedNotice(c, lg, c.Param("code"))
		if !ok {
			return
		}
		var b []byte
		var err error
		ctype := "text/csv; charset=utf-8"
		if kind == "csv" {
			b, err = disclosure.RowsCSV(n, st)
		} else {
			b, err = disclosure.RowsXLSX(n, st)
			ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		if err != nil {
			fail(c, err)
			return
		}
		c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=\"%s.%s\"", n.Code, kind))
		c.Data(http.StatusOK, ctype, b)
	}
}

// FeedLine is one line of /api/public/notices.jsonl: a published notice
// with its rows (web masking), their seqs and leaf hashes, and the signed
// checkpoint it was published under. Its JSON Schema is FeedLineSchema.
type FeedLine struct {
	Code           string                 `json:"code"`
	Number         string                 `json:"number"`
	Type           string                 `json:"type"`
	Title          string                 `json:"title"`
	Village        string                 `json:"village,omitempty"`
	VillageName    string                 `json:"village_name,omitempty"`
	Period         string                 `json:"period,omitempty"`
	Status         string                 `json:"status"`
	Unit           string                 `json:"unit"`
	PublishedOn    string                 `json:"published_on"`
	EndsOn         string                 `json:"ends_on"`
	EntrySeq       int64                  `json:"entry_seq"`
	PDFSHA256      string                 `json:"pdf_sha256"`
	CheckpointSize int64                  `json:"checkpoint_size"`
	Checkpoint     string                 `json:"checkpoint"`
	VerifyURL      string                 `json:"verify_url"`
	Columns        []string               `json:"columns"`
	Rows           []disclosure.ExportRow `json:"rows"`
	Totals         []string               `json:"totals,omitempty"`
}

// The feed's bounds: notices a page (limit, default and most), and rows
// and bytes a page holds at most (a page always holds one notice).
const (
	feedDefault  = 50
	feedMax      = 200
	feedMaxRows  = 20000
	feedMaxBytes = 8 << 20
)

// GET /api/public/notices.jsonl?cursor=&limit=: published notices in the
// order they were published, one JSON object a line. A page ends at limit
// notices, feedMaxRows rows or feedMaxBytes bytes; X-Next-Cursor (and a
// Link rel="next") gives the next page, absent on the last.
func (s *Server) noticesFeed(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	after := int64(-1)
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			failCode(c, ledger.CodeMalformedRequest, "cursor 参数无效：请使用上一页响应头 X-Next-Cursor 给出的值")
			return
		}
		after = n
	}
	limit := feedDefault
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > feedMax {
			failCode(c, ledger.CodeMalformedRequest, fmt.Sprintf("limit 参数应为 1 至 %d 的整数", feedMax))
			return
		}
		limit = n
	}
	ns, names, ok := s.publicNotices(c, lg, "")
	if !ok {
		return
	}
	slices.SortFunc(ns, func(a, b ledger.Notice) int { return int(a.PublishSeq - b.PublishSeq) })
	var out bytes.Buffer
	rows, sent := 0, 0
	next := int64(-1)
	for _, n := range ns {
		if n.PublishSeq <= after {
			continue
		}
		if sent == limit {
			next = n.PublishSeq - 1
			break
		}
		st, err := disclosure.LoadStored(c.Request.Context(), s.svc, lg, n)
		if err != nil {
			fail(c, err)
			return
		}
		line := FeedLine{Code: n.Code, Number: n.Number, Type: n.Type, Title: st.Content.Title, Village: n.Village, VillageName: names[n.Village],
			Period: n.Period, Status: n.Status, Unit: st.Content.Unit, PublishedOn: n.PublishedOn, EndsOn: n.EndsOn, EntrySeq: n.PublishSeq,
			PDFSHA256: n.PDFSHA256, CheckpointSize: n.CheckpointSize, Checkpoint: st.Checkpoint, VerifyURL: st.VerifyURL,
			Columns: []string{}, Rows: disclosure.ExportRows(st), Totals: st.Content.Totals}
		for _, col := range st.Content.Columns {
			line.Columns = append(line.Columns, col.Title)
		}
		b, err := json.Marshal(line)
		if err != nil {
			fail(c, err)
			return
		}
		if sent > 0 && (rows+len(line.Rows) > feedMaxRows || out.Len()+len(b)+1 > feedMaxBytes) {
			next = n.PublishSeq - 1
			break
		}
		out.Write(b)
		out.WriteByte('\n')
		rows += len(line.Rows)
		sent++
	}
	if next >= 0 {
		cur := strconv.FormatInt(next, 10)
		c.Header("X-Next-Cursor", cur)
		q := url.Values{"cursor": {cur}}
		if c.Query("limit") != "" {
			q.Set("limit", strconv.Itoa(limit))
		}
		c.Header("Link", "</api/public/notices.jsonl?"+q.Encode()+`>; rel="next"`)
	}
	c.Data(http.StatusOK, "application/x-ndjson; charset=utf-8", out.Bytes())
}

// FeedLineSchema is the JSON Schema (draft 2020-12) of a FeedLine, served
// in the OpenAPI document.
var FeedLineSchema = map[string]any{
	"$schema": "https://json-schema.org/draft/2020-12/schema",
	"title":   "一条已发布公告（/api/public/notices.jsonl 的一行）",
	"type":    "object",
	"required": []string{"code", "number", "type", "title", "status", "unit", "published_on", "ends_on", "entry_seq",
		"pdf_sha256", "checkpoint_size", "checkpoint", "verify_url", "columns", "rows"},
	"properties": map[string]any{
		"code":            map[string]any{"type": "string", "pattern": "^[a-z0-9-]+$", "description": "公告编号（URL 中使用）"},
		"number":          map[string]any{"type": "string", "description": "文号"},
		"type":            map[string]any{"type": "string", "description": "公告类型"},
		"title":           map[string]any{"type": "string"},
		"village":         map[string]any{"type": "string", "description": "村代码（村级公告）"},
		"village_name":    map[string]any{"type": "string"},
		"period":          map[string]any{"type": "string"},
		"status":          map[string]any{"type": "string", "enum": []string{"published", "ended", "withdrawn", "superseded"}},
		"unit":            map[string]any{"type": "string", "description": "发布单位"},
		"published_on":    map[string]any{"type": "string", "format": "date"},
		"ends_on":         map[string]any{"type": "string", "format": "date"},
		"entry_seq":       map[string]any{"type": "integer", "minimum": 0, "description": "notice_published 条目的序号"},
		"pdf_sha256":      map[string]any{"type": "string", "pattern": "^[0-9a-f]{64}$"},
		"checkpoint_size": map[string]any{"type": "integer", "minimum": 1},
		"checkpoint":      map[string]any{"type": "string", "description": "发布时签署的检查点（C2SP signed note 全文）"},
		"verify_url":      map[string]any{"type": "string", "format": "uri"},
		"columns":         map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		"rows": map[string]any{"type": "array", "items": map[string]any{
			"type": "object", "required": []string{"cells", "seq"},
			"properties": map[string]any{
				"cells":     map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "按网络版脱敏"},
				"seq":       map[string]any{"type": "integer", "minimum": -1, "description": "该行条目的账本序号；-1 为汇总行"},
				"leaf_hash": map[string]any{"type": "string", "contentEncoding": "base64", "description": "条目的 RFC 6962 叶哈希，配合 /api/public/proof/inclusion 核验"},
			}}},
		"totals": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
	},
}
