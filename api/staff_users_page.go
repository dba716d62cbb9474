package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

func (s *Server) usersData(c *gin.Context, lg ledger.Log) (pages.UsersData, error) {
	us, err := s.auth.Accounts.Users(c.Request.Context(), lg.ID)
	if err != nil {
		return pages.UsersData{}, err
	}
	vs, err := s.svc.Villages(c.Request.Context(), lg)
	if err != nil {
		return pages.UsersData{}, err
	}
	slices.SortFunc(us, func(a, b ledger.User) int { return strings.Compare(a.Role+a.Username, b.Role+b.Username) })
	slowed := map[string]bool{}
	if ss, err := s.auth.SlowedUsers(c.Request.Context(), us); err == nil {
		for _, u := range ss {
			slowed[u.ID] = true
		}
	}
	return pages.UsersData{Users: us, Villages: vs, Roles: ledger.Roles, VillageNames: s.villageNames(c, lg), Values: map[string]string{}, Slowed: slowed}, nil
}

func (s *Server) staffUsers(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	d, err := s.usersData(c, lg)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "users", "用户与监督员", pages.Page{Note: doneNote(c), Data: d})
}

func (s *Server) villageExists(c *gin.Context, lg ledger.Log) func(string) bool {
	vs, _ := s.svc.Villages(c.Request.Context(), lg)
	return func(code string) bool {
		return slices.ContainsFunc(vs, func(v ledger.Village) bool { return v.Code == code })
	}
}

func (s *Server) staffCreateUser(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	nu := ledger.NewUser{Username: strings.TrimSpace(c.PostForm("username")), Password: c.PostForm("password"), Role: c.PostForm("role"), Villages: c.PostFormArray("villages")}
	u, err := s.auth.CreateUser(c.Request.Context(), lg, user(c).ID, nu, s.villageExists(c, lg), nil)
	if err != nil {
		d, derr := s.usersData(c, lg)
		if derr != nil {
			s.staffFail(c, err)
			return
		}
		d.Values["username"], d.Values["role"] = nu.Username, nu.Role
		d.Chosen = nu.Villages
		s.staffRender(c, statusOf(err), "users", "用户与监督员", pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/users?"+doneQuery("user_created", u.Username))
}

// POST /staff/users/:id (villages[], disabled): a monitor's villages, or
// an account disabled or enabled again.
// POST /staff/users/:id/unlock: an admin reopens a user's login gates
// (after checking it was the user who mistyped).
func (s *Server) staffUnlockUser(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	if err := s.auth.Unlock(c.Request.Context(), lg, user(c).ID, c.Param("id")); err != nil {
		s.staffFail(c, err)
		return
	}
	name := ""
	if u, err := s.auth.Accounts.UserByID(c.Request.Context(), c.Param("id")); err == nil {
		name = u.Username
	}
	c.Redirect(http.StatusSeeOther, "/staff/users?"+doneQuery("user_unlocked", name))
}

func (s *Server) staffUpdateUser(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	villages, disabled := c.PostFormArray("villages"), c.PostForm("disabled") == "true"
	u, err := s.auth.UpdateAccess(c.Request.Context(), lg, user(c).ID, c.Param("id"), villages, disabled, s.villageExists(c, lg))
	if err != nil {
		d, derr := s.usersData(c, lg)
		if derr != nil {
			s.staffFail(c, err)
			return
		}
		d.Edit = &pages.UserEdit{ID: c.Param("id"), Villages: villages, Disabled: disabled}
		s.staffRender(c, statusOf(err), "users", "用户与监督员", pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/users?"+doneQuery("user_updated", u.Username))
}
