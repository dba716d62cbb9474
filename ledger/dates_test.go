package ledger

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseDateForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Date
	}{
		{"2026-03-01", Date{2026, 3, 1}},
		{"2026/3/1", Date{2026, 3, 1}},
		{"2026/03/01", Date{2026, 3, 1}},
		{"2026-3-1", Date{2026, 3, 1}},
		{"2026.3.1", Date{2026, 3, 1}},
		{"2026年3月1日", Date{2026, 3, 1}},
		{"2026年03月01日", Date{2026, 3, 1}},
		{" 2026-03-01 ", Date{2026, 3, 1}},
		{"\u30002026年3月1日\u3000", Date{2026, 3, 1}},
		{"2024-02-29", Date{2024, 2, 29}},
		{"2000-02-29", Date{2000, 2, 29}},
		{"2026-12-31", Date{2026, 12, 31}},
		{"1900-01-01", Date{1900, 1, 1}},
		{"2100-12-31", Date{2100, 12, 31}},
	} {
		got, err := ParseDate(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{
		"2026-02-29", "1900-02-29", "2100-02-29", "2026-02-30", "2026-04-31",
		"2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32",
		"1899-12-31", "2101-01-01",
		"26-03-01", "2026-3", "2026", "03/01/2026", "01.03.2026", "2026-03-01T00:00:00Z",
		"20260301", "2026-003-01", "2026-03-001", "", "   ", "abc", "２０２６-03-01",
		"2026年3月", "2026-03-01 12:00",
	} {
		got, err := ParseDate(in)
		if ErrorCode(err) != CodeValidationFailed || !got.IsZero() {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", in, got, err, CodeValidationFailed)
		}
	}
	var e *Error
	if _, err := ParseDate("03/01/2026"); !errors.As(err, &e) || e.Detail != "日期格式应为 2026-03-01" {
		t.Errorf("detail: %v", err)
	}
	if _, err := ParseDate("1899-12-31"); !errors.As(err, &e) || e.Detail != "日期应在1900年至2100年之间" {
		t.Errorf("detail: %v", err)
	}
}

func TestDateMethods(t *testing.T) {
	d := Date{2026, 3, 1}
	if d.String() != "2026-03-01" || (Date{1900, 1, 9}).String() != "1900-01-09" {
		t.Errorf("String: %s", d)
	}
	if !(Date{}).IsZero() || d.IsZero() || (Date{}).String() != "" {
		t.Error("IsZero")
	}
	cst := time.FixedZone("CST", 8*3600)
	if got := d.Time(cst); !got.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, cst)) || got.Location() != cst {
		t.Errorf("Time(cst) = %v", got)
	}
	if got := d.Time(time.UTC); !got.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time(UTC) = %v", got)
	}
	// 20:00 UTC on the 28th is already the 1st in Beijing.
	instant := time.Date(2026, 2, 28, 20, 0, 0, 0, time.UTC)
	if DateOf(instant, cst) != d || DateOf(instant, time.UTC) != (Date{2026, 2, 28}) {
		t.Errorf("DateOf: %v %v", DateOf(instant, cst), DateOf(instant, time.UTC))
	}
	for _, c := range []struct {
		from Date
		n    int
		want Date
	}{
		{d, 0, d},
		{d, -1, Date{2026, 2, 28}},
		{Date{2024, 2, 28}, 1, Date{2024, 2, 29}},
		{Date{2026, 12, 31}, 1, Date{2027, 1, 1}},
		{Date{2026, 1, 1}, 365, Date{2027, 1, 1}},
		{Date{2024, 1, 1}, 365, Date{2024, 12, 31}},
		{d, 10, Date{2026, 3, 11}},
	} {
		if got := c.from.AddDays(c.n); got != c.want {
			t.Errorf("%v.AddDays(%d) = %v, want %v", c.from, c.n, got, c.want)
		}
		if got := c.from.DaysUntil(c.want); got != c.n {
			t.Errorf("%v.DaysUntil(%v) = %d, want %d", c.from, c.want, got, c.n)
		}
		if got := c.want.DaysUntil(c.from); got != -c.n {
			t.Errorf("%v.DaysUntil(%v) = %d, want %d", c.want, c.from, got, -c.n)
		}
	}
	if got := (Date{1900, 1, 1}).DaysUntil(Date{2100, 12, 31}); got != 73413 {
		t.Errorf("1900-01-01 to 2100-12-31: %d days", got)
	}
	if got := (Date{}).DaysUntil(Date{1, 1, 1}); got != 398 {
		t.Errorf("zero Date to 0001-01-01: %d days", got) // the zero Date is -0001-11-30
	}
	if got := (Date{1, 1, 1}).DaysUntil(Date{2001, 1, 1}); got != 730485 {
		t.Errorf("0001-01-01 to 2001-01-01: %d days", got)
	}
	if !(Date{9999, 12, 31}).Before((Date{9999, 12, 31}).AddDays(1)) || !(Date{}).Before(Date{1900, 1, 1}) {
		t.Error("Before beyond four-digit years or from the zero Date")
	}
	a, b := Date{2026, 2, 28}, Date{2026, 3, 1}
	if !a.Before(b) || a.After(b) || b.Before(a) || !b.After(a) || a.Before(a) || a.After(a) {
		t.Error("Before/After")
	}
	if !(Date{2025, 12, 31}).Before(Date{2026, 1, 1}) || !(Date{2026, 9, 30}).Before(Date{2026, 10, 1}) {
		t.Error("Before across a year or a two-digit month")
	}
	if !a.Equal(Date{2026, 2, 28}) || a.Equal(b) {
		t.Error("Equal")
	}
}

