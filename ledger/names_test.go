package ledger

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

const lostCharDetail = "姓名含有问号或乱码，可能是生僻字在转换中丢失，请核对后重新填写"

func TestCheckPersonNameAccepted(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"张三", "张三"},
		{"欧阳小明", "欧阳小明"},
		{" 张三 ", "张三"},
		{"\u3000张三\u3000", "张三"},
		{"\t张三\n", "张三"},
		{"阿卜杜·热合曼", "阿卜杜·热合曼"}, // U+00B7
		{"阿卜杜•热合曼", "阿卜杜•热合曼"}, // U+2022
		{"Zhang San", "Zhang San"},
		{"王〇", "王〇"},           // U+3007 is a character, not a digit
		{"阿卜杜・热合曼", "阿卜杜・热合曼"}, // U+30FB from a Japanese IME
		{"Lǚ Xiaoming", "Lǚ Xiaoming"},
		{"䶮", "䶮"}, // CJK Extension A
		{"𠀾", "𠀾"}, // outside the BMP (font coverage is checked elsewhere)
		{strings.Repeat("张", 30), strings.Repeat("张", 30)},
	} {
		if got, err := CheckPersonName(c.in); err != nil || got != c.want {
			t.Errorf("CheckPersonName(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestCheckPersonNameRefused(t *testing.T) {
	for _, c := range []struct{ name, in, detail string }{
		{"empty", "", "姓名不能为空"},
		{"blank", " \u3000\t", "姓名不能为空"},
		{"31 characters", strings.Repeat("张", 31), "姓名过长"},
		{"question mark", "张?明", lostCharDetail},
		{"full-width question mark", "张？明", lostCharDetail},
		{"replacement character", "张\uFFFD明", lostCharDetail},
		{"only question marks", "??", lostCharDetail},
		{"invalid UTF-8", "张\xff明", lostCharDetail},
		{"ASCII digit", "张三1", "数字"},
		{"full-width digit", "张三１", "数字"},
		{"zero-width space", "张\u200b三", "字符"},
		{"right-to-left override", "张\u202e三", "字符"},
		{"byte order mark", "\ufeff张三", "字符"},
		{"private use", "张\ue000三", "字符"},
		{"unassigned", "张\U000E0000三", "字符"},
		{"line separator", "张\u2028三", "字符"},
		{"newline inside", "张\n三", "字符"},
		{"tab inside", "张\t三", "字符"},
		{"NUL", "张\x00三", "字符"},
		{"DEL", "张\x7f三", "字符"},
		{"newline inside, detail", "张\r三", "不可见"},
	} {
		got, err := CheckPersonName(c.in)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeValidationFailed || got != "" {
			t.Errorf("%s: CheckPersonName(%q) = %q, %v; want %s", c.name, c.in, got, err, CodeValidationFailed)
			continue
		}
		if !strings.Contains(e.Detail, c.detail) {
			t.Errorf("%s: detail %q, want %q", c.name, e.Detail, c.detail)
		}
	}
}

func TestMaskName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"张", "*"},
		{"张三", "张*"},
		{"张三明", "张*明"},
		{"欧阳小明", "欧**明"},
		{"欧阳明", "欧*明"},
		{" 张三明 ", "张*明"},
		{"阿卜杜·热合曼", "阿*****曼"},
		{"𠀾三明", "𠀾*明"}, // runes, not bytes
		{"Li Lei", "L****i"},
	} {
		if got := MaskName(c.in); got != c.want {
			t.Errorf("MaskName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzCheckPersonName: an accepted name is trimmed, 1 to 30 characters,
// carries no question mark or replacement character, is accepted again
// unchanged, and masks to as many characters with its last one kept.
func FuzzCheckPersonName(f *testing.F) {
	for _, s := range []string{"张三", " 欧阳小明 ", "阿卜杜·热合曼", "张?明", "张\xff", "Zhang San", "张三1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, err := CheckPersonName(s)
		if err != nil {
			if ErrorCode(err) != CodeValidationFailed {
				t.Fatalf("CheckPersonName(%q): %v", s, err)
			}
			return
		}
		n := utf8.RuneCountInString(name)
		if n < 1 || n > 30 || !utf8.ValidString(name) || strings.ContainsAny(name, "?？\uFFFD") || strings.TrimSpace(name) != name {
			t.Fatalf("CheckPersonName(%q) = %q", s, name)
		}
		if again, err := CheckPersonName(name); err != nil || again != name {
			t.Fatalf("CheckPersonName(%q) = %q, then %q, %v", s, name, again, err)
		}
		m := []rune(MaskName(name))
		r := []rune(name)
		if len(m) != n || (n > 2 && m[n-1] != r[n-1]) || (n > 1 && m[0] != r[0]) || (n == 1 && string(m) != "*") {
			t.Fatalf("MaskName(%q) = %q", name, string(m))
		}
	})
}

func TestNormalizeReceipt(t *testing.T) {
	for in, want := range map[string]string{
		"ABCDE-FGH23": "ABCDE-FGH23", "abcde-fgh23": "ABCDE-FGH23", "ABCDEFGH23": "ABCDE-FGH23", " abcde fgh23 ": "ABCDE-FGH23",
		"ＡＢＣＤＥ－ＦＧＨ２３": "ABCDE-FGH23", "abcde—fgh23": "ABCDE-FGH23", "ABC": "ABC", "ABCDE-FGH23X": "ABCDEFGH23X", "回执": "回执",
	} {
		if got := NormalizeReceipt(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
