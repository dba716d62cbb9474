package api

import (
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
	adminOnly   = []string{ledger.RoleAdmin}
	approvers   = []string{ledger.RoleApprover}
	allReaders  = []string{ledger.RoleAdmin, ledger.RoleFinance, ledger.RoleApprover, ledger.RoleDiscipline, ledger.RoleAuditor}
	fullReaders = []string{ledger.RoleAdmin, ledger.RoleFinance, ledger.RoleAuditor, ledger.RoleDiscipline}
	jobReaders  = []string{ledger.RoleAdmin, ledger.RoleAuditor, ledger.RoleDiscipline}
	reviewers   = []string{ledger.RoleMonitor, ledger.RoleDiscipline}
)

// bearer returns the token of the request: the Authorization header, or the
// session cookie of the staff pages.
func bearer(c *gin.Context) string {
	if h := c.GetHeader("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
		return ""
	}
	if ck, err := c.Cookie(sessionCookie); err == nil {
		return ck
	}
	return ""
}

const sessionCookie = "sunshine_session"

// authed admits users with one of the roles, within their town.
func (s *Server) authed(roles []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok := bearer(c)
		u, _, err := s.auth.Authenticate(c.Request.Context(), tok)
		if err != nil {
			fail(c, err)
			return
		}
		if !slices.Contains(roles, u.Role) {
			failCode(c, ledger.CodeForbidden, "您的角色无权进行此操作")
			return
		}
		c.Set(ctxUser, u)
		c.Set(ctxToken, tok)
		c.Next()
	}
}

func user(c *gin.Context) ledger.User {
	u, _ := c.Get(ctxUser)
	return u.(ledger.User)
}

// userLog returns the log of the caller's town, or answers the request
// itself with the problem.
func (s *Server) userLog(c *gin.Context) (ledger.Log, bool) {
	lg, err := s.logOf(c, user(c))
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
	tok, se, u, err := s.auth.Login(c.Request.Context(), b.Username, b.Password)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"token": tok, "expires_at": se.ExpiresAt.UTC().Format(timeRFC3339), "user": userDTO(u)})
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
