package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// staffRoutes registers the staff API (API.md: auth, writes, staff reads).
// Every route acts within the caller's town.
func (s *Server) staffRoutes(v1 *gin.RouterGroup) {
	v1.POST("/auth/login", s.login)
	v1.POST("/auth/logout", s.authed(anyStaff), s.logout)
	v1.GET("/auth/me", s.authed(anyStaff), s.me)

	v1.POST("/auth/password", s.authed(anyStaff), s.changePassword)
	v1.POST("/users", s.authed(adminOnly), s.createUser)
	v1.GET("/users", s.authed(adminOnly), s.listUsers)
	v1.POST("/users/:id/password", s.authed(adminOnly), s.resetPassword)
	v1.POST("/users/:id/unlock", s.authed(adminOnly), s.unlockUser)
	v1.POST("/users/:id/role", s.authed(adminOnly), s.setRole)

	v1.GET("/town", s.authed(anyStaff), s.getTown)
	v1.PUT("/town", s.authed(adminOnly), s.putTown)
	v1.POST("/villages", s.authed(adminOnly), s.createVillage)
	v1.GET("/villages", s.authed(anyStaff), s.listVillages)
	v1.POST("/organisations", s.authed(writers), s.createOrganisation)
	v1.POST("/items", s.authed(adminOnly), s.createItem)
	v1.GET("/items", s.authed(anyStaff), s.listItems)

	v1.POST("/imports/:kind", s.authed(writers), s.importSheet)
	v1.POST("/persons", s.authed(writers), s.createPerson)
	v1.POST("/persons/search", s.authed(anyStaff), s.searchPersons)

	v1.POST("/funds", s.authed(writers), s.createFund)
	v1.GET("/funds", s.authed(anyStaff), s.listFunds)
	v1.GET("/funds/:id", s.authed(anyStaff), byRole(s.getFund, s.monitorFund))
	v1.GET("/reports/source-levels", s.authed(anyStaff), s.sourceLevels)

	v1.POST("/projects", s.authed(writers), s.createProject)
	v1.GET("/projects", s.authed(anyStaff), s.listProjects)
	v1.GET("/projects/:code", s.authed(anyStaff), byRole(s.getProject, s.monitorProject))
	v1.POST("/projects/:code/transitions", s.authed(writers), s.transitionProject)
	v1.POST("/allocations", s.authed(writers), s.createAllocation)

	v1.POST("/payments", s.authed(makers), s.createPayment)
	v1.GET("/payments", s.authed(villageReaders), byRole(s.listPayments, s.monitorPayments))
	v1.GET("/payments/:id", s.authed(villageReaders), byRole(s.getPayment, s.monitorPayment))
	v1.POST("/payments/:id/approval", s.authed(approvers), s.approvePayment)
	v1.POST("/entries/:seq/reversal", s.authed(writers), s.reverseEntry)

	v1.POST("/loans", s.authed(writers), s.createLoan)
	v1.GET("/loans", s.authed(villageReaders), byRole(s.listLoans, s.monitorLoans))
	v1.POST("/loans/:contract/repayments", s.authed(writers), s.createRepayment)

	v1.GET("/households/:id/year/:year", s.authed(anyStaff), s.householdYear)
	v1.GET("/ledger/entries", s.authed(entryReaders), s.listEntries)
	v1.GET("/county/summary", s.authed(countyOnly), s.getCountySummary)

	v1.GET("/rules", s.authed(anyStaff), s.listRules)
	v1.GET("/flags", s.authed(anyStaff), s.listFlags)
	v1.GET("/flags/:id", s.authed(anyStaff), s.getFlag)
	v1.POST("/flags/:id/review", s.authed(reviewers), s.reviewFlag)
}

// created writes a write's result with 201.
func created(c *gin.Context, v any) { c.JSON(http.StatusCreated, v) }

// writeBody decodes a write's JSON body into dst (decodeBody) and returns
// its scope (writeScope). It answers the request itself and returns false on
// a problem.
func (s *Server) writeBody(c *gin.Context, dst any) (ledger.Log, *ledger.Idem, bool) {
	if !decodeBody(c, dst) {
		return ledger.Log{}, nil, false
	}
	return s.writeScope(c)
}

// writeScope returns what every write needs after its body is decoded: the
// caller's town log and the idempotency request (nil without a key). It
// answers the request itself and returns false on a problem.
func (s *Server) writeScope(c *gin.Context) (ledger.Log, *ledger.Idem, bool) {
	lg, ok := s.userLog(c)
	if !ok {
		return ledger.Log{}, nil, false
	}
	idem, ok := s.idem(c)
	return lg, idem, ok
}

// pathWrite answers a write on one object named in the path (POST
// …/:param/<action>): it takes the id, decodes the body into B, runs do and
// writes its result with 201, or the problem.
func pathWrite[B any](s *Server, c *gin.Context, param string, do func(ctx context.Context, lg ledger.Log, idem *ledger.Idem, id int64, b B) (any, error)) {
	id, ok := pathID(c, param)
	if !ok {
		return
	}
	var b B
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	v, err := do(c.Request.Context(), lg, idem, id, b)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, v)
}

// reasonBody is the body of a write that needs only a reason (reversal,
// withdrawal).
type reasonBody struct {
	Reason string `json:"reason"`
}

// withField gives a field-less error the field it is about.
func withField(err error, field string) error {
	var e *ledger.Error
	if errors.As(err, &e) && len(e.Fields) == 0 {
		return &ledger.Error{Code: e.Code, Detail: e.Detail, Fields: []ledger.FieldError{{Field: field, Message: e.Detail, Code: e.Code}}}
	}
	return err
}

func pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 0 {
		failCode(c, ledger.CodeNotFound, "未找到")
		return 0, false
	}
	return id, true
}
