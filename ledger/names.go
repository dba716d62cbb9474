package ledger

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CheckPersonName trims a person's name (spaces, including U+3000) and
// returns it, or a CodeValidationFailed error for an empty name, one longer
// than 30 characters, one with '?', '？' or U+FFFD (a 生僻字 lost to GBK),
// digits, control characters, invisible formatting characters (zero-width
// spaces, byte order marks, bidi overrides that could make a public notice
// read differently from the data) and private-use or unassigned code points.
// Chinese characters, the separators of minority names (·, •) and Latin
// letters and spaces pass; whether the notice font can draw every character
// is checked elsewhere. The name is NFKC-normalised first (NormalizeName).
func CheckPersonName(s string) (string, error) {
	s = NormalizeName(s)
	if s == "" {
		return "", Errorf(CodeValidationFailed, "姓名不能为空")
	}
	if utf8.RuneCountInString(s) > 30 {
		return "", Errorf(CodeValidationFailed, "姓名过长（最多30个字）")
	}
	for _, r := range s {
		if r == '?' || r == '？' || r == utf8.RuneError {
			return "", Errorf(CodeValidationFailed, "姓名含有问号或乱码，可能是生僻字在转换中丢失，请核对后重新填写")
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			return "", Errorf(CodeValidationFailed, "姓名不能含有数字")
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r), !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs):
			return "", Errorf(CodeValidationFailed, "姓名含有不可见字符或无法识别的字符，请重新输入")
		}
	}
	return s, nil
}

// NormalizeName trims a name and applies Unicode NFKC, so that Kangxi
// radicals and other compatibility characters that look like ordinary
// Chinese characters are those characters ("⾦⼤⼭" is "金大山"), and
// full-width Latin letters are ASCII: one person, one spelling, in the
// registry, on notices and in the self-query.
func NormalizeName(s string) string {
	return strings.TrimSpace(norm.NFKC.String(strings.TrimSpace(s)))
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
