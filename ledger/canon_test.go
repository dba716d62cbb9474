package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestCanonicalJSONSortUTF16 uses the keys of the sorting example of RFC 8785
// §3.2.3. U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16 code
// units although it comes after it in code points (and in UTF-8 bytes).
func TestCanonicalJSONSortUTF16(t *testing.T) {
	in := `{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`
	want := "{" +
		`"\r":"Carriage Return",` +
		`"1":"One",` +
		"\"\u0080\":\"Control\"," +
		"\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," +
		"\"\u20ac\":\"Euro Sign\"," +
		"\"\U0001F600\":\"Emoji: Grinning Face\"," +
		"\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"" +
		"}"
	got, err := CanonicalJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("CanonicalJSON:\n got %q\nwant %q", got, want)
	}
	// The same keys written literally (not as escapes) and in another order.
	in2 := "{\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"\U0001F600\":\"Emoji: Grinning Face\"," +
		"\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"1\":\"One\",\"\u20ac\":\"Euro Sign\"," +
		"\"\u0080\":\"Control\",\"\\r\":\"Carriage Return\"}"
	got, err = CanonicalJSON([]byte(in2))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("CanonicalJSON (literal keys):\n got %q\nwant %q", got, want)
	}
}

func TestLessUTF16(t *testing.T) {
	// Strictly increasing in UTF-16 code units. U+10000 is D800 DC00 and
	// U+1F600 is D83D DE00: both sort before U+FB33 and U+FFFF.
	ordered := []string{"", "\r", "1", "1\x00", "10", "A", "a", "aa", "ab", "\u0080", "\u00f6", "\u20ac",
		"\U00010000\U00010000", "\U0001F600", "\U0001F600a", "\U0001F601", "\ufb33", "\uffff"}
	for i := range ordered {
		for j := range ordered {
			if got, want := lessUTF16(ordered[i], ordered[j]), i < j; got != want {
				t.Errorf("lessUTF16(%q, %q) = %v, want %v", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	deep := func(n int, inner string) string {
		return strings.Repeat("[", n) + inner + strings.Repeat("]", n)
	}
	deepObj := func(n int) string {
		return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
	}
	tests := []struct {
		name, in, want string // want "" means refused
	}{
		// Literals and white space.
		{"true", "true", "true"},
		{"false", " false ", "false"},
		{"null", "\n\tnull\r\n", "null"},
		{"empty object", "{ }", "{}"},
		{"empty array", "[ ]", "[]"},
		{"whitespace", " { \"b\" : [ 1 , 2 , { } ] ,\n\t\"a\" : null } ", `{"a":null,"b":[1,2,{}]}`},
		{"nested", `{"z":{"y":[{"b":1,"a":2}],"x":[[],[[]]]},"a":[true,false,null]}`,
			`{"a":[true,false,null],"z":{"x":[[],[[]]],"y":[{"a":2,"b":1}]}}`},
		{"array order kept", `[3,1,2]`, `[3,1,2]`},
		{"nulls in array", `[null,null]`, `[null,null]`},
		{"null member", `{"b":null,"a":null}`, `{"a":null,"b":null}`},
		{"empty key", `{"a":1,"":2}`, `{"":2,"a":1}`},
		{"prefix keys", `{"ab":1,"a":2,"b":3}`, `{"a":2,"ab":1,"b":3}`},
		{"upper before lower", `{"b":1,"B":2,"a":3,"A":4}`, `{"A":4,"B":2,"a":3,"b":1}`},

		// Integers.
		{"zero", "0", "0"},
		{"minus one", "-1", "-1"},
		{"max safe", "9007199254740991", "9007199254740991"},
		{"min safe", "-9007199254740991", "-9007199254740991"},
		{"money", `{"amount":12000000}`, `{"amount":12000000}`},
		{"minus zero", "-0", "0"}, // accepted, written as 0
		{"minus zero in object", `{"a":-0}`, `{"a":0}`},
		{"max safe + 1", "9007199254740992", ""},
		{"min safe - 1", "-9007199254740992", ""},
		{"beyond int64", "99999999999999999999", ""},
		{"fraction", "1.5", ""},
		{"exponent", "1e3", ""},
		{"capital exponent", "1E3", ""},
		{"integral fraction", "1.0", ""},
		{"minus zero point zero", "-0.0", ""},
		{"float in object", `{"a":0.1}`, ""},
		{"leading zero", "01", ""},
		{"plus sign", "+1", ""},
		{"NaN", "NaN", ""},
		{"Infinity", "Infinity", ""},
		{"hex", "0x10", ""},

		// Strings: escaped as JSON.stringify does.
		{"quote and backslash", `"a\"b\\c"`, `"a\"b\\c"`},
		{"short escapes", `"\b\t\n\f\r"`, `"\b\t\n\f\r"`},
		{"solidus escape dropped", `"a\/b"`, `"a/b"`},
		{"solidus literal", `"a/b"`, `"a/b"`},
		{"control chars", `"\u0000\u0001\u001f\u000B\u000e"`, `"\u0000\u0001\u001f\u000b\u000e"`},
		{"escaped short forms", `"\u0008\u0009\u000a\u000c\u000d\u0022\u005c"`, `"\b\t\n\f\r\"\\"`},
		{"html not escaped", `"<a href='x'>&amp;</a>"`, `"<a href='x'>&amp;</a>"`},
		{"html escapes undone", `"\u003c\u003e\u0026"`, `"<>&"`},
		{"DEL literal", `"\u007f"`, "\"\x7f\""},
		{"DEL raw", "\"\x7f\"", "\"\x7f\""},
		{"U+2028 U+2029 literal", `"\u2028\u2029"`, "\"\u2028\u2029\""},
		{"non-ASCII literal", `"\u00e9\u6e58\ud83d\ude00"`, "\"\u00e9\u6e58\U0001F600\""},
		{"non-ASCII raw", "\"湘财农指〔2026〕3号\"", "\"湘财农指〔2026〕3号\""},
		{"escaped key", `{"\u0061":1}`, `{"a":1}`},
		{"key with escapes", `{"a\nb":1,"a\"":2}`, `{"a\n` + `b":1,"a\"":2}`},

		// Refusals.
		{"empty", "", ""},
		{"only space", "  ", ""},
		{"duplicate key", `{"a":1,"a":1}`, ""},
		{"duplicate key after unescaping", `{"a":1,"\u0061":2}`, ""},
		{"nested duplicate key", `{"x":{"a":1,"b":2,"a":3}}`, ""},
		{"invalid UTF-8 in string", "\"\xff\"", ""},
		{"invalid UTF-8 in key", "{\"\xc3\":1}", ""},
		{"invalid UTF-8 outside string", "[1]\xff", ""},
		{"overlong UTF-8", "\"\xc0\xaf\"", ""},
		{"UTF-8 surrogate", "\"\xed\xa0\x80\"", ""},
		{"trailing value", "1 2", ""},
		{"trailing object", "{}{}", ""},
		{"trailing bracket", "[1]]", ""},
		{"trailing comma", "[1,]", ""},
		{"trailing comma in object", `{"a":1,}`, ""},
		{"missing colon", `{"a" 1}`, ""},
		{"missing comma", `[1 2]`, ""},
		{"unterminated", `{"a":1`, ""},
		{"unterminated string", `"abc`, ""},
		{"non-string key", `{1:2}`, ""},
		{"single quotes", `'a'`, ""},
		{"raw control char in string", "\"a\tb\"", ""},
		{"bad escape", `"\x41"`, ""},
		{"comment", "/* */ 1", ""},
		{"BOM", "\ufeff{}", ""},
		{"True", "True", ""},

		// Depth: the top-level value is at depth 0; values nested deeper than
		// 64 are refused.
		{"depth 64 arrays", deep(64, "1"), deep(64, "1")},
		{"depth 65 arrays", deep(65, "1"), ""},
		{"depth 64 objects", deepObj(64), deepObj(64)},
		{"depth 65 objects", deepObj(65), ""},
		{"depth 1000", deep(1000, ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalJSON([]byte(tt.in))
			if tt.want == "" {
				if err == nil {
					t.Fatalf("CanonicalJSON(%q) = %q, want an error", tt.in, got)
				}
				if !errors.Is(err, ErrNotCanonicalizable) {
					t.Fatalf("CanonicalJSON(%q): error %v does not wrap ErrNotCanonicalizable", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CanonicalJSON(%q): %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Fatalf("CanonicalJSON(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			again, err := CanonicalJSON(got)
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("CanonicalJSON is not idempotent on %q: %q, %v", got, again, err)
			}
			if !json.Valid(got) {
				t.Fatalf("output %q is not valid JSON", got)
			}
		})
	}
}

// TestCanonicalJSONAllControlChars checks the escape of every byte below 0x20.
func TestCanonicalJSONAllControlChars(t *testing.T) {
	short := map[byte]string{'\b': `\b`, '\t': `\t`, '\n': `\n`, '\f': `\f`, '\r': `\r`}
	for c := 0; c < 0x20; c++ {
		in, _ := json.Marshal(string(rune(c)))
		got, err := CanonicalJSON(in)
		if err != nil {
			t.Fatalf("%#x: %v", c, err)
		}
		want, ok := short[byte(c)]
		if !ok {
			want = `\u00` + string(hexDigits[c>>4]) + string(hexDigits[c&0xf])
		}
		if string(got) != `"`+want+`"` {
			t.Errorf("%#x: got %s, want %q", c, got, `"`+want+`"`)
		}
	}
	// Every printable ASCII byte but '"' and '\\' is written as itself.
	var all strings.Builder
	for c := 0x20; c < 0x80; c++ {
		if c != '"' && c != '\\' {
			all.WriteByte(byte(c))
		}
	}
	in, _ := json.Marshal(all.String())
	got, err := CanonicalJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `"`+all.String()+`"` {
		t.Errorf("printable ASCII: got %q", got)
	}
}

// TestCanonicalJSONLoneSurrogate records what an escaped lone surrogate does:
// encoding/json decodes it as U+FFFD, so it is not refused (RFC 8785 wants
// I-JSON, which forbids it) but replaced.
func TestCanonicalJSONLoneSurrogate(t *testing.T) {
	for _, in := range []string{`"\ud800"`, `"\udc00"`, `"\ud83d x"`} {
		got, err := CanonicalJSON([]byte(in))
		if err != nil {
			continue // refusing would also be fine
		}
		if !strings.Contains(string(got), "\ufffd") {
			t.Errorf("CanonicalJSON(%s) = %q: a lone surrogate neither refused nor replaced", in, got)
		}
	}
}

func TestCanonical(t *testing.T) {
	type inner struct {
		Z int    `json:"z"`
		A string `json:"a"`
	}
	type outer struct {
		Name   string         `json:"name"`
		Amount int64          `json:"amount"`
		Tags   []string       `json:"tags"`
		Inner  inner          `json:"inner"`
		Extra  map[string]any `json:"extra,omitempty"`
		Skip   string         `json:"-"`
		HTML   string         `json:"html"`
	}
	v := outer{Name: "湘财农指〔2026〕3号", Amount: 12000000, Tags: []string{"b", "a"},
		Inner: inner{Z: -3, A: "x"}, Extra: map[string]any{"k": true, "\U0001F600": nil, "\ufb33": 1},
		Skip: "no", HTML: "<&>"}
	got, err := Canonical(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"amount":12000000,"extra":{"k":true,"` + "\U0001F600" + `":null,"` + "\ufb33" + `":1},"html":"<&>",` +
		`"inner":{"a":"x","z":-3},"name":"湘财农指〔2026〕3号","tags":["b","a"]}`
	if string(got) != want {
		t.Fatalf("Canonical:\n got %s\nwant %s", got, want)
	}

	okCases := []struct {
		v    any
		want string
	}{
		{map[string]any{"b": 1, "a": []any{}}, `{"a":[],"b":1}`},
		{map[string]int64{"max": MaxSafeInteger, "min": -MaxSafeInteger}, `{"max":9007199254740991,"min":-9007199254740991}`},
		{map[string]float64{"a": 1.0}, `{"a":1}`}, // encoding/json writes 1.0 as 1
		{nil, "null"},
		{[]int{}, "[]"},
		{json.RawMessage(`{"b" : 1 , "a" : 2}`), `{"a":2,"b":1}`},
		{"a\u2028b", "\"a\u2028b\""},
	}
	for _, c := range okCases {
		got, err := Canonical(c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("Canonical(%#v) = %s, %v; want %s", c.v, got, err, c.want)
		}
	}

	for _, v := range []any{
		map[string]float64{"a": 1.5},
		map[string]int64{"a": MaxSafeInteger + 1},
		map[string]uint64{"a": 1 << 63},
		map[string]any{"c": make(chan int)},
		json.RawMessage(`{"a":1,"a":2}`),
	} {
		if got, err := Canonical(v); err == nil || !errors.Is(err, ErrNotCanonicalizable) {
			t.Errorf("Canonical(%#v) = %s, %v; want an error wrapping ErrNotCanonicalizable", v, got, err)
		}
	}
}

func TestCanonicalJSONIdempotent(t *testing.T) {
	inputs := []string{
		`{"b":[{"d":1,"c":"\u00e9"}],"a":"\u2028","\u20ac":{"\ud83d\ude00":"\ufb33"}}`,
		`[ "\/", "\u001F", "\"", -0, 9007199254740991 ]`,
		"{\"\x7f\":\"\\u007F\",\"\\u0000\":null}",
		`{"amount":12000000,"doc_no":"湘财农指〔2026〕3号","source_level":"省级"}`,
	}
	for _, in := range inputs {
		once, err := CanonicalJSON([]byte(in))
		if err != nil {
			t.Fatalf("CanonicalJSON(%q): %v", in, err)
		}
		twice, err := CanonicalJSON(once)
		if err != nil || !bytes.Equal(once, twice) {
			t.Errorf("CanonicalJSON(CanonicalJSON(%q)) = %q, %v; want %q", in, twice, err, once)
		}
	}
}

func TestFingerprintJSON(t *testing.T) {
	a := FingerprintJSON([]byte(`{"a":1,"b":[1,2]}`))
	b := FingerprintJSON([]byte(" {\"b\" : [1, 2], \"a\":1}\n"))
	if a != b {
		t.Error("fingerprints of the same object in other orders differ")
	}
	if c := FingerprintJSON([]byte(`{"a":1,"b":[2,1]}`)); c == a {
		t.Error("fingerprints of different arrays are equal")
	}
	// A body with no canonical form is fingerprinted as sent.
	if FingerprintJSON([]byte(`{"a":1.5}`)) == FingerprintJSON([]byte(`{"a": 1.5}`)) {
		t.Error("non-canonicalizable bodies should be fingerprinted as sent")
	}
}

// TestCanonicalJSONLargeObject: request bodies of up to MaxBody (10 MiB) are
// canonicalized for their idempotency fingerprint, so a large object must
// take time in n log n, not n². (With a quadratic duplicate check this test
// took two minutes; it now takes a fraction of a second.)
func TestCanonicalJSONLargeObject(t *testing.T) {
	const n = 200000
	var b bytes.Buffer
	b.WriteString("{")
	for i := n - 1; i >= 0; i-- {
		fmt.Fprintf(&b, `"k%07d":%d,`, i, i)
	}
	b.Truncate(b.Len() - 1)
	b.WriteString("}")
	out, err := CanonicalJSON(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte(`{"k0000000":0,"k0000001":1,`)) || !bytes.HasSuffix(out, []byte(`"k0199999":199999}`)) {
		t.Fatalf("large object not sorted: %.60s … %.60s", out, out[len(out)-60:])
	}
	// A duplicate of the first member name at the very end is refused.
	dup := append(bytes.TrimSuffix(b.Bytes(), []byte("}")), []byte(fmt.Sprintf(`,"k%07d":0}`, n-1))...)
	if _, err := CanonicalJSON(dup); err == nil {
		t.Fatal("duplicate member name in a large object accepted")
	}
}
