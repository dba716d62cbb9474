package api

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// The public site's handlers (DOMAIN.md §6): pages drawn by disclosure.Site.

func (s *Server) siteRoutes(r *gin.Engine) {
	site, err := disclosure.NewSite()
	if err != nil {
		panic("templates: " + err.Error()) // embedded: a broken template is a build error
	}
	s.site = site
	r.GET("/", s.homePage)
	r.GET("/notices", s.noticesPage)
	r.GET("/notices/:file", s.noticeFile)
	r.GET("/verify", s.verifyPage)
	r.POST("/verify", s.verifyPage)
	r.GET("/query", s.queryPage)
	r.POST("/query", s.queryPage)
	r.GET("/complaints", s.complaintsPage)
	r.GET("/stats", s.statsPage)
	r.GET("/stats/:village", s.villageStatsPage)
	r.POST("/complaints", s.complaintsPage)
	r.GET("/static/site.css", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.Data(http.StatusOK, "text/css; charset=utf-8", disclosure.SiteCSS())
	})
	r.GET("/display", s.displayChoice)
	r.GET("/favicon.ico", serveFavicon)
	r.GET("/static/favicon.svg", serveFavicon)
	r.GET("/static/verify.js", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, "text/javascript; charset=utf-8", disclosure.VerifyJS())
	})
}

// render writes a page with the town's name and phones.
func (s *Server) render(c *gin.Context, lg ledger.Log, status int, name, title string, p disclosure.Page) {
	var b bytes.Buffer
	if err := s.renderTo(c, lg, &b, name, title, p); err != nil {
		slog.Error("render page", "page", name, "err", err)
		c.Status(http.StatusInternalServerError)
		return
	}
	writePage(c, status, b.Bytes())
}

func (s *Server) renderTo(c *gin.Context, lg ledger.Log, w io.Writer, name, title string, p disclosure.Page) error {
	p.Title = title
	p.Large = largeText(c)
	if p.Back == "" {
		p.Back = backPath(c)
	}
	if t, err := s.svc.Town(c.Request.Context(), lg); err == nil {
		p.Town, p.Phones = t.Name, append(append([]string{}, t.Phones...), "12317")
	}
	return s.site.Render(w, name, p)
}

// pageCSP is the public and staff pages' Content-Security-Policy: scripts
// only from the site's own files (the verify page's /static/verify.js),
// never inline; fetches only to the site itself.
const pageCSP = "default-src 'self'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// writePage sends an HTML page with the site's security headers. A page
// differs by cookie (the staff session, the public 大字 choice): Vary says
// so to any cache on the way.
func writePage(c *gin.Context, status int, b []byte) {
	c.Header("Content-Security-Policy", pageCSP)
	c.Header("Vary", "Cookie")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(status, "text/html; charset=utf-8", b)
}

// pageCache keeps rendered pages of published notices (immutable until
// their next entry), up to a bound.
type pageCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

const pageCacheMax = 512

func (p *pageCache) get(k string) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.m[k]
	return b, ok
}

func (p *pageCache) put(k string, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil || len(p.m) >= pageCacheMax {
		p.m = map[string][]byte{}
	}
	p.m[k] = b
}

func (s *Server) noticeItems(ns []ledger.Notice, names map[string]string) []disclosure.NoticeItem {
	out := make([]disclosure.NoticeItem, 0, len(ns))
	for _, n := range ns {
		out = append(out, disclosure.NoticeItem{Code: n.Code, Title: n.Title, Number: n.Number, PublishedOn: n.PublishedOn,
			VillageName: names[n.Village], Status: n.Status, StatusText: disclosure.StatusText(n.Status)})
	}
	return out
}

// GET /
func (s *Server) homePage(c *gin.Context) {
	lg, ok := s.siteTownLog(c)
	if !ok {
		return
	}
	ns, names, ok := s.publicNotices(c, lg, "")
	if !ok {
		return
	}
	vs, err := s.svc.Villages(c.Request.Context(), lg)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	latest := s.noticeItems(ns[:min(len(ns), 10)], names)
	s.render(c, lg, http.StatusOK, "home", "首页", disclosure.Page{Data: disclosure.HomeData{Villages: vs, Latest: latest}})
}

