package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// statusByCode is the one table from error code to HTTP status.
var statusByCode = map[ledger.Code]int{
	ledger.CodeMalformedJSON:       http.StatusBadRequest,
	ledger.CodeMalformedRequest:    http.StatusBadRequest,
	ledger.CodeUnauthenticated:     http.StatusUnauthorized,
	ledger.CodeTokenExpired:        http.StatusUnauthorized,
	ledger.CodeForbidden:           http.StatusForbidden,
	ledger.CodeSelfApproval:        http.StatusForbidden,
	ledger.CodeNotFound:            http.StatusNotFound,
	ledger.CodeFundOverdrawn:       http.StatusConflict,
	ledger.CodeAllocationOverdrawn: http.StatusConflict,
	ledger.CodeDuplicatePayment:    http.StatusConflict,
	ledger.CodeAlreadyReversed:     http.StatusConflict,
	ledger.CodeIdempotencyConflict: http.StatusConflict,
	ledger.CodeConflict:            http.StatusConflict,
	ledger.CodeTooLarge:            http.StatusRequestEntityTooLarge,
	ledger.CodeValidationFailed:    http.StatusUnprocessableEntity,
	ledger.CodeAmountMustBeString:  http.StatusUnprocessableEntity,
	ledger.CodeAmountNotPositive:   http.StatusUnprocessableEntity,
	ledger.CodeAmountTooPrecise:    http.StatusUnprocessableEntity,
	ledger.CodeInvalidIDNumber:     http.StatusUnprocessableEntity,
	ledger.CodeIDNumberNotText:     http.StatusUnprocessableEntity,
	ledger.CodeInvalidUSCC:         http.StatusUnprocessableEntity,
	ledger.CodeProjectState:        http.StatusUnprocessableEntity,
	ledger.CodeLoanOverLimit:       http.StatusUnprocessableEntity,
	ledger.CodeMissingFields:       http.StatusUnprocessableEntity,
	ledger.CodeImportRowsInvalid:   http.StatusUnprocessableEntity,
	ledger.CodeRateLimited:         http.StatusTooManyRequests,
	ledger.CodeUnavailable:         http.StatusServiceUnavailable,
	ledger.CodeTampered:            http.StatusInternalServerError,
	ledger.CodeInternal:            http.StatusInternalServerError,
}

// titles are the short Chinese titles of problem documents, by status.
var titles = map[int]string{
	400: "请求格式有误", 401: "未登录或登录已失效", 403: "无权进行此操作", 404: "未找到",
	409: "与现有记录冲突", 413: "请求内容过大", 422: "内容未通过校验", 429: "请求过于频繁",
	500: "服务器内部错误", 503: "服务暂不可用",
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Code   string              `json:"code"`
	Detail string              `json:"detail"`
	Errors []ledger.FieldError `json:"errors"`
}

// problemFor maps any error to a problem document. Errors that are not
// *ledger.Error are internal: their text is logged, never shown.
func problemFor(err error) Problem {
	var le *ledger.Error
	switch {
	case errors.As(err, &le):
	case errors.Is(err, ledger.ErrUnavailable) || errors.Is(err, ledger.ErrTransient):
		le = &ledger.Error{Code: ledger.CodeUnavailable, Detail: "数据库暂时繁忙或无法连接，请稍后重试"}
	default:
		le = &ledger.Error{Code: ledger.CodeInternal, Detail: "服务器内部错误，请稍后再试"}
	}
	status, ok := statusByCode[le.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := Problem{Type: "urn:sunshine-ledger:problem:" + string(le.Code), Title: titles[status], Status: status,
		Code: string(le.Code), Detail: le.Detail, Errors: le.Fields}
	if p.Errors == nil {
		p.Errors = []ledger.FieldError{}
	}
	return p
}

// fail writes err as application/problem+json and aborts the request.
func fail(c *gin.Context, err error) {
	p := problemFor(err)
	if p.Status >= 500 {
		slog.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "request_id", c.GetString(ctxRequestID), "err", err)
	}
	writeProblem(c, p)
}

// retryAfter is the Retry-After of a 503: a database that is away for a
// moment (a node restarting, a failover) is usually back within seconds.
const retryAfter = "5"

func writeProblem(c *gin.Context, p Problem) {
	c.Header("Content-Type", "application/problem+json")
	if p.Status == http.StatusServiceUnavailable {
		c.Header("Retry-After", retryAfter)
	}
	c.AbortWithStatusJSON(p.Status, p)
}

func failCode(c *gin.Context, code ledger.Code, detail string) {
	fail(c, &ledger.Error{Code: code, Detail: detail})
}
