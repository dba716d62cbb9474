package ledger

import (
	"math"
	"strconv"
	"strings"
)

// Fen is money in integer fen (分).
type Fen int64

// maxYuan bounds amounts so that fen stay far below 2^53.
const maxFen Fen = 9_000_000_000_000_00

// String returns the API form: "1200.00", "0.05", "-3.10".
func (f Fen) String() string {
	u := uint64(f) // the magnitude in uint64 also holds for math.MinInt64
	if f < 0 {
		u = -u
	}
	s := strconv.FormatUint(u/100, 10) + "." + pad2(u%100)
	if f < 0 {
		return "-" + s
	}
	return s
}

func pad2(n uint64) string {
	if n < 10 {
		return "0" + strconv.FormatUint(n, 10)
	}
	return strconv.FormatUint(n, 10)
}

// Yuan returns the printed form with thousands separators: "1,200.00".
func (f Fen) Yuan() string {
	s := f.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + "." + frac
	if neg {
		return "-" + out
	}
	return out
}

// CheckPositive returns a CodeAmountNotPositive error unless f > 0.
func (f Fen) CheckPositive() error {
	if f <= 0 {
		return Errorf(CodeAmountNotPositive, "金额必须大于零")
	}
	return nil
}

// ParseYuan parses the strict API form ^\d+(\.\d{1,2})?$. More than two
// decimals is CodeAmountTooPrecise; anything else malformed, or more than
// 9,000,000,000,000.00 yuan, CodeValidationFailed.
func ParseYuan(s string) (Fen, error) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) || hasDot && (frac == "" || !allDigits(frac)) {
		return 0, Errorf(CodeValidationFailed, "金额格式应为 1200 或 1200.00（单位：元）")
	}
	if len(frac) > 2 {
		return 0, Errorf(CodeAmountTooPrecise, "金额最多保留两位小数（到分）")
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 13 {
		return 0, Errorf(CodeValidationFailed, "金额过大")
	}
	y, _ := strconv.ParseInt("0"+intPart, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	c, _ := strconv.ParseInt(frac, 10, 64)
	f := Fen(y*100 + c)
	if f > maxFen {
		return 0, Errorf(CodeValidationFailed, "金额过大")
	}
	return f, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ParseYuanCell parses an amount as people type it in a sheet: surrounding
// spaces, thousands separators ("1,200.00": ASCII commas between groups of
// three digits), a leading ¥ or ￥, a trailing 元, full-width digits, and a
// leading "-" (before or after the ¥: "-¥3.10", "¥-3.10"). Spaces may
// separate the ¥, the sign, the number and the 元, never digits. The
// precision and limit of ParseYuan apply (CodeAmountTooPrecise,
// CodeValidationFailed).
func ParseYuanCell(s string) (Fen, error) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．':
			return '.'
		case r == '－':
			return '-'
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if t, ok := strings.CutSuffix(s, "元"); ok {
		s = strings.TrimSpace(t)
	}
	cut := func(prefix string) bool {
		t, ok := strings.CutPrefix(s, prefix)
		if ok {
			s = strings.TrimSpace(t)
		}
		return ok
	}
	neg := cut("-")
	if cut("¥") || cut("￥") {
		if !neg {
			neg = cut("-")
		}
	}
	if strings.Contains(s, ",") {
		intPart, frac, hasDot := strings.Cut(s, ".")
		groups := strings.Split(intPart, ",")
		for i, g := range groups {
			if i == 0 && (len(g) < 1 || len(g) > 3) || i > 0 && len(g) != 3 {
				return 0, Errorf(CodeValidationFailed, "金额「%s」的千位分隔符位置不对", s)
			}
		}
		s = strings.Join(groups, "")
		if hasDot {
			s += "." + frac
		}
	}
	f, err := ParseYuan(s)
	if err != nil {
		return 0, err
	}
	if neg {
		f = -f
	}
	return f, nil
}

// FenFromFloat converts a number cell in yuan: rounded to fen when within
// 1e-6 of a fen value, else CodeAmountTooPrecise.
func FenFromFloat(y float64) (Fen, error) {
	if math.IsNaN(y) || math.IsInf(y, 0) || math.Abs(y) > float64(maxFen/100) {
		return 0, Errorf(CodeValidationFailed, "金额数值无效")
	}
	f := math.Round(y * 100)
	if math.Abs(f/100-y) > 1e-6 {
		return 0, Errorf(CodeAmountTooPrecise, "金额最多保留两位小数（到分）")
	}
	return Fen(f), nil
}

// ParsePercentBasisPoints parses a rate typed as a percent ("4.35") into
// basis points (435).
func ParsePercentBasisPoints(s string) (int64, error) {
	f, err := ParseYuan(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if err != nil || f > 100_00 {
		return 0, Errorf(CodeValidationFailed, "年利率应为百分数，如 4.35")
	}
	return int64(f), nil
}