// GET /notices?village=
func (s *Server) noticesPage(c *gin.Context) {
	lg, ok := s.siteTownLog(c)
	if !ok {
		return
	}
	village := c.Query("village")
	ns, names, ok := s.publicNotices(c, lg, village)
	if !ok {
		return
	}
	vs, err := s.svc.Villages(c.Request.Context(), lg)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	heading := "全部公告公示"
	for _, v := range vs {
		if v.Code == village || v.Name == village {
			village, heading = v.Code, v.Name+"公告公示"
		}
	}
	d := disclosure.NoticesData{Heading: heading, Village: village, Villages: vs, Type: c.Query("type"), Year: c.Query("year"),
		Search: strings.TrimSpace(c.Query("q")), Types: ledger.NoticeTypes}
	page := 1
	if p := c.Query("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100_000 {
			s.render(c, lg, http.StatusBadRequest, "notices", heading, disclosure.Page{Error: "页码无法识别", Data: d})
			return
		}
		page = n
	}
	if utf8.RuneCountInString(d.Search) > 50 {
		s.render(c, lg, http.StatusBadRequest, "notices", heading, disclosure.Page{Error: "查找的文字过长：请输入公告标题或编号中的几个字", Data: d})
		return
	}
	ns = slices.DeleteFunc(ns, func(n ledger.Notice) bool {
		return d.Type != "" && n.Type != d.Type || d.Year != "" && !strings.HasPrefix(n.PublishedOn, d.Year+"-") ||
			d.Search != "" && !strings.Contains(n.Title, d.Search) && !strings.Contains(n.Number, d.Search) && n.Code != d.Search
	})
	// newest published first
	slices.SortStableFunc(ns, func(a, b ledger.Notice) int { return cmp.Compare(b.PublishSeq, a.PublishSeq) })
	q := url.Values{}
	for k, v := range map[string]string{"village": village, "type": d.Type, "year": d.Year, "q": d.Search} {
		if v != "" {
			q.Set(k, v)
		}
	}
	const size = 20
	from := min((page-1)*size, len(ns))
	to := min(from+size, len(ns))
	d.Total, d.From, d.To = len(ns), from+1, to
	if page > 1 {
		q.Set("page", strconv.Itoa(page-1))
		d.Prev = "/notices?" + q.Encode()
	}
	if to < len(ns) {
		q.Set("page", strconv.Itoa(page+1))
		d.Next = "/notices?" + q.Encode()
	}
	d.Notices = s.noticeItems(ns[from:to], names)
	s.render(c, lg, http.StatusOK, "notices", heading, disclosure.Page{Data: d})
}

// GET /notices/:file: a notice's page, or with .pdf its stored PDF bytes.
func (s *Server) noticeFile(c *gin.Context) {
	lg, ok := s.siteTownLog(c)
	if !ok {
		return
	}
	file := c.Param("file")
	code, isPDF := strings.CutSuffix(file, ".pdf")
	n, err := s.svc.NoticeByCode(c.Request.Context(), lg, code)
	if ledger.IsNotFound(err) {
		msg := "没有编号为 " + code + " 的已发布公告，请核对公告编号。"
		if len(code) > 40 {
			msg = "没有这个编号的已发布公告，请核对公告编号。"
		}
		s.notFoundPage(c, lg, "未找到该公告", msg)
		return
	}
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	if isPDF {
		b, err := s.svc.NoticeBlob(c.Request.Context(), lg, n.PDFSHA256)
		if err != nil {
			fail(c, err)
			return
		}
		c.Header("Content-Disposition", `inline; filename="`+n.Code+`.pdf"`)
		c.Header("Cache-Control", "public, max-age=86400, immutable")
		c.Header("ETag", `"`+n.PDFSHA256+`"`)
		c.Data(http.StatusOK, "application/pdf", b)
		return
	}
	// A published notice's page changes only with its status (a later
	// entry): the rendered page is kept by (town, code, last entry) and
	// the reader's text size (大字 or not).
	large := largeText(c)
	key := fmt.Sprintf("%s|%s|%d|%t", lg.Town, n.Code, n.LastSeq, large)
	if b, ok := s.pages.get(key); ok {
		writePage(c, http.StatusOK, b)
		return
	}
	st, err := disclosure.LoadStored(c.Request.Context(), s.svc, lg, n)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	note := ""
	switch n.Status {
	case ledger.NoticeWithdrawn:
		note = "本公告已于 " + n.WithdrawnOn + " 撤回。撤回理由：" + n.WithdrawReason
	case ledger.NoticeSuperseded:
		note = "本公告已被新公告替代：" + n.SupersededBy
	}
	verify := strings.TrimPrefix(st.VerifyURL, strings.TrimRight(s.cfg.PublicURL, "/"))
	var b bytes.Buffer
	// the toggle's way back is the notice's own address, the same for
	// every reader of this cached page
	back := "/notices/" + url.PathEscape(n.Code)
	if lg.Town != s.cfg.Town {
		back += "?town=" + url.QueryEscape(lg.Town)
	}
	if err := s.renderTo(c, lg, &b, "notice", st.Content.Title, disclosure.Page{Back: back, Data: disclosure.NoticeData{Code: n.Code, Content: st.Content,
		Checkpoint: st.Checkpoint, Witnesses: st.Witnesses, VerifyPath: verify, StatusNote: note}}); err != nil {
		s.pageError(c, lg, err)
		return
	}
	s.pages.put(key, b.Bytes())
	writePage(c, http.StatusOK, b.Bytes())
}

