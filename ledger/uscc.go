package ledger

import (
	"strings"
	"unicode/utf8"
)

const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar returns the GB 32100 check character of the first 17
// characters of a 统一社会信用代码.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, Errorf(CodeInvalidUSCC, "统一社会信用代码应为18位")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccChars, first17[i])
		if v < 0 {
			return 0, Errorf(CodeInvalidUSCC, "统一社会信用代码含有无效字符（只用数字和大写字母，不用 I、O、Z、S、V）")
		}
		sum += v * usccWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return usccChars[c], nil
}

// ParseUSCC validates a 统一社会信用代码 (GB 32100: 18 characters from the
// code set, the check character); it trims and upper-cases. Errors are
// CodeInvalidUSCC.
func ParseUSCC(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(strings.Trim(s, "\u3000 ")))
	if len(s) != 18 {
		if utf8.RuneCountInString(s) == 18 {
			return "", Errorf(CodeInvalidUSCC, "统一社会信用代码含有全角或其他无效字符，请用半角字符填写")
		}
		return "", Errorf(CodeInvalidUSCC, "统一社会信用代码应为18位")
	}
	c, err := USCCCheckChar(s[:17])
	if err != nil {
		return "", err
	}
	if c != s[17] {
		return "", Errorf(CodeInvalidUSCC, "统一社会信用代码校验位错误")
	}
	return s, nil
}

// MakeUSCC appends the check character (for fixtures).
func MakeUSCC(first17 string) string {
	c, err := USCCCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}
