package api

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/pages"
)

// The staff pages (issue 7, started with the monitors' path): the same
// session as the API, carried by a Secure (behind https), HttpOnly,
// SameSite=Strict cookie; every form carries a CSRF token derived from the
// session token (which script on another site cannot read); the same roles,
// village scoping and masking as the API, and its error details shown as
// Chinese messages.

func (s *Server) staffPageRoutes(r *gin.Engine) {
	p, err := pages.New(s.ledger.Location())
	if err != nil {
		panic("staff templates: " + err.Error()) // embedded: a broken template is a build error
	}
	s.pages2 = p
	r.GET("/staff/login", s.staffLoginPage)
	r.POST("/staff/login", s.staffLogin)
	r.POST("/staff/logout", s.staffPage(anyStaff), s.staffLogout)
	r.GET("/staff/password", s.staffPage(anyStaff), s.staffPasswordPage)
	r.POST("/staff/password", s.staffPage(anyStaff), s.staffPassword)
	r.GET("/staff/", s.staffPage(anyStaff), s.staffHome)
	r.GET("/staff/flags", s.staffPage(anyStaff), s.staffFlags)
	r.GET("/staff/flags/:id", s.staffPage(anyStaff), s.staffFlag)
	r.POST("/staff/flags/:id/review", s.staffPage(reviewers), s.staffReview)
	s.staffWorkRoutes(r)
}

// CSRFToken is the form token of a session: a hash of its token.
func CSRFToken(session string) string {
	h := sha256.Sum256([]byte("sunshine csrf\x00" + session))
	return hex.EncodeToString(h[:16])
}

// staffPage admits a logged-in user with one of the roles (else the login
// page, or a 403 page) and checks the CSRF token of every POST.
func (s *Server) staffPage(roles []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok := bearer(c)
		u, _, err := s.auth.Authenticate(c.Request.Context(), tok)
		if err != nil {
			// the login form, with the status an API client would get
			s.staffRender(c, http.StatusUnauthorized, "login", "登录", pages.Page{Error: problemDetail(err)})
			c.Abort()
			return
		}
		c.Set(ctxUser, u)
		c.Set(ctxToken, tok)
		if c.Request.Method == http.MethodPost && c.FullPath() == "/staff/imports" {
			uploadDeadline(c) // reading the form below reads the whole upload
		}
		if c.Request.Method == http.MethodPost {
			got := c.PostForm("csrf")
			if subtle.ConstantTimeCompare([]byte(got), []byte(CSRFToken(tok))) != 1 {
				s.staffRender(c, http.StatusForbidden, "login", "请求无效", pages.Page{Error: "表单已失效或来源不明（CSRF 校验未通过），请刷新页面后重试"})
				c.Abort()
				return
			}
		}
		if u.MustChange && c.FullPath() != "/staff/password" && c.FullPath() != "/staff/logout" {
			// a password an admin reset: the page to change it first
			c.Redirect(http.StatusSeeOther, "/staff/password")
			c.Abort()
			return
		}
		if !slices.Contains(roles, u.Role) {
			s.staffRender(c, http.StatusForbidden, "login", "无权访问", pages.Page{Error: "您的角色无权进行此操作"})
			c.Abort()
			return
		}
		if !townAllowed(c, u) {
			s.staffRender(c, http.StatusForbidden, "login", "无权访问", pages.Page{Error: "您只能查看本乡镇的数据"})
			c.Abort()
			return
		}
		if u.Role == ledger.RoleCounty && c.Request.Method == http.MethodGet {
			s.countyStickyTown(c)
		}
		c.Next()
	}
}

