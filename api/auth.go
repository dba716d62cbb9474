package api

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

const ctxUser = "user"
const ctxToken = "token"

// Role sets used by the routes.
var (
	anyStaff    = ledger.Roles
	writers     = []string{ledger.RoleAdmin, ledger.RoleFinance}
	makers      = []string{ledger.RoleFinance} // payments: never an admin (separation of duties)
	adminOnly   = []string{ledger.RoleAdmin}
	approvers   = []string{ledger.RoleApprover}
	allReaders  = []string{ledger.RoleAdmin, ledger.RoleFinance, ledger.RoleApprover, ledger.RoleDiscipline, ledger.RoleAuditor, ledger.RoleCounty}
	fullReaders = []string{ledger.RoleAdmin, ledger.RoleFinance, ledger.RoleAuditor, ledger.RoleDiscipline}
	// entryReaders read the log's entries: fullReaders and the county
	// office (which may not start a verification: it writes nothing).
	entryReaders = append(slices.Clone(fullReaders), ledger.RoleCounty)
	jobReaders   = []string{ledger.RoleAdmin, ledger.RoleAuditor, ledger.RoleDiscipline, ledger.RoleCounty}
	countyOnly   = []string{ledger.RoleCounty}
	reviewers    = []string{ledger.RoleMonitor, ledger.RoleDiscipline}
)

// bearer returns the token of the request: the Authorization header, or the
// session cookie of the staff pages.
func bearer(c *gin.Context) string {
	tok, _ := bearerFrom(c)
	return tok
}

// bearerFrom also says whether the token came from the session cookie.
func bearerFrom(c *gin.Context) (string, bool) {
	if h := c.GetHeader("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t), false
		}
		return "", false
	}
	if ck, err := c.Cookie(sessionCookie); err == nil {
		return ck, true
	}
	return "", false
}

// csrfHeader carries the session's CSRF token (CSRFToken) when a JSON API
// call rides on the staff pages' session cookie. A browser sends the cookie
// with a request another origin of the same site makes (another port, a
// sibling subdomain: SameSite does not tell them apart), but that page can
// neither read the token nor set a custom header without a CORS preflight,
// which this service never grants.
const csrfHeader = "X-CSRF-Token"

const sessionCookie = "sunshine_session"

// deviceCookie holds the staff pages' device token (ledger.LoginAttempt.Device):
// HttpOnly, SameSite=Strict, sent only to the login form.
const deviceCookie = "sunshine_device"

// authed admits users with one of the roles, within their town.
func (s *Server) authed(roles []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok, cookie := bearerFrom(c)
		if cookie && subtle.ConstantTimeCompare([]byte(c.GetHeader(csrfHeader)), []byte(CSRFToken(tok))) != 1 {
			failCode(c, ledger.CodeForbidden, "使用登录 Cookie 调用接口须带 X-CSRF-Token 请求头（来源不明的请求已拒绝）")
			return
		}
		u, _, err := s.auth.Authenticate(c.Request.Context(), tok)
		if err != nil {
			fail(c, err)
			return
		}
		if u.MustChange && !mustChangeAllowed[c.FullPath()] {
			failCode(c, ledger.CodeForbidden, "管理员已重置您的密码，请先修改密码（POST /api/v1/auth/password）")
			return
		}
		if !slices.Contains(roles, u.Role) {
			failCode(c, ledger.CodeForbidden, "您的角色无权进行此操作")
			return
		}
		if !townAllowed(c, u) {
			failCode(c, ledger.CodeForbidden, "您只能查看本乡镇的数据")
			return
		}
		c.Set(ctxUser, u)
		c.Set(ctxToken, tok)
		c.Next()
	}
}

// townAllowed reports whether the caller may name the town of ?town=: its
// own town, or any town for the county office (which reads every town's
// books). Only the county office's reads select a town with it; everyone
// else acts within their own town.
func townAllowed(c *gin.Context, u ledger.User) bool {
	t := c.Query("town")
	return t == "" || t == u.Town || u.Role == ledger.RoleCounty
}

// countyTown returns the town a county office's read names (?town=, on a
// GET or a person search): "" for anyone else, for writes (its own
// password change stays in its own town) and when none is named.
func countyTown(c *gin.Context, u ledger.User) string {
	if u.Role != ledger.RoleCounty {
		return ""
	}
	if c.Request.Method != http.MethodGet && c.FullPath() != "/api/v1/persons/search" {
		return ""
	}
	if t := c.Query("town"); t != "" {
		return t
	}
	return c.GetString(ctxCountyTown)
}

// ctxCountyTown holds, on a county office's staff page GET without ?town=,
// the town it chose last (the countyTownCookie, when it names a town of the
// service): staffPage sets it, for the county role only.
const ctxCountyTown = "county_town"

// countyTownCookie keeps the town a county office's staff pages read: set
// by any of its staff page GETs with a valid ?town= (the summary's links),
// so the links of that page (which carry no ?town=) stay in that town. It
// is read only for the county role, only on staff page GETs, and selects
// nothing ?town= could not.
const countyTownCookie = "sunshine_county_town"

