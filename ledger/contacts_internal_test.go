package ledger

import (
	"slices"
	"testing"
)

// TestNoticeContactsBody: a village's notice names its 村务监督委员会, a
// 社区's its 居务监督委员会, beside the town, the county office and 12317.
func TestNoticeContactsBody(t *testing.T) {
	town := Town{Name: "镇头镇", Phones: []string{"0731-83550000"}, CountyOffice: "浏阳市乡村振兴局", CountyPhone: "0731-83010000"}
	for name, want := range map[string]string{
		"田坪村":  "田坪村村务监督委员会（李明）0731-83551111",
		"镇头社区": "镇头社区居务监督委员会（李明）0731-83551111",
	} {
		got := noticeContacts(town, &Village{Name: name, SupervisionName: "李明", SupervisionPhone: "0731-83551111"})
		if !slices.Contains(got, want) || !slices.Contains(got, "浏阳市乡村振兴局 0731-83010000") || got[len(got)-1] != "全国防止返贫监测和乡村振兴咨询服务热线 12317" {
			t.Errorf("%s: %q", name, got)
		}
	}
}