// countyStickyTown keeps the county office's chosen town across its staff
// pages: a GET naming a town of the service with ?town= stores it in the
// countyTownCookie; a GET without ?town= reads that cookie (a town no
// longer known is dropped), so countyTown answers it.
func (s *Server) countyStickyTown(c *gin.Context) {
	secure := strings.HasPrefix(s.cfg.PublicURL, "https://")
	if t := c.Query("town"); t != "" {
		if _, err := s.logByTown(c, t); err == nil {
			http.SetCookie(c.Writer, &http.Cookie{Name: countyTownCookie, Value: t, Path: "/staff", HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
		}
		return
	}
	t, err := c.Cookie(countyTownCookie)
	if err != nil || t == "" {
		return
	}
	if _, err := s.logByTown(c, t); err != nil {
		http.SetCookie(c.Writer, &http.Cookie{Name: countyTownCookie, Value: "", Path: "/staff", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
		return
	}
	c.Set(ctxCountyTown, t)
}

// staffRender writes a staff page for the caller (if logged in).
func (s *Server) staffRender(c *gin.Context, status int, name, title string, p pages.Page) {
	p.Title = title
	if v, ok := c.Get(ctxUser); ok {
		u := v.(ledger.User)
		p.User = &u
		p.CSRF = CSRFToken(c.GetString(ctxToken))
		if lg, err := s.logOf(c, u); err == nil {
			if t, err := s.svc.Town(c.Request.Context(), lg); err == nil {
				p.Town = t.Name
			}
			if u.Role == ledger.RoleCounty && name != "county" && name != "login" {
				// which town the county office is reading, on every page
				p.Viewing = lg.Town
				if p.Town != "" {
					p.Viewing = p.Town + "（" + lg.Town + "）"
				}
			}
		}
	}
	var b bytes.Buffer
	if err := s.pages2.Render(&b, name, p); err != nil {
		slog.Error("render staff page", "page", name, "err", err)
		c.Status(http.StatusInternalServerError)
		return
	}
	c.Header("Cache-Control", "no-store")
	writePage(c, status, b.Bytes())
}

// logOf returns the log of the user's town; ErrNotFound when there is none.
func (s *Server) logOf(c *gin.Context, u ledger.User) (ledger.Log, error) {
	if t := countyTown(c, u); t != "" && t != u.Town {
		return s.logByTown(c, t)
	}
	s.logsMu.Lock()
	lg, ok := s.logsByID[u.LogID]
	s.logsMu.Unlock()
	if ok {
		return lg, nil
	}
	logs, err := s.store.Logs(c.Request.Context())
	if err != nil {
		return ledger.Log{}, err
	}
	s.logsMu.Lock()
	defer s.logsMu.Unlock()
	for _, l := range logs {
		s.logsByID[l.ID] = l
	}
	if lg, ok := s.logsByID[u.LogID]; ok {
		return lg, nil
	}
	return ledger.Log{}, ledger.ErrNotFound
}

func (s *Server) staffLoginPage(c *gin.Context) {
	s.staffRender(c, http.StatusOK, "login", "登录", pages.Page{})
}

// GET /staff/password: the form to change one's own password (the only
// page a user whose password an admin reset may open).
func (s *Server) staffPasswordPage(c *gin.Context) {
	s.staffRender(c, http.StatusOK, "password", "修改密码", pages.Page{Data: user(c).MustChange})
}

// POST /staff/password: the caller's own password changed (a withheld
// entry), then their first page; a refusal keeps the form.
func (s *Server) staffPassword(c *gin.Context) {
	u := user(c)
	refuse := func(status int, msg string) {
		s.staffRender(c, status, "password", "修改密码", pages.Page{Error: msg, Data: u.MustChange})
	}
	lg, err := s.logOf(c, u)
	if err != nil {
		refuse(statusOf(err), problemDetail(err))
		return
	}
	if c.PostForm("new_password") != c.PostForm("confirm_password") {
		refuse(http.StatusUnprocessableEntity, "两次输入的新密码不一致")
		return
	}
	if err := s.auth.ChangePassword(c.Request.Context(), lg, u.ID, c.PostForm("current_password"), c.PostForm("new_password")); err != nil {
		refuse(statusOf(err), problemDetail(err))
		return
	}
	c.Redirect(http.StatusSeeOther, pages.Home(u.Role))
}

// POST /staff/login: the session cookie, then the user's first page.
func (s *Server) staffLogin(c *gin.Context) {
	device, _ := c.Cookie(deviceCookie)
	r, err := s.auth.LoginWith(c.Request.Context(), ledger.LoginAttempt{Username: strings.TrimSpace(c.PostForm("username")), Password: c.PostForm("password"),
		Addr: clientKey(c.ClientIP()), Device: device})
	if err != nil {
		s.staffRender(c, statusOf(err), "login", "登录", pages.Page{Error: problemDetail(err)})
		return
	}
	u := r.User
	secure := strings.HasPrefix(s.cfg.PublicURL, "https://")
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: r.Token, Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	// The device cookie outlives the session (and logout): this browser's
	// next login is judged by its own gate (ledger.LoginAttempt.Device).
	http.SetCookie(c.Writer, &http.Cookie{Name: deviceCookie, Value: r.Device, Path: "/staff/login", MaxAge: int(ledger.DeviceTTL / time.Second),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	c.Redirect(http.StatusSeeOther, pages.Home(u.Role))
}

func (s *Server) staffLogout(c *gin.Context) {
	_ = s.auth.Logout(c.Request.Context(), c.GetString(ctxToken))
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: countyTownCookie, Value: "", Path: "/staff", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	c.Redirect(http.StatusSeeOther, "/staff/login")
}

// GET /staff/flags?status=: the caller's flags (monitors: their villages'),
// most severe and newest first.
func (s *Server) staffFlags(c *gin.Context) {
	u := user(c)
	lg, err := s.logOf(c, u)
	if err != nil {
		s.staffRender(c, statusOf(err), "login", "无权访问", pages.Page{Error: problemDetail(err)})
		return
	}
	status := c.DefaultQuery("status", "open")
	f := ledger.FlagFilter{Status: status, Village: c.Query("village"), Rule: c.Query("rule"), Severity: c.Query("severity")}
	d := pages.FlagsData{Status: status, Village: f.Village, Rule: f.Rule, Severity: f.Severity, VillageNames: s.villageNames(c, lg)}
	d.Search = strings.TrimSpace(c.Query("q"))
	fs, err := s.svc.Flags(c.Request.Context(), lg, f, &u)
	if err == nil && d.Search != "" {
		fs = slices.DeleteFunc(fs, func(x ledger.Flag) bool { return !flagMatches(x, d.Search) })
	}
	if err != nil {
		s.staffRender(c, statusOf(err), "flags", "线索", pages.Page{Error: problemDetail(err), Data: d})
		return
	}
	var alarms []ledger.Alarm
	if u.Role == ledger.RoleDiscipline || u.Role == ledger.RoleAdmin || u.Role == ledger.RoleAuditor {
		if alarms, err = s.ledger.Alarms(c.Request.Context(), lg); err != nil {
			s.staffRender(c, statusOf(err), "flags", "线索", pages.Page{Error: problemDetail(err), Data: d})
			return
		}
	}
	d.Alarms = alarms
	// Choices: the villages the caller sees, the rules, severities, states.
	for _, v := range s.villageOptions(c, lg) {
		if u.Role != ledger.RoleMonitor || watches(u, v.Value) {
			d.Villages = append(d.Villages, v)
		}
	}
	for _, r := range anomaly.Catalogue() {
		d.Rules = append(d.Rules, pages.Option{Value: r.Code, Label: r.Code + " " + r.Name})
	}
	for _, sv := range []string{ledger.SeverityHigh, ledger.SeverityWarn, ledger.SeverityInfo} {
		d.Severities = append(d.Severities, pages.Option{Value: sv, Label: pages.SeverityText(sv)})
	}
	d.Statuses = []pages.Option{{Value: "", Label: "全部状态"}}
	for _, st := range []string{ledger.FlagOpen, ledger.FlagAcknowledged, ledger.FlagEscalated, ledger.FlagConfirmed, ledger.FlagDismissed} {
		d.Statuses = append(d.Statuses, pages.Option{Value: st, Label: pages.FlagStatusText(st)})
	}
	// Pages of 50 in the list's order (most severe, newest first): a town's
	// flags are held in memory by Flags, so the page is an offset.
	q := filterQuery(map[string]string{"status": status, "village": f.Village, "rule": f.Rule, "severity": f.Severity, "q": d.Search})
	q.Set("status", status) // "" is the filter 全部状态, not the default 待处理
	from, to, pg, err := offsetPage(c, len(fs), staffPageSize, "/staff/flags", q, "风险高的在前，同等级新的在前")
	if err != nil {
		s.staffRender(c, http.StatusBadRequest, "flags", "线索", pages.Page{Error: "筛选条件【页码】无法识别，请重新选择", Data: d})
		return
	}
	d.Flags, d.Pager = fs[from:to], pg
	d.Pager.Export = "/staff/flags.xlsx?" + q.Encode()
	s.staffRender(c, http.StatusOK, "flags", "线索", pages.Page{Note: doneNote(c), Data: d})
}

// flagMatches reports whether a flag's reason, subject or number holds the
// search text (the flag list's search box).
func flagMatches(f ledger.Flag, q string) bool {
	return strings.Contains(f.Reason, q) || strings.Contains(f.Subject.Label, q) || strconv.FormatInt(f.ID, 10) == q
}

// villageOptions are the town's villages as choices.
func (s *Server) villageOptions(c *gin.Context, lg ledger.Log) []pages.Option {
	var out []pages.Option
	if vs, err := s.svc.Villages(c.Request.Context(), lg); err == nil {
		for _, v := range vs {
			out = append(out, pages.Option{Value: v.Code, Label: v.Name})
		}
	}
	return out
}

// flagFor returns a flag the caller may see, or writes the not-found page.
func (s *Server) flagFor(c *gin.Context) (ledger.Log, ledger.Flag, bool) {
	u := user(c)
	lg, err := s.logOf(c, u)
	var f ledger.Flag
	if err == nil {
		var id int64
		if id, err = parseID(c.Param("id")); err == nil {
			f, err = s.svc.Flag(c.Request.Context(), lg, id)
		}
	}
	if err != nil || !ledger.FlagVisible(u, f) {
		s.staffRender(c, http.StatusNotFound, "flags", "线索", pages.Page{Error: "未找到该线索", Data: pages.FlagsData{}})
		return lg, f, false
	}
	return lg, f, true
}

func canReview(u ledger.User, f ledger.Flag) bool {
	if f.Status == ledger.FlagConfirmed || f.Status == ledger.FlagDismissed {
		return false
	}
	switch u.Role {
	case ledger.RoleMonitor:
		return f.Status != ledger.FlagEscalated && f.Village != ""
	case ledger.RoleDiscipline:
		return true
	}
	return false
}

// GET /staff/flags/:id: the reason, evidence, history and the review form.
func (s *Server) staffFlag(c *gin.Context) {
	_, f, ok := s.flagFor(c)
	if !ok {
		return
	}
	s.staffRender(c, http.StatusOK, "flag", "线索", pages.Page{Data: s.flagData(c, f)})
}

// flagData is a flag with the payments its evidence names (payees by
// public-masked name) and where to read more.
func (s *Server) flagData(c *gin.Context, f ledger.Flag) pages.FlagData {
	u := user(c)
	d := pages.FlagData{Flag: f, CanReview: canReview(u, f), Entries: slices.Contains(fullReaders, u.Role), Payments: slices.Contains(villageReaders, u.Role)}
	lg, err := s.logOf(c, u)
	if err != nil {
		return d
	}
	if f.Village != "" {
		d.VillageName = s.villageNames(c, lg)[f.Village]
	}
	d.Actors = s.actorNames(c, lg)
	var ps []ledger.Payment
	for i, v := range f.Evidence.Vouchers {
		if i == 20 {
			break
		}
		got, err := s.svc.Payments(c.Request.Context(), lg, ledger.PaymentFilter{VoucherNo: v, Limit: 5})
		if err == nil {
			ps = append(ps, got...)
		}
	}
	d.EvidencePayments = s.paymentViews(c, lg, ps)
	if ns, err := s.svc.NoticesCiting(c.Request.Context(), lg, f, ps); err == nil {
		d.Notices = ns
	}
	s.addFlagContext(c, lg, &d, ps)
	if raised, err := time.Parse(time.RFC3339, f.RaisedAt); err == nil && f.Rule == "T1" {
		d.LaterChecks = s.laterPassingVerifies(c, raised)
	}
	return d
}

// laterPassingVerifies returns the verify job's successful runs that began
// after t (at most 5, newest first).
func (s *Server) laterPassingVerifies(c *gin.Context, t time.Time) []ledger.JobRun {
	js, ok := s.store.(ledger.JobStore)
	if !ok {
		return nil
	}
	runs, err := js.JobRuns(c.Request.Context(), "verify", 20)
	if err != nil {
		return nil
	}
	var out []ledger.JobRun
	for _, r := range runs {
		if r.Outcome == ledger.OutcomeSuccess && r.StartedAt.After(t) && len(out) < 5 {
			out = append(out, r)
		}
	}
	return out
}

// POST /staff/flags/:id/review: a review step; the refusal is shown on the
// flag's page, success goes back to the open list.
func (s *Server) staffReview(c *gin.Context) {
	lg, f, ok := s.flagFor(c)
	if !ok {
		return
	}
	u := user(c)
	action := c.PostForm("action")
	got, err := s.svc.ReviewFlag(c.Request.Context(), lg, u, f.ID, action, c.PostForm("note"), nil)
	if err != nil {
		d := s.flagData(c, f)
		d.Action, d.Note = action, c.PostForm("note")
		s.staffRender(c, statusOf(err), "flag", "线索", pages.Page{Error: problemDetail(err), Data: d})
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/flags?status=open&"+doneQuery("flag_"+action, got.Rule))
}

func parseID(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
