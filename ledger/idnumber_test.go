package ledger

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

// gbExampleID is the example number published in GB 11643-1999.
const gbExampleID = "11010519491231002X"

// longDigitRun finds a run of six or more digits: an error that contains one
// has leaked (part of) a number it was given.
var longDigitRun = regexp.MustCompile(`[0-9]{6,}`)

func TestIDNumberAccepted(t *testing.T) {
	made := MakeIDNumber("439901", time.Date(1970, 2, 28, 0, 0, 0, 0, time.UTC), 123)
	cases := []struct{ in, want string }{
		{gbExampleID, gbExampleID},
		{"11010519491231002x", gbExampleID},             // lower-case x normalized
		{" 11010519491231002X ", gbExampleID},           // ASCII spaces
		{"\u300011010519491231002x\u3000", gbExampleID}, // full-width spaces
		{"\t11010519491231002X\r\n", gbExampleID},       // pasted from a sheet
		{made, made},
		{strings.ToLower(made), made},
		{MakeIDNumber("439901", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 1), ""},    // first allowed birth date
		{MakeIDNumber("439901", time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC), 2), ""},  // last allowed birth date
		{MakeIDNumber("439901", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), 3), ""},   // leap day
		{MakeIDNumber("999999", time.Date(1985, 7, 15, 0, 0, 0, 0, time.UTC), 999), ""}, // area codes are not looked up
		{MakeIDNumber("000000", time.Date(1985, 7, 15, 0, 0, 0, 0, time.UTC), 0), ""},
	}
	for _, c := range cases {
		want := c.want
		if want == "" {
			want = c.in
		}
		got, err := ParseIDNumber(c.in)
		if err != nil || got != want {
			t.Errorf("ParseIDNumber(%q) = %q, %v; want %q", c.in, got, err, want)
		}
	}
}

func TestIDNumberRefused(t *testing.T) {
	cases := []struct {
		name, in, detail string // detail: a part the Chinese detail must name
	}{
		{"wrong check digit", "110105194912310021", "校验位"},
		{"wrong check letter", "110105194912310020", "校验位"},
		{"X where a digit belongs", "11010519491231003X", "校验位"},
		{"30 February", "11010519490230002X", "出生日期"},
		{"29 February 1900", "110105190002290025", "出生日期"},
		{"month 13", "11010519491331002X", "出生日期"},
		{"month 00", "11010519490031002X", "出生日期"},
		{"day 00", "11010519491200002X", "出生日期"},
		{"day 32", "11010519491232002X", "出生日期"},
		{"born 1899", "11010518991231002X", "出生日期"},
		{"born 2101", "110105210101010027", "出生日期"},
		{"17 characters", "11010519491231002", "18位"},
		{"19 characters", "11010519491231002X1", "18位"},
		{"old 15-digit number", "110105491231002", "18位"},
		{"empty", "", "18位"},
		{"only spaces", " \u3000 ", "18位"},
		{"inner space", "110105 19491231002", "前17位"},
		{"inner space, 19 characters", "110105 19491231002X", "18位"},
		{"letters in the body", "1101051949123100AX", "前17位"},
		{"X first", "X10105194912310021", "前17位"},
		{"X in the middle", "110105194912X1002X", "前17位"},
		{"sign", "+1010519491231002X", "前17位"},
		{"last char neither digit nor X", "11010519491231002Y", "末位"},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", "全角"},
		{"Excel scientific notation", "1.10105E+17", "身份证号"},
	}
	for _, c := range cases {
		got, err := ParseIDNumber(c.in)
		if ErrorCode(err) != CodeInvalidIDNumber || got != "" {
			t.Errorf("%s: ParseIDNumber(%q) = %q, %v; want %s", c.name, c.in, got, err, CodeInvalidIDNumber)
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: not a *ledger.Error: %T", c.name, err)
		}
		if !strings.Contains(e.Detail, c.detail) {
			t.Errorf("%s: detail %q does not name %q", c.name, e.Detail, c.detail)
		}
		if longDigitRun.MatchString(err.Error()) {
			t.Errorf("%s: the error repeats digits of the ID number: %q", c.name, err.Error())
		}
	}
}

// mod112 is ISO 7064 MOD 11-2 by its recursive definition (not by the
// weight table), as an independent check of IDCheckChar.
func mod112(first17 string) byte {
	p := 0
	for i := 0; i < len(first17); i++ {
		p = (p + int(first17[i]-'0')) * 2 % 11
	}
	return "0123456789X"[(12-p)%11]
}

