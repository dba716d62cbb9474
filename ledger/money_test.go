package ledger

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseYuanForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Fen
	}{
		{"0", 0},
		{"0.00", 0},
		{"1200", 120000},
		{"1200.5", 120050},
		{"1200.50", 120050},
		{"1200.00", 120000},
		{"1200.05", 120005},
		{"0.01", 1},
		{"0.1", 10},
		{"0001.10", 110},
		{"9000000000000", 900000000000000},
		{"9000000000000.00", 900000000000000},
		{"0000000000000000000009000000000000.00", 900000000000000},
		{"8999999999999.99", 899999999999999},
	} {
		if got, err := ParseYuan(c.in); err != nil || got != c.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		code Code
	}{
		{"1.234", CodeAmountTooPrecise},
		{"0.001", CodeAmountTooPrecise},
		{"1200.000", CodeAmountTooPrecise},
		{"", CodeValidationFailed},
		{"1.", CodeValidationFailed},
		{".5", CodeValidationFailed},
		{".", CodeValidationFailed},
		{"1,200", CodeValidationFailed},
		{"1,200.00", CodeValidationFailed},
		{"-1", CodeValidationFailed},
		{"+1", CodeValidationFailed},
		{" 1", CodeValidationFailed},
		{"1 ", CodeValidationFailed},
		{"1e3", CodeValidationFailed},
		{"0x10", CodeValidationFailed},
		{"1.2.3", CodeValidationFailed},
		{"1.2a", CodeValidationFailed},
		{"NaN", CodeValidationFailed},
		{"Inf", CodeValidationFailed},
		{"¥1200", CodeValidationFailed},
		{"1200元", CodeValidationFailed},
		{"１２００", CodeValidationFailed},
		{"9000000000000.01", CodeValidationFailed},
		{"9000000000001", CodeValidationFailed},
		{"99999999999999", CodeValidationFailed},
		{"99999999999999999999999999999", CodeValidationFailed},
	} {
		got, err := ParseYuan(c.in)
		if ErrorCode(err) != c.code || got != 0 {
			t.Errorf("ParseYuan(%q) = %d, %v; want %s", c.in, got, err, c.code)
		}
	}
	var e *Error
	if _, err := ParseYuan("1.234"); !errors.As(err, &e) || !strings.Contains(e.Detail, "两位小数") {
		t.Errorf("detail for 1.234: %v", err)
	}
}

func TestParseYuanCellForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Fen
	}{
		{"1200", 120000},
		{"1200.5", 120050},
		{"1200.00", 120000},
		{" 1200 ", 120000},
		{"\u30001200\u3000", 120000},
		{"\t1200.5 ", 120050},
		{"1,200", 120000},
		{"1,200.00", 120000},
		{"12,345,678.90", 1234567890},
		{"999", 99900},
		{"¥1200", 120000},
		{"￥1200", 120000},
		{"￥1,200.5元", 120050},
		{"1200元", 120000},
		{"1,200 元", 120000},
		{"¥ 1,200.00 元", 120000},
		{"１２００", 120000},
		{"１２００．５０", 120050},
		{"-3.1", -310},
		{"-3.10", -310},
		{"-1,200.00", -120000},
		{"-¥3.10", -310},
		{"¥-3.10", -310}, // zh-CN Excel currency format for negatives
		{"￥-1,200.00元", -120000},
		{"- 3.10", -310},
		{"\t1200.5\r\n", 120050},
		{"－3.10", -310}, // full-width minus
		{"0", 0},
		{"-0", 0},
		{"9,000,000,000,000.00", 900000000000000},
		{"-9,000,000,000,000.00", -900000000000000},
	} {
		if got, err := ParseYuanCell(c.in); err != nil || got != c.want {
			t.Errorf("ParseYuanCell(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		code Code
	}{
		{"1,20", CodeValidationFailed},
		{"12,00.00", CodeValidationFailed},
		{"1,2000", CodeValidationFailed},
		{"1234,567", CodeValidationFailed},
		{",100", CodeValidationFailed},
		{"1,200,", CodeValidationFailed},
		{"1,,200", CodeValidationFailed},
		{"1，200", CodeValidationFailed}, // full-width comma
		{"１，２００", CodeValidationFailed},
		{"1.200,00", CodeValidationFailed},
		{"abc", CodeValidationFailed},
		{"", CodeValidationFailed},
		{"   ", CodeValidationFailed},
		{"¥", CodeValidationFailed},
		{"元", CodeValidationFailed},
		{"-", CodeValidationFailed},
		{"--5", CodeValidationFailed},
		{"+5", CodeValidationFailed},
		{"1200元元", CodeValidationFailed},
		{"1 200", CodeValidationFailed},
		{"12 00.00", CodeValidationFailed},
		{"1, 200", CodeValidationFailed},
		{"-¥-3.10", CodeValidationFailed},
		{"¥￥3", CodeValidationFailed},
		{"3-", CodeValidationFailed},
		{"1e3", CodeValidationFailed},
		{"$1200", CodeValidationFailed},
		{"1.234", CodeAmountTooPrecise},
		{"1,200.001", CodeAmountTooPrecise},
		{"-0.001", CodeAmountTooPrecise},
		{"9,000,000,000,000.01", CodeValidationFailed},
		{"-9000000000001", CodeValidationFailed},
	} {
		got, err := ParseYuanCell(c.in)
		if ErrorCode(err) != c.code || got != 0 {
			t.Errorf("ParseYuanCell(%q) = %d, %v; want %s", c.in, got, err, c.code)
		}
	}
}

func TestFenFromFloat(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want Fen
	}{
		{0, 0},
		{math.Copysign(0, -1), 0},
		{1200, 120000},
		{1200.5, 120050},
		{1200.05, 120005},
		{0.1 + 0.2, 30},
		{-3.1, -310},
		{0.01, 1},
		{1e-7, 0},               // within 1e-6 of 0.00
		{1200.0500004, 120005},  // within 1e-6 of 1200.05
		{19.99 * 3, 5997},       // float noise from a formula cell
		{9e12, 900000000000000}, // the limit
		{-9e12, -900000000000000},
	} {
		if got, err := FenFromFloat(c.in); err != nil || got != c.want {
			t.Errorf("FenFromFloat(%v) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		in   float64
		code Code
	}{
		{1200.123, CodeAmountTooPrecise},
		{0.005, CodeAmountTooPrecise},
		{1200.05001, CodeAmountTooPrecise},
		{1.0 / 3, CodeAmountTooPrecise},
		{math.NaN(), CodeValidationFailed},
		{math.Inf(1), CodeValidationFailed},
		{math.Inf(-1), CodeValidationFailed},
		{9e12 + 0.01, CodeValidationFailed},
		{1e300, CodeValidationFailed},
		{-1e300, CodeValidationFailed},
	} {
		got, err := FenFromFloat(c.in)
		if ErrorCode(err) != c.code || got != 0 {
			t.Errorf("FenFromFloat(%v) = %d, %v; want %s", c.in, got, err, c.code)
		}
	}
	// Every fen value read back from the float64 Excel stores for it.
	for f := Fen(0); f < 200000; f++ {
		if got, err := FenFromFloat(float64(f) / 100); err != nil || got != f {
			t.Fatalf("FenFromFloat(%v) = %d, %v", float64(f)/100, got, err)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		f := Fen(r.Int64N(int64(maxFen) + 1))
		y, _ := strconv.ParseFloat(f.String(), 64)
		if got, err := FenFromFloat(y); err != nil || got != f {
			t.Fatalf("FenFromFloat(%s) = %d, %v", f, got, err)
		}
	}
}

func TestFenFormatting(t *testing.T) {
	for _, c := range []struct {
		f         Fen
		str, yuan string
	}{
		{0, "0.00", "0.00"},
		{5, "0.05", "0.05"},
		{10, "0.10", "0.10"},
		{100, "1.00", "1.00"},
		{-5, "-0.05", "-0.05"},
		{-310, "-3.10", "-3.10"},
		{120000, "1200.00", "1,200.00"},
		{99999, "999.99", "999.99"},
		{100000, "1000.00", "1,000.00"},
		{123456789, "1234567.89", "1,234,567.89"},
		{-123456789, "-1234567.89", "-1,234,567.89"},
		{100000000, "1000000.00", "1,000,000.00"},
		{900000000000000, "9000000000000.00", "9,000,000,000,000.00"},
	} {
		if got := c.f.String(); got != c.str {
			t.Errorf("Fen(%d).String() = %q, want %q", int64(c.f), got, c.str)
		}
		if got := c.f.Yuan(); got != c.yuan {
			t.Errorf("Fen(%d).Yuan() = %q, want %q", int64(c.f), got, c.yuan)
		}
		if c.f >= 0 {
			if back, err := ParseYuan(c.f.String()); err != nil || back != c.f {
				t.Errorf("ParseYuan(%q) = %d, %v", c.f.String(), back, err)
			}
		}
		if back, err := ParseYuanCell(c.yuan); err != nil || back != c.f {
			t.Errorf("ParseYuanCell(%q) = %d, %v", c.yuan, back, err)
		}
	}
}

func TestFenStringExtremes(t *testing.T) {
	if got := Fen(math.MinInt64).String(); got != "-92233720368547758.08" {
		t.Errorf("Fen(MinInt64).String() = %q", got)
	}
	if got := Fen(math.MaxInt64).String(); got != "92233720368547758.07" {
		t.Errorf("Fen(MaxInt64).String() = %q", got)
	}
	if got := Fen(math.MinInt64).Yuan(); got != "-92,233,720,368,547,758.08" {
		t.Errorf("Fen(MinInt64).Yuan() = %q", got)
	}
}

func TestCheckPositive(t *testing.T) {
	if err := Fen(1).CheckPositive(); err != nil {
		t.Errorf("Fen(1).CheckPositive() = %v", err)
	}
	for _, f := range []Fen{0, -1, -120000} {
		err := f.CheckPositive()
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeAmountNotPositive || e.Detail != "金额必须大于零" {
			t.Errorf("Fen(%d).CheckPositive() = %v", int64(f), err)
		}
	}
}

func TestParsePercentBasisPoints(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"4.35", 435},
		{"4.3", 430},
		{"4", 400},
		{"0", 0},
		{"0.5", 50},
		{" 4.35 ", 435},
		{"4.35%", 435},
		{"100", 10000},
	} {
		if got, err := ParsePercentBasisPoints(c.in); err != nil || got != c.want {
			t.Errorf("ParsePercentBasisPoints(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"4.355", "0.0435", "", "abc", "-1", "4,35", "100.01", "1e2", "%"} {
		if got, err := ParsePercentBasisPoints(in); ErrorCode(err) != CodeValidationFailed || got != 0 {
			t.Errorf("ParsePercentBasisPoints(%q) = %d, %v; want %s", in, got, err, CodeValidationFailed)
		}
	}
}

func FuzzParseYuanCell(f *testing.F) {
	for _, s := range []string{"1200", "1,200.00", "￥1,200.5元", "-3.1", "1,20", "１２００．５０", "1.234", "9,000,000,000,000.01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseYuanCell(s)
		if err != nil {
			if c := ErrorCode(err); c != CodeValidationFailed && c != CodeAmountTooPrecise {
				t.Fatalf("ParseYuanCell(%q): %v", s, err)
			}
			if v != 0 {
				t.Fatalf("ParseYuanCell(%q) = %d with an error", s, v)
			}
		} else {
			if v > maxFen || v < -maxFen {
				t.Fatalf("ParseYuanCell(%q) = %d, beyond the limit", s, v)
			}
			abs := v
			if abs < 0 {
				abs = -abs
			}
			if again, err := ParseYuan(abs.String()); err != nil || again != abs {
				t.Fatalf("ParseYuanCell(%q) = %d, but ParseYuan(%q) = %d, %v", s, v, abs.String(), again, err)
			}
			if again, err := ParseYuanCell(v.Yuan()); err != nil || again != v {
				t.Fatalf("ParseYuanCell(%q) = %d, but ParseYuanCell(%q) = %d, %v", s, v, v.Yuan(), again, err)
			}
		}
		// The strict API form is a subset of what a cell may hold.
		if strict, err := ParseYuan(s); err == nil {
			if cell, err := ParseYuanCell(s); err != nil || cell != strict {
				t.Fatalf("ParseYuan(%q) = %d but ParseYuanCell gives %d, %v", s, strict, cell, err)
			}
		}
	})
}

func FuzzFenFromFloat(f *testing.F) {
	for _, y := range []float64{0, 1200.5, 0.1 + 0.2, -3.1, 1200.123, 9e12, 1e300} {
		f.Add(y)
	}
	f.Fuzz(func(t *testing.T, y float64) {
		v, err := FenFromFloat(y)
		if err != nil {
			if c := ErrorCode(err); c != CodeValidationFailed && c != CodeAmountTooPrecise {
				t.Fatalf("FenFromFloat(%v): %v", y, err)
			}
			return
		}
		if math.Abs(float64(v)/100-y) > 1e-6 {
			t.Fatalf("FenFromFloat(%v) = %s, too far", y, v)
		}
		if again, err := ParseYuanCell(v.String()); err != nil || again != v {
			t.Fatalf("FenFromFloat(%v) = %s, which ParseYuanCell reads as %d, %v", y, v, again, err)
		}
	})
}
