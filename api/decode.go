package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

const ctxBody = "raw_body"

// amountFields are the body fields that carry money: strings in yuan
// ("1200.00"), never JSON numbers (API.md).
var amountFields = map[string]bool{
	"amount": true, "standard": true, "yearly_cap": true, "budget": true,
}

func isAmountField(name string) bool { return amountFields[name] || strings.HasSuffix(name, "_amount") }

// decodeBody reads a JSON object body into dst strictly: valid UTF-8, one
// object, no unknown fields, amounts as strings. It answers the request
// itself and returns false on any problem.
func decodeBody(c *gin.Context, dst any) bool {
	// Only application/json: a form or text/plain body is what a page of
	// another origin can send without a preflight (CSRF), never what a
	// client of this API sends.
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		failCode(c, ledger.CodeMalformedRequest, "请求内容类型须为 application/json")
		return false
	}
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			failCode(c, ledger.CodeTooLarge, fmt.Sprintf("请求内容超过 %d 字节", mbe.Limit))
			return false
		}
		failCode(c, ledger.CodeMalformedRequest, "无法读取请求内容")
		return false
	}
	c.Set(ctxBody, raw)
	if len(bytes.TrimSpace(raw)) == 0 {
		failCode(c, ledger.CodeMalformedJSON, "请求内容为空，应为 JSON 对象")
		return false
	}
	if !utf8.Valid(raw) {
		failCode(c, ledger.CodeMalformedJSON, "请求内容不是有效的 UTF-8 编码")
		return false
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			failCode(c, ledger.CodeMalformedJSON, "请求内容应为 JSON 对象")
		} else {
			failCode(c, ledger.CodeMalformedJSON, "请求内容不是有效的 JSON")
		}
		return false
	}
	if top == nil { // null
		failCode(c, ledger.CodeMalformedJSON, "请求内容应为 JSON 对象")
		return false
	}
	for name, v := range top {
		if isAmountField(name) {
			v = bytes.TrimSpace(v)
			if len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
				fail(c, &ledger.Error{Code: ledger.CodeAmountMustBeString, Detail: "金额须以字符串填写，如 \"1200.00\"",
					Fields: []ledger.FieldError{{Field: name, Message: "金额须以字符串填写"}}})
				return false
			}
		}
	}
	for name, v := range top {
		if name == "password" || name == "current_password" || name == "new_password" {
			continue // a password may be any text
		}
		var any any
		if json.Unmarshal(v, &any) == nil {
			if r, bad := invisibleIn(any); bad {
				fail(c, ledger.InvisibleError(name, r))
				return false
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Value == "number" && isAmountField(te.Field[strings.LastIndex(te.Field, ".")+1:]):
			// a nested amount (budget_by_source[].amount) sent as a number
			fail(c, &ledger.Error{Code: ledger.CodeAmountMustBeString, Detail: "金额须以字符串填写，如 \"1200.00\"",
				Fields: []ledger.FieldError{{Field: te.Field, Message: "金额须以字符串填写"}}})
		case errors.As(err, &te):
			fail(c, &ledger.Error{Code: ledger.CodeValidationFailed, Detail: fmt.Sprintf("字段 %s 的类型不对", te.Field),
				Fields: []ledger.FieldError{{Field: te.Field, Message: "类型不对"}}})
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			fail(c, &ledger.Error{Code: ledger.CodeValidationFailed, Detail: fmt.Sprintf("不认识的字段 %s", field),
				Fields: []ledger.FieldError{{Field: field, Message: "不认识的字段"}}})
		default:
			var le *ledger.Error
			if errors.As(err, &le) { // from a field's UnmarshalText (dates, periods)
				fail(c, le)
				return false
			}
			failCode(c, ledger.CodeValidationFailed, "请求内容有误："+err.Error())
		}
		return false
	}
	return true
}