// verifyBudget bounds the work of one public verification: the rows'
// proofs stop when it runs out (not only the answer).
const verifyBudget = 10 * time.Second

// maxVerifyUpload bounds an uploaded notice PDF.
const maxVerifyUpload = 20 << 20

// GET /verify?notice=&n=&r= (a QR code), or POST with an uploaded PDF or a
// pasted checkpoint. Every verification is bounded: per client address
// (Config.VerifyPerMinute), in time (verifyBudget), in rows (a PDF's
// embedded rows at most its notice's own) and in bytes (the upload, and its
// attachment's inflated size in disclosure). The page shows what the paper
// must say (the notice's web copy) with each row's ✔ or ✘.
func (s *Server) verifyPage(c *gin.Context) {
	lg, ok := s.siteTownLog(c)
	if !ok {
		return
	}
	d := disclosure.VerifyData{Notice: c.Query("notice"), N: c.Query("n"), R: c.Query("r"), Town: lg.Town}
	page := func(status int, msg string) {
		s.render(c, lg, status, "verify", "核验公告", disclosure.Page{Error: msg, Data: d})
	}
	if c.Request.Method != http.MethodPost && d.Notice == "" {
		page(http.StatusOK, "")
		return
	}
	if !s.verifyLimit.take(clientKey(c.ClientIP())) {
		c.Header("Retry-After", "60")
		page(http.StatusTooManyRequests, "核验过于频繁，请稍后再试")
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), verifyBudget)
	defer cancel()
	// At most a few verifications at once, whoever asks: the rest wait a
	// moment, then are told to come back.
	select {
	case s.verifySlots <- struct{}{}:
		defer func() { <-s.verifySlots }()
	case <-time.After(3 * time.Second):
		c.Header("Retry-After", "10")
		page(http.StatusServiceUnavailable, "核验的人较多，请稍后再试")
		return
	}
	trust, err := s.trust(lg)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	src := disclosure.LedgerSource{L: s.ledger, Lg: lg}
	show := func(n ledger.Notice, st disclosure.Stored) {
		d.Content = &st.Content
		if n.Village != "" {
			d.VillageName = s.villageNames(c, lg)[n.Village]
		}
	}
	var claim disclosure.Claim
	switch {
	case c.Request.Method == http.MethodPost:
		claim.PublishSeq = -1
		if fh, err := c.FormFile("pdf"); err == nil {
			if fh.Size > maxVerifyUpload {
				page(http.StatusRequestEntityTooLarge, "上传的文件过大：公告 PDF 不会超过 20 MB")
				return
			}
			f, err := fh.Open()
			if err != nil {
				page(http.StatusBadRequest, "无法读取上传的文件")
				return
			}
			pdf, err := io.ReadAll(io.LimitReader(f, maxVerifyUpload))
			f.Close()
			if err != nil {
				page(http.StatusBadRequest, "无法读取上传的文件")
				return
			}
			claim, err = disclosure.ClaimFromPDF(pdf)
			if err != nil {
				page(http.StatusUnprocessableEntity, err.Error())
				return
			}
			n, st, ok := s.storedFor(c, lg, claim.Notice)
			if !ok {
				page(http.StatusNotFound, "PDF 中的公告编号在本镇账本中不存在：这不是本镇发布的公告")
				return
			}
			if len(claim.Rows) > len(st.Rows) {
				page(http.StatusUnprocessableEntity, fmt.Sprintf("PDF 内嵌的核验数据有 %d 行，多于该公告的 %d 行：这不是该公告的 PDF", len(claim.Rows), len(st.Rows)))
				return
			}
			claim.PublishSeq = n.PublishSeq
			d.Notice = n.Code
			show(n, st)
		} else if cp := c.PostForm("checkpoint"); strings.TrimSpace(cp) != "" {
			if len(cp) > 4096 {
				page(http.StatusRequestEntityTooLarge, "粘贴的内容过长：检查点只有几行")
				return
			}
			claim.Checkpoint = []byte(normalizeNote(cp))
		} else {
			page(http.StatusUnprocessableEntity, "请上传公告 PDF，或粘贴公告上印的检查点")
			return
		}
	default:
		n, st, ok := s.storedFor(c, lg, d.Notice)
		if !ok {
			page(http.StatusNotFound, "未找到编号为 "+d.Notice+" 的公告")
			return
		}
		show(n, st)
		claim = disclosure.Claim{Notice: n.Code, Rows: st.Rows, PublishSeq: n.PublishSeq}
		if d.N != "" || d.R != "" {
			// the numbers printed on the paper (the QR code), never the
			// server's copy of the notice's checkpoint
			size, err1 := strconv.ParseInt(d.N, 10, 64)
			root, err2 := disclosure.ParseRoot(d.R)
			if err1 != nil || err2 != nil || size <= 0 {
				page(http.StatusBadRequest, "二维码中的检查点大小 n 或根哈希 r 无法识别：请重新扫描公告上的二维码")
				return
			}
			claim.Size, claim.Root = size, root
		} else {
			claim.Checkpoint = []byte(st.Checkpoint)
		}
	}
	rep := disclosure.Verify(ctx, src, trust, claim)
	d.Report = &rep
	if rep.Stopped {
		c.Header("Retry-After", "60")
		page(http.StatusServiceUnavailable, "核验超时，已停止，请稍后再试")
		return
	}
	page(http.StatusOK, "")
}

