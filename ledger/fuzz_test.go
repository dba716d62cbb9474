package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// The seed corpora are in testdata/fuzz/<FuzzName>/; go test runs every
// target over them. Fuzz with, for example,
//
//	go test -run '^$' -fuzz FuzzCanonicalJSON -fuzztime 20s ./ledger/

func FuzzCanonicalJSON(f *testing.F) {
	f.Add([]byte(`{"b":1,"a":[true,null,"x"]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := CanonicalJSON(in)
		if err != nil {
			if !errors.Is(err, ErrNotCanonicalizable) {
				t.Fatalf("error %v does not wrap ErrNotCanonicalizable", err)
			}
			return
		}
		if !utf8.Valid(out) || !json.Valid(out) {
			t.Fatalf("CanonicalJSON(%q) = %q: not valid JSON", in, out)
		}
		again, err := CanonicalJSON(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not a fixed point: CanonicalJSON(%q) = %q, then %q, %v", in, out, again, err)
		}
		vin, err := decodeUseNumber(in)
		if err != nil {
			t.Fatalf("CanonicalJSON accepted %q, which encoding/json refuses: %v", in, err)
		}
		vout, err := decodeUseNumber(out)
		if err != nil {
			t.Fatalf("encoding/json refuses the output %q: %v", out, err)
		}
		if !reflect.DeepEqual(normalizeNumbers(t, vin), normalizeNumbers(t, vout)) {
			t.Fatalf("CanonicalJSON(%q) = %q changes the value", in, out)
		}
		if bytes.ContainsAny(out, " \t\n\r") && !json.Valid(bytes.TrimSpace(out)) {
			t.Fatalf("output %q has white space outside strings", out)
		}
	})
}

func decodeUseNumber(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// normalizeNumbers replaces each json.Number (an integer, or CanonicalJSON
// would have refused it) by its int64 value, so that "-0" equals "0".
func normalizeNumbers(t *testing.T, v any) any {
	switch v := v.(type) {
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			t.Fatalf("number %s is not an int64", v)
		}
		return n
	case []any:
		for i := range v {
			v[i] = normalizeNumbers(t, v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normalizeNumbers(t, v[k])
		}
	}
	return v
}

func FuzzParseEntry(f *testing.F) {
	f.Add([]byte(goldenE))
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := ParseEntry(raw)
		if err != nil {
			if !errors.Is(err, ErrBadEntry) {
				t.Fatalf("error %v does not wrap ErrBadEntry", err)
			}
			return
		}
		if enc := e.Encode(); !bytes.Equal(enc, raw) {
			t.Fatalf("ParseEntry(%q) succeeded but Encode() = %q", raw, enc)
		}
		if c, err := CanonicalJSON(raw); err != nil || !bytes.Equal(c, raw) {
			t.Fatalf("ParseEntry accepted %q, which is not canonical JSON (%q, %v)", raw, c, err)
		}
		if c, err := CanonicalJSON(e.Payload); err != nil || !bytes.Equal(c, e.Payload) {
			t.Fatalf("payload %q is not canonical (%v)", e.Payload, err)
		}
	})
}

func FuzzParseCheckpointBody(f *testing.F) {
	f.Add(goldenOrigin + "\n7\n" + goldenRoot7Base64 + "\n")
	f.Fuzz(func(t *testing.T, text string) {
		b, err := ParseCheckpointBody(text)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("error %v does not wrap ErrBadCheckpoint", err)
			}
			return
		}
		s := b.String()
		b2, err := ParseCheckpointBody(s)
		if err != nil {
			t.Fatalf("ParseCheckpointBody(%q).String() = %q does not parse: %v", text, s, err)
		}
		if b2 != b || b2.String() != s {
			t.Fatalf("ParseCheckpointBody(%q) = %+v, then %+v from %q", text, b, b2, s)
		}
		// The three lines are in their one canonical form; what follows are
		// extension lines.
		if !strings.HasPrefix(text, s) {
			t.Fatalf("ParseCheckpointBody(%q) = %+v, which formats as %q", text, b, s)
		}
		if b.Size < 0 || b.Origin == "" || strings.Contains(b.Origin, "\n") {
			t.Fatalf("ParseCheckpointBody(%q) = %+v", text, b)
		}
	})
}

func FuzzOpenCheckpoint(f *testing.F) {
	f.Add([]byte(goldenCheckpoint))
	f.Fuzz(func(t *testing.T, msg []byte) {
		b, err := OpenCheckpoint(msg, goldenVerifierKey)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("error %v does not wrap ErrBadCheckpoint", err)
			}
			return
		}
		// Only the key's holder can have signed it, and the test key has signed
		// just the golden body: anything else that opens is a forgery (or a
		// bug in the test's view of what was signed).
		if b.Origin != goldenOrigin || b.Size != 7 || b.Root != goldenRoot(t) {
			t.Fatalf("OpenCheckpoint(%q) = %+v", msg, b)
		}
	})
}
