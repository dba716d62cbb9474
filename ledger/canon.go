package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxSafeInteger is the largest integer that RFC 8785 (which serializes numbers
// as IEEE 754 doubles) can carry exactly: 2^53 − 1.
const MaxSafeInteger = 1<<53 - 1

const maxCanonicalDepth = 64

// ErrNotCanonicalizable is wrapped by every error of CanonicalJSON.
var ErrNotCanonicalizable = errors.New("not canonicalizable")

// Canonical marshals v with encoding/json and returns its RFC 8785 canonical
// form. It fails, wrapping ErrNotCanonicalizable, when v holds a number that is
// not an integer or is beyond ±(2^53−1): money is integer fen, and the hashed
// bytes must not depend on float formatting.
func Canonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotCanonicalizable, err)
	}
	return CanonicalJSON(buf.Bytes())
}

// CanonicalJSON returns the RFC 8785 (JCS) form of the JSON text in: object
// members sorted by the UTF-16 code units of their names, no insignificant
// white space, strings escaped as ECMAScript's JSON.stringify does. It accepts
// only integers as numbers (within ±(2^53−1)), refuses duplicate object
// member names, invalid UTF-8, nesting deeper than 64 and trailing data. Errors
// wrap ErrNotCanonicalizable.
func CanonicalJSON(in []byte) ([]byte, error) { return canonFast(in) }

// canonicalJSONRef is the reference implementation of CanonicalJSON on
// encoding/json's token reader; the fuzz target FuzzCanonFastMatches holds
// canonFast to it.
func canonicalJSONRef(in []byte) ([]byte, error) {
	if !utf8.Valid(in) {
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrNotCanonicalizable)
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	var out bytes.Buffer
	out.Grow(len(in))
	if err := canonValue(dec, &out, 0, nil); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the value", ErrNotCanonicalizable)
	}
	return out.Bytes(), nil
}

func canonValue(dec *json.Decoder, out *bytes.Buffer, depth int, first json.Token) error {
	if depth > maxCanonicalDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrNotCanonicalizable, maxCanonicalDepth)
	}
	tok := first
	if tok == nil {
		var err error
		tok, err = dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrNotCanonicalizable, err)
		}
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return canonObject(dec, out, depth)
		case '[':
			out.WriteByte('[')
			for i := 0; ; i++ {
				next, err := dec.Token()
				if err != nil {
					return fmt.Errorf("%w: %v", ErrNotCanonicalizable, err)
				}
				if d, ok := next.(json.Delim); ok && d == ']' {
					break
				}
				if i > 0 {
					out.WriteByte(',')
				}
				if next == nil {
					out.WriteString("null")
					continue
				}
				if err := canonValue(dec, out, depth+1, next); err != nil {
					return err
				}
			}
			out.WriteByte(']')
			return nil
		}
		return fmt.Errorf("%w: unexpected %v", ErrNotCanonicalizable, t)
	case string:
		writeCanonString(out, t)
	case json.Number:
		s, err := canonInteger(string(t))
		if err != nil {
			return err
		}
		out.WriteString(s)
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	default:
		return fmt.Errorf("%w: unexpected token %T", ErrNotCanonicalizable, tok)
	}
	return nil
}

// canonValue is given nil for "read the next token"; a JSON null inside an
// array is handled by the caller, and a null member value here.
func canonObject(dec *json.Decoder, out *bytes.Buffer, depth int) error {
	type member struct {
		name  string
		value []byte
	}
	var members []member
	seen := map[string]bool{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrNotCanonicalizable, err)
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			break
		}
		name, ok := tok.(string)
		if !ok {
			return fmt.Errorf("%w: object member name is not a string", ErrNotCanonicalizable)
		}
		if seen[name] {
			return fmt.Errorf("%w: duplicate member %q", ErrNotCanonicalizable, name)
		}
		seen[name] = true
		val, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrNotCanonicalizable, err)
		}
		var vb bytes.Buffer
		if val == nil {
			vb.WriteString("null")
		} else if err := canonValue(dec, &vb, depth+1, val); err != nil {
			return err
		}
		members = append(members, member{name, vb.Bytes()})
	}
	sort.Slice(members, func(i, j int) bool { return lessUTF16(members[i].name, members[j].name) })
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			out.WriteByte(',')
		}
		writeCanonString(out, m.name)
		out.WriteByte(':')
		out.Write(m.value)
	}
	out.WriteByte('}')
	return nil
}

// canonInteger accepts a JSON number that is an integer within the safe range
// and returns its canonical decimal form.
func canonInteger(s string) (string, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: number %q is not an integer", ErrNotCanonicalizable, s)
	}
	if n > MaxSafeInteger || n < -MaxSafeInteger {
		return "", fmt.Errorf("%w: integer %s is beyond ±(2^53−1)", ErrNotCanonicalizable, s)
	}
	return strconv.FormatInt(n, 10), nil
}

// lessUTF16 orders strings by their UTF-16 code units, as RFC 8785 §3.2.3 requires.
func lessUTF16(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := utf16Units(ra), utf16Units(rb)
			if ua[0] != ub[0] {
				return ua[0] < ub[0]
			}
			return ua[1] < ub[1]
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) < len(b)
}

func utf16Units(r rune) [2]uint16 {
	if r >= 0x10000 {
		hi, lo := utf16.EncodeRune(r)
		return [2]uint16{uint16(hi), uint16(lo)}
	}
	return [2]uint16{uint16(r), 0}
}

const hexDigits = "0123456789abcdef"

// writeCanonString writes s as ECMAScript's JSON.stringify would.
func writeCanonString(out *bytes.Buffer, s string) {
	out.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			out.WriteString(`\"`)
		case c == '\\':
			out.WriteString(`\\`)
		case c >= 0x20:
			out.WriteByte(c)
		case c == '\b':
			out.WriteString(`\b`)
		case c == '\t':
			out.WriteString(`\t`)
		case c == '\n':
			out.WriteString(`\n`)
		case c == '\f':
			out.WriteString(`\f`)
		case c == '\r':
			out.WriteString(`\r`)
		default:
			out.WriteString(`\u00`)
			out.WriteByte(hexDigits[c>>4])
			out.WriteByte(hexDigits[c&0xf])
		}
	}
	out.WriteByte('"')
}