func TestIDCheckChar(t *testing.T) {
	if c := IDCheckChar(gbExampleID[:17]); c != 'X' {
		t.Fatalf("IDCheckChar(GB 11643 example) = %q, want 'X'", c)
	}
	r := rand.New(rand.NewPCG(11643, 1999))
	seen := map[byte]bool{}
	var b [17]byte
	for i := 0; i < 20000; i++ {
		for j := range b {
			b[j] = byte('0' + r.IntN(10))
		}
		got, want := IDCheckChar(string(b[:])), mod112(string(b[:]))
		if got != want {
			t.Fatalf("IDCheckChar(%s) = %q, ISO 7064 gives %q", b, got, want)
		}
		seen[got] = true
	}
	if len(seen) != 11 {
		t.Errorf("only %d check characters seen", len(seen))
	}
	// No panic on junk (callers may pass unvalidated input).
	_ = IDCheckChar("")
	_ = IDCheckChar("abc")
	_ = IDCheckChar(strings.Repeat("\xff", 40))
}

func TestMakeIDNumber(t *testing.T) {
	for seq := 0; seq < 1000; seq += 37 {
		birth := time.Date(1930+seq%90, time.Month(1+seq%12), 1+seq%28, 0, 0, 0, 0, time.UTC)
		id := MakeIDNumber("439901", birth, seq)
		if len(id) != 18 || !strings.HasPrefix(id, "439901"+birth.Format("20060102")) {
			t.Fatalf("MakeIDNumber(439901, %s, %d) = %q", birth.Format(time.DateOnly), seq, id)
		}
		if got, err := ParseIDNumber(id); err != nil || got != id {
			t.Fatalf("MakeIDNumber gave %q, which does not parse: %v", id, err)
		}
		if !IDBirthDate(id).Equal(birth) {
			t.Errorf("IDBirthDate(%q) = %v, want %v", id, IDBirthDate(id), birth)
		}
		if IDMale(id) != (seq%2 == 1) {
			t.Errorf("IDMale(%q) = %v for sequence %d", id, IDMale(id), seq)
		}
	}
	if id := MakeIDNumber("439901", time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), 7); id[14:17] != "007" {
		t.Errorf("sequence not zero-padded: %q", id)
	}
}

func TestIDBirthDateSexAge(t *testing.T) {
	b := IDBirthDate(gbExampleID)
	if !b.Equal(time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC)) || b.Location() != time.UTC {
		t.Errorf("IDBirthDate(example) = %v, want 1949-12-31 UTC midnight", b)
	}
	if IDMale(gbExampleID) {
		t.Error("the GB 11643 example is a woman (17th digit 2)")
	}
	if !IDMale(MakeIDNumber("439901", b, 1)) {
		t.Error("odd 17th digit is a man")
	}
	leap := MakeIDNumber("439901", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), 5)
	cst := time.FixedZone("CST", 8*3600)
	for _, c := range []struct {
		id   string
		on   time.Time
		want int
	}{
		{gbExampleID, time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), 0},
		{gbExampleID, time.Date(1950, 12, 30, 0, 0, 0, 0, time.UTC), 0},
		{gbExampleID, time.Date(1950, 12, 31, 0, 0, 0, 0, time.UTC), 1},
		{gbExampleID, time.Date(2019, 12, 30, 23, 59, 0, 0, time.UTC), 69},
		{gbExampleID, time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC), 70},
		{gbExampleID, time.Date(2019, 12, 31, 0, 30, 0, 0, cst), 70}, // the date where "on" is
		{gbExampleID, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), 70},
		{leap, time.Date(2001, 2, 28, 0, 0, 0, 0, time.UTC), 0},
		{leap, time.Date(2001, 3, 1, 0, 0, 0, 0, time.UTC), 1},
		{leap, time.Date(2004, 2, 29, 0, 0, 0, 0, time.UTC), 4},
		{leap, time.Date(2018, 2, 28, 0, 0, 0, 0, time.UTC), 17},
		{leap, time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC), 18},
	} {
		if got := AgeOn(c.id, c.on); got != c.want {
			t.Errorf("AgeOn(born %s, %s) = %d, want %d", IDBirthDate(c.id).Format(time.DateOnly), c.on.Format(time.DateOnly), got, c.want)
		}
	}
}
