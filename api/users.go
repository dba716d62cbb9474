package api

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

func (s *Server) me(c *gin.Context) { c.JSON(http.StatusOK, userDTO(user(c))) }

type userBody struct {
	Username string   `json:"username"`
	Password string   `json:"password"`
	Role     string   `json:"role"`
	Villages []string `json:"villages"`
}

func (s *Server) createUser(c *gin.Context) {
	var b userBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	vs, err := s.svc.Villages(c.Request.Context(), lg)
	if err != nil {
		fail(c, err)
		return
	}
	exists := func(code string) bool {
		return slices.ContainsFunc(vs, func(v ledger.Village) bool { return v.Code == code })
	}
	u, err := s.auth.CreateUser(c.Request.Context(), lg, user(c).ID, ledger.NewUser{Username: b.Username, Password: b.Password, Role: b.Role, Villages: b.Villages}, exists, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, userDTO(u))
}

func (s *Server) listUsers(c *gin.Context) {
	us, err := s.auth.Accounts.Users(c.Request.Context(), user(c).LogID)
	listOf(c, us, err, userDTO)
}
