package ledger

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date is a civil date (no time, no zone).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String returns "2006-01-02", or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero date.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 }

// Time returns midnight of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// DateOf returns the date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, dd := t.In(loc).Date()
	return Date{y, m, dd}
}

// AddDays returns the date n days later.
func (d Date) AddDays(n int) Date { return DateOf(d.Time(time.UTC).AddDate(0, 0, n), time.UTC) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// After reports whether d is after e.
func (d Date) After(e Date) bool { return e.Before(d) }

// Equal reports whether d and e are the same date.
func (d Date) Equal(e Date) bool { return d == e }

// DaysUntil returns the number of days from d to e (negative when e is
// before d). It counts Unix days, so spans longer than a time.Duration can
// hold (292 years, e.g. from the zero Date) are still exact.
func (d Date) DaysUntil(e Date) int {
	return int((e.Time(time.UTC).Unix() - d.Time(time.UTC).Unix()) / 86400)
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler ("" is the zero date).
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

var dateRe = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)

// ParseDate accepts "2026-03-01", "2026/3/1", "2026-3-1", "2026.3.1" and
// "2026年3月1日". It returns a CodeValidationFailed error otherwise.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(strings.Trim(s, "\u3000"))
	m := dateRe.FindStringSubmatch(s)
	if m == nil {
		return Date{}, Errorf(CodeValidationFailed, "日期格式应为 2026-03-01")
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	dd, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), dd, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != dd {
		return Date{}, Errorf(CodeValidationFailed, "日期 %s 不存在", s)
	}
	if y < 1900 || y > 2100 {
		return Date{}, Errorf(CodeValidationFailed, "日期应在1900年至2100年之间")
	}
	return Date{y, time.Month(mo), dd}, nil
}

// DateFromExcelSerial converts an Excel (1900 system) serial date; the time
// of day is dropped. Serial 60 is Excel's fictitious 1900-02-29.
func DateFromExcelSerial(serial float64) (Date, error) {
	if math.IsNaN(serial) || math.IsInf(serial, 0) || serial < 1 || serial > 2958465 {
		return Date{}, Errorf(CodeValidationFailed, "日期数值无效")
	}
	n := int(math.Floor(serial))
	if n == 60 {
		return Date{}, Errorf(CodeValidationFailed, "日期 1900-02-29 不存在")
	}
	if n > 60 {
		n--
	}
	return DateOf(time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n), time.UTC), nil
}

// Period is a year, a quarter or a month (所属期间).
type Period struct {
	Year    int
	Quarter int // 1–4, or 0
	Month   int // 1–12, or 0
}

// String returns the API form: "2026", "2026-Q1" or "2026-03" ("" when zero).
func (p Period) String() string {
	switch {
	case p.Year == 0:
		return ""
	case p.Month != 0:
		return fmt.Sprintf("%04d-%02d", p.Year, p.Month)
	case p.Quarter != 0:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Quarter)
	}
	return fmt.Sprintf("%04d", p.Year)
}

// Kind returns "year", "quarter" or "month".
func (p Period) Kind() string {
	switch {
	case p.Month != 0:
		return "month"
	case p.Quarter != 0:
		return "quarter"
	}
	return "year"
}

// Start returns the period's first day.
func (p Period) Start() Date {
	switch {
	case p.Month != 0:
		return Date{p.Year, time.Month(p.Month), 1}
	case p.Quarter != 0:
		return Date{p.Year, time.Month(3*p.Quarter - 2), 1}
	}
	return Date{p.Year, 1, 1}
}

// End returns the period's last day.
func (p Period) End() Date {
	switch {
	case p.Month != 0:
		return Date{p.Year, time.Month(p.Month), 1}.addMonthsEnd(1)
	case p.Quarter != 0:
		return Date{p.Year, time.Month(3*p.Quarter - 2), 1}.addMonthsEnd(3)
	}
	return Date{p.Year, 12, 31}
}

func (d Date) addMonthsEnd(n int) Date {
	return DateOf(time.Date(d.Year, d.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1), time.UTC)
}

// Contains reports whether d falls in the period.
func (p Period) Contains(d Date) bool {
	return !d.Before(p.Start()) && !d.After(p.End())
}

// PeriodOfDate returns the period of a kind ("year", "quarter", "month")
// containing d.
func PeriodOfDate(d Date, kind string) Period {
	switch kind {
	case "month":
		return Period{Year: d.Year, Month: int(d.Month)}
	case "quarter":
		return Period{Year: d.Year, Quarter: (int(d.Month)-1)/3 + 1}
	}
	return Period{Year: d.Year}
}

// MarshalText implements encoding.TextMarshaler.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler ("" is the zero period).
func (p *Period) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = Period{}
		return nil
	}
	v, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

var (
	periodYear    = regexp.MustCompile(`^(\d{4})\s*(年度?)?$`)
	periodQuarter = regexp.MustCompile(`^(\d{4})\s*(?:-\s*[Qq]|年\s*第)\s*([1-4])\s*(季度)?$`)
	periodMonth   = regexp.MustCompile(`^(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?$`)
)

// ParsePeriod accepts "2026", "2026年", "2026年度", "2026-Q1", "2026年第1季度",
// "2026-03", "2026-3" and "2026年3月". It returns a CodeValidationFailed
// error otherwise.
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(strings.Trim(s, "\u3000"))
	bad := Errorf(CodeValidationFailed, "所属期间格式应为 2026、2026-Q1 或 2026-03")
	var p Period
	if m := periodYear.FindStringSubmatch(s); m != nil {
		p.Year, _ = strconv.Atoi(m[1])
	} else if m := periodQuarter.FindStringSubmatch(s); m != nil {
		p.Year, _ = strconv.Atoi(m[1])
		p.Quarter, _ = strconv.Atoi(m[2])
		if (m[3] != "") != strings.Contains(s, "第") {
			return Period{}, bad
		}
	} else if m := periodMonth.FindStringSubmatch(s); m != nil {
		p.Year, _ = strconv.Atoi(m[1])
		p.Month, _ = strconv.Atoi(m[2])
		if p.Month < 1 || p.Month > 12 {
			return Period{}, bad
		}
	} else {
		return Period{}, bad
	}
	if p.Year < 1900 || p.Year > 2100 {
		return Period{}, bad
	}
	return p, nil
}
