package ledger

import (
	"testing"
	"time"
)

func TestParseIDNumber(t *testing.T) {
	good := map[string]string{
		"11010519491231002X":       "11010519491231002X", // GB 11643's published example
		"11010519491231002x":       "11010519491231002X",
		" 11010519491231002X ":     "11010519491231002X",
		"\u300011010519491231002X": "11010519491231002X",
	}
	for in, want := range good {
		got, err := ParseIDNumber(in)
		if err != nil || got != want {
			t.Errorf("ParseIDNumber(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	made := MakeIDNumber("439901", time.Date(1970, 2, 28, 0, 0, 0, 0, time.UTC), 123)
	if _, err := ParseIDNumber(made); err != nil {
		t.Errorf("MakeIDNumber gave an invalid number: %v", err)
	}
	bad := []string{
		"110105194912310021",  // wrong check digit
		"11010519490230002X",  // 30 February
		"11010519491331002X",  // month 13
		"11010518991231002X",  // before 1900
		"1101051949123100",    // too short
		"11010519491231002X1", // too long
		"1101051949123100AX",  // letters
		"X10105194912310021",
		"",
	}
	for _, in := range bad {
		_, err := ParseIDNumber(in)
		if ErrorCode(err) != CodeInvalidIDNumber {
			t.Errorf("ParseIDNumber(%q) = %v, want invalid_id_number", in, err)
		}
		if err != nil && len(in) > 10 && contains(err.Error(), in) {
			t.Errorf("the error repeats the ID number: %v", err)
		}
	}
	if AgeOn("11010519491231002X", time.Date(2019, 12, 30, 0, 0, 0, 0, time.UTC)) != 69 ||
		AgeOn("11010519491231002X", time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)) != 70 {
		t.Error("AgeOn counts birthdays wrong")
	}
	if IDMale("11010519491231002X") {
		t.Error("the example is a woman (17th digit 2)")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestParseUSCC(t *testing.T) {
	for _, first := range []string{"91350100M000100Y4", "91430181MA4L000000"[:17], "12100000400000000"} {
		code := MakeUSCC(first)
		if got, err := ParseUSCC(code); err != nil || got != code {
			t.Errorf("ParseUSCC(%q) = %q, %v", code, got, err)
		}
	}
	// A code commonly cited as valid.
	if _, err := ParseUSCC("91350100M000100Y43"); err != nil {
		t.Errorf("91350100M000100Y43: %v", err)
	}
	for _, in := range []string{"91350100M000100Y44", "91350100M000100Y4", "91350100M000100I43", "9135010OM000100Y43", "", "913501000000000000000"} {
		if _, err := ParseUSCC(in); ErrorCode(err) != CodeInvalidUSCC {
			t.Errorf("ParseUSCC(%q) = %v, want invalid_uscc", in, err)
		}
	}
	if got, _ := ParseUSCC(" 91350100m000100y43 "); got != "91350100M000100Y43" {
		t.Errorf("not normalized: %q", got)
	}
}

func TestParseYuan(t *testing.T) {
	for in, want := range map[string]Fen{"0": 0, "1200": 120000, "1200.5": 120050, "1200.05": 120005, "0.01": 1, "0001.10": 110} {
		if got, err := ParseYuan(in); err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, code := range map[string]Code{"1.234": CodeAmountTooPrecise, "1,200": CodeValidationFailed, "-1": CodeValidationFailed,
		"1e3": CodeValidationFailed, "": CodeValidationFailed, "1.": CodeValidationFailed, ".5": CodeValidationFailed,
		"99999999999999": CodeValidationFailed, " 1": CodeValidationFailed} {
		if _, err := ParseYuan(in); ErrorCode(err) != code {
			t.Errorf("ParseYuan(%q) = %v, want %s", in, err, code)
		}
	}
	for in, want := range map[string]Fen{"1,200.00": 120000, "¥1200": 120000, "￥1,200.5元": 120050, " 1200 ": 120000, "-3.1": -310, "１２００": 120000} {
		if got, err := ParseYuanCell(in); err != nil || got != want {
			t.Errorf("ParseYuanCell(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"1,20", "12,00.00", "1,2000", "abc", "1.234"} {
		if _, err := ParseYuanCell(in); err == nil {
			t.Errorf("ParseYuanCell(%q) accepted", in)
		}
	}
	for in, want := range map[float64]Fen{1200.5: 120050, 0.1 + 0.2: 30, 1200: 120000} {
		if got, err := FenFromFloat(in); err != nil || got != want {
			t.Errorf("FenFromFloat(%v) = %d, %v", in, got, err)
		}
	}
	if _, err := FenFromFloat(1200.123); ErrorCode(err) != CodeAmountTooPrecise {
		t.Errorf("FenFromFloat(1200.123) = %v", err)
	}
	if Fen(120005).String() != "1200.05" || Fen(-310).String() != "-3.10" || Fen(123456789).Yuan() != "1,234,567.89" {
		t.Error("formatting")
	}
	if bp, err := ParsePercentBasisPoints("4.35"); err != nil || bp != 435 {
		t.Errorf("rate: %d %v", bp, err)
	}
}

func TestParsePeriodAndDate(t *testing.T) {
	for in, want := range map[string]string{"2026": "2026", "2026年": "2026", "2026年度": "2026", "2026-Q1": "2026-Q1", "2026-q4": "2026-Q4",
		"2026年第1季度": "2026-Q1", "2026-03": "2026-03", "2026-3": "2026-03", "2026年3月": "2026-03"} {
		p, err := ParsePeriod(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePeriod(%q) = %q, %v; want %q", in, p, err, want)
		}
	}
	for _, in := range []string{"2026-13", "2026-Q5", "26-03", "2026/Q1", "", "2026年第1季"} {
		if _, err := ParsePeriod(in); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", in)
		}
	}
	p, _ := ParsePeriod("2026-Q1")
	if p.Start().String() != "2026-01-01" || p.End().String() != "2026-03-31" || !p.Contains(Date{2026, 2, 28}) || p.Contains(Date{2026, 4, 1}) {
		t.Errorf("quarter bounds %v %v", p.Start(), p.End())
	}
	for in, want := range map[string]string{"2026-03-01": "2026-03-01", "2026/3/1": "2026-03-01", "2026.3.1": "2026-03-01", "2026年3月1日": "2026-03-01"} {
		d, err := ParseDate(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDate(%q) = %v, %v", in, d, err)
		}
	}
	for _, in := range []string{"2026-02-30", "2026-3", "03/01/2026", ""} {
		if _, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) accepted", in)
		}
	}
	for serial, want := range map[float64]string{1: "1900-01-01", 59: "1900-02-28", 61: "1900-03-01", 46082: "2026-03-01", 46082.75: "2026-03-01"} {
		d, err := DateFromExcelSerial(serial)
		if err != nil || d.String() != want {
			t.Errorf("DateFromExcelSerial(%v) = %v, %v; want %s", serial, d, err, want)
		}
	}
	if MaskName("张三明") != "张*明" || MaskName("张三") != "张*" || MaskName("欧阳小明") != "欧**明" {
		t.Error("MaskName")
	}
	if ShowIDNumber("11010519491231002X", AudienceOversight) != "110105********002X" || ShowIDNumber("11010519491231002X", AudienceSelf) != "1****************X" ||
		ShowIDNumber("11010519491231002X", AudiencePublic) != "" || ShowAccount("6230901000001234", AudienceOversight) != "************1234" {
		t.Error("masking")
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105194912310021", " 11010519491231002X", "\u3000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIDNumber(s)
		if err != nil {
			return
		}
		if len(id) != 18 || IDCheckChar(id[:17]) != id[17] {
			t.Fatalf("%q → %q", s, id)
		}
		if again, err := ParseIDNumber(id); err != nil || again != id {
			t.Fatalf("not stable: %q", id)
		}
	})
}

func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100m000100y43", "91350100M000100Y44", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseUSCC(s)
		if err != nil {
			return
		}
		if again, err := ParseUSCC(c); err != nil || again != c {
			t.Fatalf("not stable: %q", c)
		}
	})
}

func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"0", "1200", "1200.5", "1,200.00", "¥1200元", "-3.1", "1.234", "9000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParseYuan(s); err == nil {
			if again, err := ParseYuan(v.String()); err != nil || again != v {
				t.Fatalf("%q → %d → %q", s, v, v.String())
			}
		}
		if v, err := ParseYuanCell(s); err == nil && v >= 0 {
			if again, err := ParseYuan(v.String()); err != nil || again != v {
				t.Fatalf("cell %q → %d", s, v)
			}
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026", "2026-Q1", "2026-03", "2026年3月", "2026年第1季度", "2026年度"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if again, err := ParsePeriod(p.String()); err != nil || again != p {
			t.Fatalf("%q → %v → %v %v", s, p, again, err)
		}
		if p.End().Before(p.Start()) {
			t.Fatalf("%v ends before it starts", p)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-03-01", "2026/3/1", "2026年3月1日", "2026-02-29"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if again, err := ParseDate(d.String()); err != nil || again != d {
			t.Fatalf("%q → %v", s, d)
		}
	})
}
