package ledger

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckPersonName trims a person's name and refuses an empty one, one longer
// than 30 characters, and one with '?', '？' or U+FFFD (a 生僻字 lost to
// GBK), control characters or digits.
func CheckPersonName(s string) (string, error) {
	s = strings.TrimSpace(strings.Trim(s, "\u3000 "))
	if s == "" {
		return "", Errorf(CodeValidationFailed, "姓名不能为空")
	}
	if utf8.RuneCountInString(s) > 30 {
		return "", Errorf(CodeValidationFailed, "姓名过长")
	}
	for _, r := range s {
		switch {
		case r == '?' || r == '？' || r == utf8.RuneError:
			return "", Errorf(CodeValidationFailed, "姓名含有问号或乱码，可能是生僻字在转换中丢失，请核对后重新填写")
		case unicode.IsControl(r) || unicode.IsDigit(r):
			return "", Errorf(CodeValidationFailed, "姓名含有不允许的字符")
		}
	}
	return s, nil
}

// MaskName masks a registry person's name for the public (DOMAIN.md §6):
// all but the first and last characters become '*' (张*明); a two-character
// name keeps its first (张*); one character becomes "*".
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}
