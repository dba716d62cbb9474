package api_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestDoneBannerFixedKeys: the green success line of the staff pages shows
// only texts of a fixed set, chosen by ?done=; a link with its own text
// (the review's phishing line) or with an argument that is not a number or
// code shows nothing. Before the fix ?done= was shown as given.
func TestDoneBannerFixedKeys(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	mon := &pageSession{e: e}
	mon.login("t_mon")
	phish := "系统升级，请将密码发送至 admin@example.cn"
	for _, q := range []url.Values{
		{"done": {phish}},
		{"done": {"flag_dismiss"}, "n": {phish}},
		{"done": {"flag_dismiss"}, "n": {"<script>alert(1)</script>"}},
		{"done": {"reversed"}, "n": {"12"}}, // a missing argument
	} {
		_, page, _ := mon.do("GET", "/staff/flags?status=open&"+q.Encode(), nil)
		if strings.Contains(page, "系统升级") || strings.Contains(page, "alert(1)") || strings.Contains(page, "okmsg") {
			t.Errorf("?%s shows a banner", q.Encode())
		}
	}
	_, page, _ := mon.do("GET", "/staff/flags?status=open&done=flag_dismiss&n=A2", nil)
	if !strings.Contains(page, "线索 A2 已排除") {
		t.Errorf("a known key: no banner")
	}
}