func user(c *gin.Context) ledger.User {
	u, _ := c.Get(ctxUser)
	return u.(ledger.User)
}

// userLog returns the log of the caller's town, or answers the request
// itself with the problem.
func (s *Server) userLog(c *gin.Context) (ledger.Log, bool) {
	lg, err := s.logOf(c, user(c))
	if ledger.IsNotFound(err) && countyTown(c, user(c)) != "" {
		failCode(c, ledger.CodeNotFound, "没有这个乡镇")
		return lg, false
	}
	if ledger.IsNotFound(err) {
		failCode(c, ledger.CodeForbidden, "账户所属乡镇不存在")
		return lg, false
	}
	if err != nil {
		fail(c, err)
		return lg, false
	}
	return lg, true
}

// seesVillage reports whether the caller may see a village's data: everyone
// but monitors sees every village of their town; monitors only theirs.
// Town-level data ("" village) is visible to monitors too.
func seesVillage(u ledger.User, village string) bool {
	return u.Role != ledger.RoleMonitor || village == "" || slices.Contains(u.Villages, village)
}

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// DeviceToken is the device_token an earlier login of this account
	// answered (optional): an attempt carrying it is slowed only by its
	// own mistakes, never by guesses at the account from elsewhere.
	DeviceToken string `json:"device_token,omitempty"`
}

// UserDTO is a user as the API shows it.
type UserDTO struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Role     string   `json:"role"`
	Town     string   `json:"town"`
	Villages []string `json:"villages"`
}

func userDTO(u ledger.User) UserDTO {
	v := u.Villages
	if v == nil {
		v = []string{}
	}
	return UserDTO{ID: u.ID, Username: u.Username, Role: u.Role, Town: u.Town, Villages: v}
}

// POST /api/v1/auth/login
func (s *Server) login(c *gin.Context) {
	var b loginBody
	if !decodeBody(c, &b) {
		return
	}
	if b.Username == "" || b.Password == "" {
		failCode(c, ledger.CodeValidationFailed, "请填写用户名和密码")
		return
	}
	r, err := s.auth.LoginWith(c.Request.Context(), ledger.LoginAttempt{Username: b.Username, Password: b.Password,
		Addr: clientKey(c.ClientIP()), Device: b.DeviceToken})
	if err != nil {
		fail(c, err)
		return
	}
	u := r.User
	out := gin.H{"token": r.Token, "expires_at": r.Session.ExpiresAt.UTC().Format(timeRFC3339), "user": userDTO(u), "device_token": r.Device}
	if u.MustChange {
		out["must_change_password"] = true
	}
	c.JSON(http.StatusOK, out)
}

// The routes a user whose password an admin reset may still call.
var mustChangeAllowed = map[string]bool{"/api/v1/auth/password": true, "/api/v1/auth/logout": true, "/api/v1/auth/me": true}

type passwordBody struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// POST /api/v1/auth/password {current_password, new_password}: the caller's
// own password.
func (s *Server) changePassword(c *gin.Context) {
	var b passwordBody
	lg, _, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	if err := s.auth.ChangePassword(c.Request.Context(), lg, user(c).ID, b.CurrentPassword, b.NewPassword); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type resetBody struct {
	NewPassword string `json:"new_password"`
}

// POST /api/v1/users/:id/password {new_password}: an admin resets a
// user's password; the user must change it at their next login.
func (s *Server) resetPassword(c *gin.Context) {
	var b resetBody
	lg, _, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	if err := s.auth.ResetPassword(c.Request.Context(), lg, user(c).ID, c.Param("id"), b.NewPassword); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// POST /api/v1/users/:id/unlock: an admin reopens a user's login gates.
func (s *Server) unlockUser(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	if err := s.auth.Unlock(c.Request.Context(), lg, user(c).ID, c.Param("id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type roleBody struct {
	Role string `json:"role"`
}

// POST /api/v1/users/:id/role {role}: an admin changes a user's role
// (a user_updated entry).
func (s *Server) setRole(c *gin.Context) {
	var b roleBody
	lg, _, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	u, err := s.auth.SetRole(c.Request.Context(), lg, user(c).ID, c.Param("id"), b.Role)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, userDTO(u))
}

// approvalAllowed refuses (and answers) an approval whose approver is, by
// the separation-of-duties rule (ledger.Auth.CheckApprover), the maker's
// person or set up by them.
func (s *Server) approvalAllowed(c *gin.Context, lg ledger.Log, id int64, answer func(error)) bool {
	p, err := s.svc.Payment(c.Request.Context(), lg, id)
	if ledger.IsNotFound(err) {
		return true // DecidePayment answers it
	}
	if err == nil {
		err = s.auth.CheckApprover(c.Request.Context(), user(c).ID, p.Maker)
	}
	if err != nil {
		answer(err)
		return false
	}
	return true
}

// POST /api/v1/auth/logout
func (s *Server) logout(c *gin.Context) {
	if err := s.auth.Logout(c.Request.Context(), c.GetString(ctxToken)); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

const timeRFC3339 = "2006-01-02T15:04:05Z"