func TestDateText(t *testing.T) {
	type row struct {
		PaidOn Date `json:"paid_on"`
		Maybe  Date `json:"maybe"`
	}
	b, err := json.Marshal(row{PaidOn: Date{2026, 3, 1}})
	if err != nil || string(b) != `{"paid_on":"2026-03-01","maybe":""}` {
		t.Fatalf("json.Marshal = %s, %v", b, err)
	}
	var r row
	if err := json.Unmarshal([]byte(`{"paid_on":"2026-03-01","maybe":""}`), &r); err != nil || r.PaidOn != (Date{2026, 3, 1}) || !r.Maybe.IsZero() {
		t.Fatalf("json.Unmarshal = %+v, %v", r, err)
	}
	err = json.Unmarshal([]byte(`{"paid_on":"2026-02-30"}`), &r)
	if ErrorCode(err) != CodeValidationFailed {
		t.Errorf("bad date in JSON: %v", err)
	}
	var d Date
	if err := d.UnmarshalText([]byte("2026年3月1日")); err != nil || d != (Date{2026, 3, 1}) {
		t.Errorf("UnmarshalText = %v, %v", d, err)
	}
}

func TestDateFromExcelSerial(t *testing.T) {
	for _, c := range []struct {
		serial float64
		want   string
	}{
		{1, "1900-01-01"},
		{1.999, "1900-01-01"},
		{31, "1900-01-31"},
		{59, "1900-02-28"},
		{61, "1900-03-01"},
		{62, "1900-03-02"},
		{366, "1900-12-31"},
		{367, "1901-01-01"},
		{36526, "2000-01-01"},
		{45658, "2025-01-01"},
		{46082, "2026-03-01"},
		{46082.75, "2026-03-01"}, // 18:00 on that day
		{2958465, "9999-12-31"},
	} {
		d, err := DateFromExcelSerial(c.serial)
		if err != nil || d.String() != c.want {
			t.Errorf("DateFromExcelSerial(%v) = %v, %v; want %s", c.serial, d, err, c.want)
		}
	}
	// 60 is Excel's 1900-02-29, a day that never was; 0 is its "1900-01-00".
	for _, serial := range []float64{60, 60.5, 0, 0.5, -1, 2958466, math.NaN(), math.Inf(1), math.Inf(-1)} {
		if d, err := DateFromExcelSerial(serial); ErrorCode(err) != CodeValidationFailed || !d.IsZero() {
			t.Errorf("DateFromExcelSerial(%v) = %v, %v; want %s", serial, d, err, CodeValidationFailed)
		}
	}
}

func TestParsePeriodForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Period
		str  string
	}{
		{"2026", Period{Year: 2026}, "2026"},
		{"2026年", Period{Year: 2026}, "2026"},
		{"2026年度", Period{Year: 2026}, "2026"},
		{"2026-Q1", Period{Year: 2026, Quarter: 1}, "2026-Q1"},
		{"2026-q1", Period{Year: 2026, Quarter: 1}, "2026-Q1"},
		{"2026-Q4", Period{Year: 2026, Quarter: 4}, "2026-Q4"},
		{"2026年第1季度", Period{Year: 2026, Quarter: 1}, "2026-Q1"},
		{"2026年第4季度", Period{Year: 2026, Quarter: 4}, "2026-Q4"},
		{"2026-03", Period{Year: 2026, Month: 3}, "2026-03"},
		{"2026-3", Period{Year: 2026, Month: 3}, "2026-03"},
		{"2026-12", Period{Year: 2026, Month: 12}, "2026-12"},
		{"2026年3月", Period{Year: 2026, Month: 3}, "2026-03"},
		{"2026年12月", Period{Year: 2026, Month: 12}, "2026-12"},
		{" 2026-03 ", Period{Year: 2026, Month: 3}, "2026-03"},
		{"\u30002026年度\u3000", Period{Year: 2026}, "2026"},
	} {
		p, err := ParsePeriod(c.in)
		if err != nil || p != c.want || p.String() != c.str {
			t.Errorf("ParsePeriod(%q) = %+v (%q), %v; want %+v (%q)", c.in, p, p, err, c.want, c.str)
		}
	}
	for _, in := range []string{
		"", "   ", "26", "26-03", "20260", "2026-13", "2026-0", "2026-00", "2026年13月", "2026年0月",
		"2026-Q0", "2026-Q5", "2026-Q", "2026Q1", "2026/Q1", "2026年第5季度", "2026年第1季", "2026-Q1季度",
		"2026-03-01", "1899", "2101", "２０２６", "Q1", "2026年度3月", "abc",
	} {
		if p, err := ParsePeriod(in); ErrorCode(err) != CodeValidationFailed || p != (Period{}) {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %s", in, p, err, CodeValidationFailed)
		}
	}
}

func TestPeriodMethods(t *testing.T) {
	for _, c := range []struct {
		p          Period
		kind       string
		start, end string
	}{
		{Period{Year: 2026}, "year", "2026-01-01", "2026-12-31"},
		{Period{Year: 2026, Quarter: 1}, "quarter", "2026-01-01", "2026-03-31"},
		{Period{Year: 2026, Quarter: 2}, "quarter", "2026-04-01", "2026-06-30"},
		{Period{Year: 2026, Quarter: 3}, "quarter", "2026-07-01", "2026-09-30"},
		{Period{Year: 2026, Quarter: 4}, "quarter", "2026-10-01", "2026-12-31"},
		{Period{Year: 2026, Month: 1}, "month", "2026-01-01", "2026-01-31"},
		{Period{Year: 2026, Month: 2}, "month", "2026-02-01", "2026-02-28"},
		{Period{Year: 2024, Month: 2}, "month", "2024-02-01", "2024-02-29"},
		{Period{Year: 2026, Month: 4}, "month", "2026-04-01", "2026-04-30"},
		{Period{Year: 2026, Month: 12}, "month", "2026-12-01", "2026-12-31"},
	} {
		if c.p.Kind() != c.kind || c.p.Start().String() != c.start || c.p.End().String() != c.end {
			t.Errorf("%v: %s %v..%v; want %s %s..%s", c.p, c.p.Kind(), c.p.Start(), c.p.End(), c.kind, c.start, c.end)
		}
		s, e := c.p.Start(), c.p.End()
		if !c.p.Contains(s) || !c.p.Contains(e) || c.p.Contains(s.AddDays(-1)) || c.p.Contains(e.AddDays(1)) {
			t.Errorf("%v: Contains is wrong at the edges", c.p)
		}
		if PeriodOfDate(s, c.kind) != c.p || PeriodOfDate(e, c.kind) != c.p {
			t.Errorf("PeriodOfDate(%v, %s) = %v", s, c.kind, PeriodOfDate(s, c.kind))
		}
	}
	d := Date{2026, 8, 15}
	for kind, want := range map[string]string{"year": "2026", "quarter": "2026-Q3", "month": "2026-08"} {
		if got := PeriodOfDate(d, kind); got.String() != want || got.Kind() != kind || !got.Contains(d) {
			t.Errorf("PeriodOfDate(%v, %s) = %v", d, kind, got)
		}
	}
	type row struct {
		Period Period `json:"period"`
	}
	b, err := json.Marshal(row{Period{Year: 2026, Quarter: 1}})
	if err != nil || string(b) != `{"period":"2026-Q1"}` {
		t.Fatalf("json.Marshal = %s, %v", b, err)
	}
	var r row
	if err := json.Unmarshal([]byte(`{"period":"2026年3月"}`), &r); err != nil || r.Period != (Period{Year: 2026, Month: 3}) {
		t.Errorf("json.Unmarshal = %+v, %v", r, err)
	}
	if err := json.Unmarshal([]byte(`{"period":"2026-13"}`), &r); ErrorCode(err) != CodeValidationFailed {
		t.Errorf("bad period in JSON: %v", err)
	}
	if (Period{}).String() != "" {
		t.Error("zero period")
	}
	var e *Error
	if _, err := ParsePeriod("2026/Q1"); !errors.As(err, &e) || !strings.Contains(e.Detail, "2026-Q1") {
		t.Errorf("detail: %v", err)
	}
}