// idem returns the idempotency request of the call, or nil without an
// Idempotency-Key. The fingerprint is the canonical JSON body's SHA-256.
func (s *Server) idem(c *gin.Context) (*ledger.Idem, bool) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		return nil, true
	}
	if len(key) > 200 || !utf8.ValidString(key) {
		failCode(c, ledger.CodeMalformedRequest, "Idempotency-Key 过长或含有无效字符")
		return nil, false
	}
	raw, _ := c.Get(ctxBody)
	body, _ := raw.([]byte)
	fp := ledger.FingerprintJSON(body)
	if len(c.Params) > 0 {
		// The scope's route is the template: the object the path names
		// (which payment, which entry) is part of the request, so the same
		// key for another object is a conflict, never a replay.
		h := sha256.New()
		h.Write([]byte(c.Request.URL.Path + "\x00"))
		h.Write(fp[:])
		copy(fp[:], h.Sum(nil))
	}
	return &ledger.Idem{IdemScope: ledger.IdemScope{UserID: user(c).ID, Method: c.Request.Method, Route: c.FullPath(), Key: key},
		Fingerprint: fp}, true
}

// yuan parses an amount field.
func yuan(field, v string) (ledger.Fen, error) {
	if v == "" {
		return 0, &ledger.Error{Code: ledger.CodeValidationFailed, Detail: field + " 不能为空", Fields: []ledger.FieldError{{Field: field, Message: "不能为空"}}}
	}
	if rest, neg := strings.CutPrefix(v, "-"); neg {
		if _, err := ledger.ParseYuan(rest); err == nil {
			return 0, &ledger.Error{Code: ledger.CodeAmountNotPositive, Detail: "金额必须大于零", Fields: []ledger.FieldError{{Field: field, Message: "金额必须大于零"}}}
		}
	}
	f, err := ledger.ParseYuan(v)
	if err != nil {
		var le *ledger.Error
		errors.As(err, &le)
		return 0, &ledger.Error{Code: le.Code, Detail: le.Detail, Fields: []ledger.FieldError{{Field: field, Message: le.Detail}}}
	}
	return f, nil
}

// optYuan parses an optional amount ("" is zero).
func optYuan(field, v string) (ledger.Fen, error) {
	if v == "" {
		return 0, nil
	}
	return yuan(field, v)
}

// page returns the limit (default 50, at most 500) and the cursor.
func page(c *gin.Context) (int, string, bool) {
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			failCode(c, ledger.CodeMalformedRequest, "limit 必须是正整数")
			return 0, "", false
		}
		limit = min(n, 500)
	}
	return limit, c.Query("cursor"), true
}

// List is a page of items.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// pageOf pages a fully loaded list by a string cursor (the index of the next
// item): lists of registry objects are small (a town's projects, funds).
func pageOf[T any](c *gin.Context, all []T) (List[T], bool) {
	limit, cursor, ok := page(c)
	if !ok {
		return List[T]{}, false
	}
	start := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 || n > len(all) {
			failCode(c, ledger.CodeMalformedRequest, "cursor 无效")
			return List[T]{}, false
		}
		start = n
	}
	end := min(start+limit, len(all))
	out := List[T]{Items: all[start:end]}
	if out.Items == nil {
		out.Items = []T{}
	}
	if end < len(all) {
		out.NextCursor = strconv.Itoa(end)
	}
	return out, true
}

// listOf answers a list read: err as a problem, else the items converted by
// conv and paged.
func listOf[T, D any](c *gin.Context, items []T, err error, conv func(T) D) {
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]D, len(items))
	for i, x := range items {
		out[i] = conv(x)
	}
	if l, ok := pageOf(c, out); ok {
		c.JSON(http.StatusOK, l)
	}
}

// invisibleIn finds an invisible format character (ledger.InvisibleRune) in
// any string of a decoded JSON value.
func invisibleIn(v any) (rune, bool) {
	switch x := v.(type) {
	case string:
		return ledger.InvisibleRune(x)
	case []any:
		for _, e := range x {
			if r, bad := invisibleIn(e); bad {
				return r, true
			}
		}
	case map[string]any:
		for k, e := range x {
			if r, bad := ledger.InvisibleRune(k); bad {
				return r, true
			}
			if r, bad := invisibleIn(e); bad {
				return r, true
			}
		}
	}
	return 0, false
}