// trust is what the verify page trusts: the town's verifier key and the
// configured witnesses, of which the quorum must vouch for today's
// checkpoint.
func (s *Server) trust(lg ledger.Log) (disclosure.Trust, error) {
	vkey, err := s.ledger.VerifierKey(lg)
	if err != nil {
		return disclosure.Trust{}, err
	}
	t := disclosure.Trust{Key: vkey}
	if cs := s.ledger.Cosigner(); cs != nil {
		t.Witnesses, t.Quorum = cs.Witnesses, cs.QuorumSize()
	}
	return t, nil
}

// clientKey is the rate-limit key of a client address: an IPv6 client by
// its /64 (one subscriber holds at least that many addresses), an IPv4
// client by its address.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// storedFor returns a published notice and its stored content, or false.
func (s *Server) storedFor(c *gin.Context, lg ledger.Log, code string) (ledger.Notice, disclosure.Stored, bool) {
	n, err := s.svc.NoticeByCode(c.Request.Context(), lg, strings.TrimSpace(code))
	if err != nil {
		return n, disclosure.Stored{}, false
	}
	st, err := disclosure.LoadStored(c.Request.Context(), s.svc, lg, n)
	return n, st, err == nil
}

// normalizeNote turns pasted text (CRLF, trailing spaces) into a note.
func normalizeNote(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\u3000")
		l = strings.TrimLeft(l, " \t\u3000")
		out = append(out, l)
	}
	t := strings.Trim(strings.Join(out, "\n"), "\n")
	// a note: body, a blank line, signature lines
	return t + "\n"
}

