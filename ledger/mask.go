package ledger

import (
	"strings"
	"unicode/utf8"
)

// Audience is who personal data is shown to (DOMAIN.md §6). Masking is
// applied on the server before output, by these functions only: PDF, HTML
// and JSON alike.
type Audience int

const (
	// AudiencePublic: boards, PDFs, public pages and JSON.
	AudiencePublic Audience = iota
	// AudienceSelf: a villager's own query (name + full ID given).
	AudienceSelf
	// AudienceOversight: monitors, the discipline office, approvers.
	AudienceOversight
	// AudienceFull: finance, admin, auditors and the county office (every
	// read is recorded).
	AudienceFull
)

// AudienceOf returns the audience of a staff role.
func AudienceOf(role string) Audience {
	switch role {
	case RoleFinance, RoleAdmin, RoleAuditor, RoleCounty:
		return AudienceFull
	case RoleMonitor, RoleDiscipline, RoleApprover:
		return AudienceOversight
	}
	return AudiencePublic
}

// ShowName returns a registry person's name for an audience: the public
// sees 张*明 (MaskName); everyone else the full name.
func ShowName(name string, a Audience) string {
	if a == AudiencePublic {
		return MaskName(name)
	}
	return name
}

// ShowIDNumber returns an ID number for an audience: not shown to the
// public; first 1 + last 1 to the villager themself; first 6 + last 4 to
// oversight; in full to finance, admin and auditors.
func ShowIDNumber(id string, a Audience) string {
	switch a {
	case AudienceSelf:
		return keepEnds(id, 1, 1)
	case AudienceOversight:
		return keepEnds(id, 6, 4)
	case AudienceFull:
		return id
	}
	return ""
}

// ShowAccount returns a bank or 一卡通 account number: not shown to the
// public; the last 4 to the villager and to oversight; in full to finance,
// admin and auditors.
func ShowAccount(acct string, a Audience) string {
	switch a {
	case AudienceSelf, AudienceOversight:
		return keepEnds(acct, 0, 4)
	case AudienceFull:
		return acct
	}
	return ""
}

// ShowPhone is ShowAccount for phone numbers.
func ShowPhone(phone string, a Audience) string { return ShowAccount(phone, a) }

func keepEnds(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	if head+tail >= n {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:head]) + strings.Repeat("*", n-head-tail) + string(r[n-tail:])
}
