package ledger

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// publishedUSCCs are codes of well-known organisations as published on their
// business licences; each was confirmed by computing the GB 32100 check
// character independently (usccRef below).
var publishedUSCCs = []string{
	"91350100M000100Y43", // the code most often cited as an example
	"91330100716105852F",
	"91440300708461136T",
	"914403001922038216",
	"91110000802100433B",
	"91110108551385082Q",
	"91110000600037341L",
}

// usccRef computes the GB 32100 check character from its definition: the
// weight of position i (0-based) is 3^i mod 31.
func usccRef(first17 string) (byte, bool) {
	const set = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := 0; i < len(first17); i++ {
		v := strings.IndexByte(set, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * w
		w = w * 3 % 31
	}
	return set[(31-sum%31)%31], len(first17) == 17
}

func TestUSCCAccepted(t *testing.T) {
	for _, code := range publishedUSCCs {
		if c, ok := usccRef(code[:17]); !ok || c != code[17] {
			t.Fatalf("test data: %s does not check by the reference algorithm", code)
		}
		for _, in := range []string{code, strings.ToLower(code), " " + code + " ", "\u3000" + code + "\t"} {
			if got, err := ParseUSCC(in); err != nil || got != code {
				t.Errorf("ParseUSCC(%q) = %q, %v; want %q", in, got, err, code)
			}
		}
	}
	// Constructed: every kind of first character the charset allows, and a
	// check character of 0 (Σ mod 31 = 0) and of Y.
	for _, first := range []string{"91430181MA4L00000", "12100000400000000", "52439901MJY000001", "Y1439901000000000", "00000000000000000"} {
		code := MakeUSCC(first)
		if got, err := ParseUSCC(code); err != nil || got != code {
			t.Errorf("ParseUSCC(MakeUSCC(%q) = %q) = %q, %v", first, code, got, err)
		}
	}
	if MakeUSCC("00000000000000000") != "000000000000000000" {
		t.Error("Σ mod 31 = 0 must give check character 0")
	}
}

func TestUSCCRefused(t *testing.T) {
	cases := []struct{ name, in, detail string }{
		{"wrong check character", "91350100M000100Y44", "校验位"},
		{"check character off by one", "91330100716105852G", "校验位"},
		{"transposed digits", "91350100M000010Y43", "校验位"},
		{"17 characters", "91350100M000100Y4", "18位"},
		{"19 characters", "91350100M000100Y433", "18位"},
		{"empty", "", "18位"},
		{"letter I", "91350100M000100I43", "字符"},
		{"letter O for zero", "9135010OM000100Y43", "不用 I、O、Z、S、V"},
		{"letter Z", "Z1350100M000100Y43", "字符"},
		{"letter S", "91350100S000100Y43", "字符"},
		{"letter V", "91350100V000100Y43", "字符"},
		{"hyphen", "91350100-000100Y43", "字符"},
		{"check character outside the set", "91350100M000100Y4I", "校验位"},
		{"full-width", "９１３５０１００Ｍ０００１００Ｙ４３", "全角"},
		{"inner space", "91350100 M000100Y4", "字符"},
	}
	for _, c := range cases {
		got, err := ParseUSCC(c.in)
		if ErrorCode(err) != CodeInvalidUSCC || got != "" {
			t.Errorf("%s: ParseUSCC(%q) = %q, %v; want %s", c.name, c.in, got, err, CodeInvalidUSCC)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Detail, c.detail) {
			t.Errorf("%s: detail %q does not name %q", c.name, err, c.detail)
		}
	}
}

func TestUSCCCheckChar(t *testing.T) {
	const set = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	r := rand.New(rand.NewPCG(32100, 2015))
	var b [17]byte
	seen := map[byte]bool{}
	for i := 0; i < 20000; i++ {
		for j := range b {
			b[j] = set[r.IntN(len(set))]
		}
		got, err := USCCCheckChar(string(b[:]))
		want, _ := usccRef(string(b[:]))
		if err != nil || got != want {
			t.Fatalf("USCCCheckChar(%s) = %q, %v; want %q", b, got, err, want)
		}
		seen[got] = true
	}
	if len(seen) != 31 {
		t.Errorf("only %d check characters seen", len(seen))
	}
	for _, in := range []string{"", "9135010", "91350100M000100Y43", "91350100M000100I4", "91350100m000100y4"} {
		if _, err := USCCCheckChar(in); ErrorCode(err) != CodeInvalidUSCC {
			t.Errorf("USCCCheckChar(%q) = %v, want %s", in, err, CodeInvalidUSCC)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("MakeUSCC with a bad prefix should panic (it is for fixtures)")
			}
		}()
		MakeUSCC("bad")
	}()
}

// FuzzUSCCInvariants checks what FuzzParseUSCC does not: a code ParseUSCC
// accepts is 18 characters of the code set ending in its check character, and
// MakeUSCC of any valid prefix gives a code that parses.
func FuzzUSCCInvariants(f *testing.F) {
	for _, s := range append([]string{"", "91350100M000100Y4", "9135010OM000100Y4", "\u300091350100m000100y43"}, publishedUSCCs...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if code, err := ParseUSCC(s); err == nil {
			if len(code) != 18 || strings.Trim(code, usccChars) != "" {
				t.Fatalf("ParseUSCC(%q) = %q", s, code)
			}
			if c, err := USCCCheckChar(code[:17]); err != nil || c != code[17] {
				t.Fatalf("ParseUSCC(%q) = %q but the check character is %q (%v)", s, code, c, err)
			}
		} else if ErrorCode(err) != CodeInvalidUSCC {
			t.Fatalf("ParseUSCC(%q): %v", s, err)
		}
		if len(s) == 17 && strings.Trim(s, usccChars) == "" {
			code := MakeUSCC(s)
			if got, err := ParseUSCC(code); err != nil || got != code {
				t.Fatalf("MakeUSCC(%q) = %q does not parse: %v", s, code, err)
			}
		}
	})
}