// GET/POST /query: the self-query form and its answer.
func (s *Server) queryPage(c *gin.Context) {
	lg, ok := s.siteTownLog(c)
	if !ok {
		return
	}
	vs, err := s.svc.Villages(c.Request.Context(), lg)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	d := disclosure.QueryData{Villages: vs}
	if c.Request.Method != http.MethodPost {
		s.render(c, lg, http.StatusOK, "query", "补助发放查询", disclosure.Page{Data: d})
		return
	}
	b := queryBody{Village: c.PostForm("village"), Name: c.PostForm("name"), IDNumber: c.PostForm("id_number")}
	d.Village = b.Village
	ans, err := s.selfQuery(c, lg, b)
	if err != nil {
		s.render(c, lg, statusOf(err), "query", "补助发放查询", disclosure.Page{Error: problemDetail(err), Data: d})
		return
	}
	qa := &disclosure.QueryAnswer{Name: ans.Name, IDNumber: ans.IDNumber}
	for _, p := range selfPayments(ans) {
		qa.Payments = append(qa.Payments, disclosure.QueryPayment{Item: p.Item, Amount: p.Amount, PaidOn: p.PaidOn, Status: p.Status, Payee: p.Payee, Seq: p.Seq,
			Destination: p.Destination, Bank: p.Bank})
	}
	d.Answer = qa
	c.Header("Cache-Control", "no-store")
	s.render(c, lg, http.StatusOK, "query", "补助发放查询", disclosure.Page{Data: d})
}

// GET/POST /complaints: the form, a new receipt, or a complaint's status.
func (s *Server) complaintsPage(c *gin.Context) {
	lg, ok := s.siteTownLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vs, err := s.svc.Villages(ctx, lg)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	d := disclosure.ComplaintsData{Notice: c.Query("notice"), Villages: vs}
	status, msg := http.StatusOK, ""
	switch {
	case c.Request.Method == http.MethodPost:
		if !s.limits.perIP.take("complaint\x00" + clientKey(c.ClientIP())) {
			status, msg = http.StatusTooManyRequests, "提交过于频繁，请稍后再试"
			break
		}
		cm, err := s.svc.FileComplaint(ctx, lg, ledger.ComplaintInput{NoticeCode: c.PostForm("notice_code"), Village: c.PostForm("village"),
			Text: c.PostForm("text"), Contact: c.PostForm("contact")})
		if err != nil {
			status, msg = statusOf(err), problemDetail(err)
			d.Notice, d.Village, d.Text, d.Contact = c.PostForm("notice_code"), c.PostForm("village"), c.PostForm("text"), c.PostForm("contact")
			break
		}
		// Redirect after the post: a reload shows the receipt again and
		// never files the complaint twice. The receipt is in the address
		// like a typed progress query (it is not personal data; the page
		// shows what its holder wrote).
		q := url.Values{"receipt": {cm.Receipt}, "new": {"1"}}
		if t := c.Query("town"); t != "" {
			q.Set("town", t)
		}
		c.Redirect(http.StatusSeeOther, "/complaints?"+q.Encode())
		return
	case c.Query("receipt") != "":
		cm, err := s.svc.ComplaintByReceipt(ctx, lg, c.Query("receipt"))
		if err != nil {
			status, msg = statusOf(err), problemDetail(err)
			break
		}
		if c.Query("new") == "1" {
			d.Receipt = cm.Receipt
		}
		d.Status = &disclosure.ComplaintStatus{Receipt: cm.Receipt, Kind: cm.Kind, NoticeCode: cm.NoticeCode, Text: cm.Text,
			StatusText: disclosure.ComplaintStatusText(cm), FiledAt: cm.FiledAt, Replies: cm.Replies}
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, lg, status, "complaints", "异议与投诉", disclosure.Page{Error: msg, Data: d})
}

// statusOf is the HTTP status of an error.
func statusOf(err error) int { return problemFor(err).Status }

// problemDetail is the Chinese detail of an error (a generic one for
// internal errors).
func problemDetail(err error) string {
	var le *ledger.Error
	if errors.As(err, &le) && statusOf(err) < 500 {
		return le.Detail
	}
	return "服务暂时不可用，请稍后再试"
}
