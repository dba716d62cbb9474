package api

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
)

// The staff pages' green success line comes from this fixed set, chosen by
// the ?done= key a redirect after a write carries; its arguments (?n=, a
// comma-separated list) are only sequence numbers, ids and ASCII codes.
// Any other ?done= shows nothing: a link cannot put its own text (a
// phishing line) into the banner (issue 18).
var doneTexts = map[string]string{
	"fund":                       "资金已登记（账本序号 {0}）",
	"allocation":                 "拨付已登记（账本序号 {0}）",
	"payment_pending_approval":   "支付已录入，状态：审核中（账本序号 {0}）",
	"payment_awaiting_publicity": "支付已录入，状态：公示中（账本序号 {0}）",
	"payment_effective":          "支付已录入，状态：已生效（账本序号 {0}）",
	"payment_approved":           "支付已同意（账本序号 {0}）",
	"payment_rejected":           "支付已退回（账本序号 {0}）",
	"reversed":                   "已冲正账本记录 {0}，冲正记录为 {1}",
	"drafted":                    "草稿已生成，请核对内容后发布",
	"published":                  "已发布（{0}），请在公示期内留意群众异议",
	"withdrawn":                  "公告已撤回",
	"replied":                    "投诉已答复",
	"resolved":                   "投诉已办结",
	"user_created":               "已创建用户 {0}",
	"user_updated":               "已更新用户 {0}",
	"user_unlocked":              "已解除用户 {0} 的登录限制",
	"flag_acknowledge":           "线索 {0} 已确认收到",
	"flag_confirm":               "线索 {0} 已确认属实",
	"flag_dismiss":               "线索 {0} 已排除",
	"flag_escalate":              "线索 {0} 已移交纪检",
}

var doneArg = regexp.MustCompile(`^[A-Za-z0-9._\-]{1,40}$`)

// doneQuery returns "done=KEY&n=ARGS" for a redirect.
func doneQuery(key string, args ...string) string {
	q := "done=" + url.QueryEscape(key)
	if len(args) > 0 {
		q += "&n=" + url.QueryEscape(strings.Join(args, ","))
	}
	return q
}

// doneNote returns the success line of ?done= and ?n=, or "".
func doneNote(c *gin.Context) string {
	text, ok := doneTexts[c.Query("done")]
	if !ok {
		return ""
	}
	var args []string
	if n := c.Query("n"); n != "" {
		args = strings.Split(n, ",")
	}
	for i := 0; strings.Contains(text, "{"); i++ {
		ph := "{" + string(rune('0'+i)) + "}"
		if !strings.Contains(text, ph) {
			return ""
		}
		if i >= len(args) || !doneArg.MatchString(args[i]) {
			return ""
		}
		text = strings.ReplaceAll(text, ph, args[i])
	}
	return text
}
