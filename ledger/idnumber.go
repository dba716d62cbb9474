package ledger

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// IDCheckChar returns the ISO 7064 MOD 11-2 check character of the first 17
// digits of a GB 11643 ID number.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17 && i < len(first17); i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// ParseIDNumber validates a GB 11643 citizen ID number: 18 characters, a
// 6-digit area code (not checked against the list of assigned codes), a real
// birth date, a 3-digit sequence and the check character. It trims spaces,
// upper-cases a trailing x and returns the normalized number, or a
// CodeInvalidIDNumber error that never repeats the number.
func ParseIDNumber(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(strings.Trim(s, "\u3000 ")))
	if len(s) != 18 {
		if utf8.RuneCountInString(s) == 18 {
			return "", Errorf(CodeInvalidIDNumber, "身份证号含有全角或其他非数字字符，请用半角数字填写")
		}
		return "", Errorf(CodeInvalidIDNumber, "身份证号应为18位")
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", Errorf(CodeInvalidIDNumber, "身份证号前17位应为数字")
		}
	}
	if c := s[17]; !(c >= '0' && c <= '9' || c == 'X') {
		return "", Errorf(CodeInvalidIDNumber, "身份证号末位应为数字或X")
	}
	b, err := time.Parse("20060102", s[6:14])
	if err != nil || b.Year() < 1900 || b.Year() > 2100 {
		return "", Errorf(CodeInvalidIDNumber, "身份证号出生日期无效")
	}
	if IDCheckChar(s[:17]) != s[17] {
		return "", Errorf(CodeInvalidIDNumber, "身份证号校验位错误")
	}
	return s, nil
}

// MakeIDNumber builds a valid ID number (for fixtures and the demo: use an
// area code GB/T 2260 does not assign, such as 439901).
func MakeIDNumber(area string, birth time.Time, seq int) string {
	first := fmt.Sprintf("%s%s%03d", area, birth.Format("20060102"), seq%1000)
	return first + string(IDCheckChar(first))
}

// IDBirthDate returns the birth date in an ID number (UTC midnight). It,
// IDMale and AgeOn take a number ParseIDNumber accepted and panic on a
// shorter string.
func IDBirthDate(id string) time.Time {
	b, _ := time.Parse("20060102", id[6:14])
	return b
}

// IDMale reports whether the 17th digit is odd.
func IDMale(id string) bool { return (id[16]-'0')%2 == 1 }

// AgeOn returns the full years of age on a date.
func AgeOn(id string, on time.Time) int {
	b := IDBirthDate(id)
	age := on.Year() - b.Year()
	if on.Month() < b.Month() || on.Month() == b.Month() && on.Day() < b.Day() {
		age--
	}
	return age
}
