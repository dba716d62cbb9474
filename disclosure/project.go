package disclosure

import "github.com/sunshine-ledger/sunshine/ledger"

// ProjectData is a project's public page (issue 16): the library fields,
// contract, acceptance, money by source, the assets it formed (形成资产) and
// who looks after them (管护主体), and the notices about it.
type ProjectData struct {
	Report      ledger.ProjectReport
	VillageName string
	Notices     []NoticeItem
}

// telOf is the number of a labelled contact (镇头镇人民政府 0731-83421234 →
// 0731-83421234): its last run of digits, dashes and pluses.
func telOf(contact string) string {
	end := len(contact)
	for end > 0 && !isTel(contact[end-1]) {
		end--
	}
	start := end
	for start > 0 && isTel(contact[start-1]) {
		start--
	}
	return contact[start:end]
}

func isTel(b byte) bool { return b >= '0' && b <= '9' || b == '-' || b == '+' }
