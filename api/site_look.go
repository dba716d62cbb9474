package api

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// The public site's look (issue 19): the 大字 (large text) choice, the
// favicon and the Chinese 404 page.

// sizeCookie remembers a reader's text size without an account: "large"
// (大字) or absent (标准字号).
const sizeCookie = "sunshine_size"

// sizeCookieAge is how long the choice is remembered: a year.
const sizeCookieAge = 365 * 24 * time.Hour

// largeText reports whether the reader chose 大字.
func largeText(c *gin.Context) bool {
	v, err := c.Cookie(sizeCookie)
	return err == nil && v == "large"
}

// localPath returns back if it is a path on this site ("/…", never
// "//host" or "/\host", no scheme or host, no control characters), else "/".
func localPath(back string) string {
	if len(back) == 0 || len(back) > 1024 || back[0] != '/' {
		return "/"
	}
	if len(back) > 1 && (back[1] == '/' || back[1] == '\\') {
		return "/"
	}
	for _, r := range back {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(back)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return back
}

// GET /display?size=large|standard&back=/path: remembers the text size in
// a cookie (a year, SameSite=Lax, Path=/) and sends the reader back to the
// page (303), only ever to a path on this site.
func (s *Server) displayChoice(c *gin.Context) {
	secure := strings.HasPrefix(s.cfg.PublicURL, "https://")
	if c.Query("size") == "large" {
		http.SetCookie(c.Writer, &http.Cookie{Name: sizeCookie, Value: "large", Path: "/", MaxAge: int(sizeCookieAge / time.Second),
			HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	} else {
		http.SetCookie(c.Writer, &http.Cookie{Name: sizeCookie, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, localPath(c.Query("back")))
}

// backPath is where the size toggle returns to: the page itself (a GET's
// path and query; a form's answer is not repeated, so a POST returns to
// the form's address).
func backPath(c *gin.Context) string {
	u := c.Request.URL
	if c.Request.Method == http.MethodGet && u.RawQuery != "" && len(u.RawQuery) <= 512 {
		return localPath(u.Path + "?" + u.RawQuery)
	}
	if t := c.Query("town"); t != "" {
		return localPath(u.Path + "?town=" + url.QueryEscape(t))
	}
	return localPath(u.Path)
}

// faviconSVG is the site's icon: a white tick in a circle on the site's red.
var faviconSVG = []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">` +
	`<rect width="64" height="64" rx="12" fill="#b3261e"/>` +
	`<circle cx="32" cy="32" r="20" fill="none" stroke="#fff" stroke-width="4"/>` +
	`<path d="M22 33l7 7 14-15" fill="none" stroke="#fff" stroke-width="6" stroke-linecap="round" stroke-linejoin="round"/></svg>`)

func serveFavicon(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "image/svg+xml", faviconSVG)
}

// noRoute answers an unknown address: JSON problems under /api/ (API
// clients rely on them), a Chinese page with status 404 elsewhere.
func (s *Server) noRoute(c *gin.Context) {
	p := c.Request.URL.Path
	if s.site == nil || p == "/api" || strings.HasPrefix(p, "/api/") {
		failCode(c, ledger.CodeNotFound, "没有这个地址")
		return
	}
	lg, err := s.logByTown(c, s.cfg.Town)
	if err != nil {
		lg = ledger.Log{}
	}
	s.notFoundPage(c, lg, "未找到该页面", "您访问的地址不存在，可能已更改或输入有误。")
}

// notFoundPage shows the Chinese 404 page with a way home.
func (s *Server) notFoundPage(c *gin.Context, lg ledger.Log, heading, msg string) {
	s.render(c, lg, http.StatusNotFound, "problem", heading, disclosure.Page{Data: disclosure.ProblemData{Heading: heading, Message: msg}})
}

// siteTownLog is townLog for the public pages: an unknown ?town= is a
// Chinese 404 page, not a JSON problem.
func (s *Server) siteTownLog(c *gin.Context) (ledger.Log, bool) {
	town := c.Query("town")
	if town == "" {
		town = s.cfg.Town
	}
	lg, err := s.logByTown(c, town)
	if ledger.IsNotFound(err) {
		s.notFoundPage(c, ledger.Log{}, "未找到该乡镇", "本站没有编号为 "+town+" 的乡镇。")
		return ledger.Log{}, false
	}
	if err != nil {
		slog.Error("public page", "route", c.FullPath(), "err", err)
		s.render(c, ledger.Log{}, http.StatusServiceUnavailable, "problem", "出错了",
			disclosure.Page{Data: disclosure.ProblemData{Heading: "出错了", Message: "服务暂时不可用，请稍后再试"}})
		return ledger.Log{}, false
	}
	return lg, true
}

// pageError shows a problem as a page: a 404 as the Chinese not-found
// page, others with their Chinese detail (a generic one for internal
// errors).
func (s *Server) pageError(c *gin.Context, lg ledger.Log, err error) {
	status := statusOf(err)
	msg := "服务暂时不可用，请稍后再试"
	var le *ledger.Error
	if errors.As(err, &le) && status < 500 {
		msg = le.Detail
	} else {
		slog.Error("public page", "route", c.FullPath(), "err", err)
	}
	heading := "出错了"
	if status == http.StatusNotFound {
		heading = "未找到该页面"
		if strings.HasPrefix(msg, "未找到") {
			heading, msg = msg, "您要找的内容不存在，可能编号有误。"
		}
	}
	s.render(c, lg, status, "problem", heading, disclosure.Page{Data: disclosure.ProblemData{Heading: heading, Message: msg}})
}
