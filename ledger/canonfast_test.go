package ledger

import (
	"bytes"
	"testing"
)

// FuzzCanonFastMatches checks that the fast canonicalizer accepts and
// refuses exactly what the reference (encoding/json based) one does, with the
// same output.
func FuzzCanonFastMatches(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[1,2,{"z":null,"y":true}]}`, `{"a":"\u00e9\ud83d\ude00\n\"\\/"}`, `[1.5]`, `{"a":1,"a":2}`,
		`{"\u20ac":1,"\r":2,"\ufb33":3,"1":4,"\ud83d\ude00":5,"\u0080":6,"\u00f6":7}`, ` {"x" : -0 } `, `9007199254740992`, `"\ud800x"`, `{"a":1}x`, `1e3`, `-`, `[`, `{"a"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ref, refErr := canonicalJSONRef(in)
		fast, fastErr := canonFast(in)
		if (refErr == nil) != (fastErr == nil) {
			t.Fatalf("%q: reference error %v, fast error %v", in, refErr, fastErr)
		}
		if refErr == nil && !bytes.Equal(ref, fast) {
			t.Fatalf("%q: reference %q, fast %q", in, ref, fast)
		}
	})
}
