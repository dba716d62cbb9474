package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// canonFast is CanonicalJSON without encoding/json's token reader: a direct
// recursive-descent pass over the bytes. It accepts and refuses exactly what
// CanonicalJSON does (FuzzCanonFastMatches checks that); Canonical uses it,
// since every payload the writer appends passes through here.
func canonFast(in []byte) ([]byte, error) {
	if !utf8.Valid(in) {
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrNotCanonicalizable)
	}
	p := &canonParser{in: in}
	out := make([]byte, 0, len(in))
	p.ws()
	out, err := p.value(out, 0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.in) {
		return nil, fmt.Errorf("%w: trailing data after the value", ErrNotCanonicalizable)
	}
	return out, nil
}

type canonParser struct {
	in []byte
	i  int
}

func (p *canonParser) errf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotCanonicalizable}, args...)...)
}

func (p *canonParser) ws() {
	for p.i < len(p.in) {
		switch p.in[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *canonParser) lit(s string) bool {
	if bytes.HasPrefix(p.in[p.i:], []byte(s)) {
		p.i += len(s)
		return true
	}
	return false
}

func (p *canonParser) value(out []byte, depth int) ([]byte, error) {
	if depth > maxCanonicalDepth {
		return nil, p.errf("nested deeper than %d", maxCanonicalDepth)
	}
	if p.i >= len(p.in) {
		return nil, p.errf("unexpected end of JSON input")
	}
	switch c := p.in[p.i]; {
	case c == '{':
		return p.object(out, depth)
	case c == '[':
		p.i++
		out = append(out, '[')
		p.ws()
		if p.i < len(p.in) && p.in[p.i] == ']' {
			p.i++
			return append(out, ']'), nil
		}
		for n := 0; ; n++ {
			if n > 0 {
				out = append(out, ',')
			}
			p.ws()
			var err error
			if out, err = p.value(out, depth+1); err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.in) {
				return nil, p.errf("unexpected end of JSON input")
			}
			if p.in[p.i] == ',' {
				p.i++
				continue
			}
			if p.in[p.i] == ']' {
				p.i++
				return append(out, ']'), nil
			}
			return nil, p.errf("invalid character %q in array", p.in[p.i])
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return appendCanonString(out, s), nil
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		if c == '-' {
			p.i++
		}
		for p.i < len(p.in) && (p.in[p.i] >= '0' && p.in[p.i] <= '9' || p.in[p.i] == '.' || p.in[p.i] == 'e' || p.in[p.i] == 'E' || p.in[p.i] == '+' || p.in[p.i] == '-') {
			p.i++
		}
		num := string(p.in[start:p.i])
		if !validJSONNumber(num) {
			return nil, p.errf("invalid number %q", num)
		}
		s, err := canonInteger(num)
		if err != nil {
			return nil, err
		}
		return append(out, s...), nil
	case p.lit("true"):
		return append(out, "true"...), nil
	case p.lit("false"):
		return append(out, "false"...), nil
	case p.lit("null"):
		return append(out, "null"...), nil
	default:
		return nil, p.errf("invalid character %q", c)
	}
}

func validJSONNumber(s string) bool {
	return json.Valid([]byte(s)) && s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9')
}

type canonMember struct {
	name  string
	value []byte
}

func (p *canonParser) object(out []byte, depth int) ([]byte, error) {
	p.i++ // {
	var members []canonMember
	p.ws()
	if p.i < len(p.in) && p.in[p.i] == '}' {
		p.i++
		return append(out, '{', '}'), nil
	}
	for {
		p.ws()
		if p.i >= len(p.in) || p.in[p.i] != '"' {
			return nil, p.errf("object member name is not a string")
		}
		name, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.in) || p.in[p.i] != ':' {
			return nil, p.errf("missing colon after member name")
		}
		p.i++
		p.ws()
		v, err := p.value(nil, depth+1)
		if err != nil {
			return nil, err
		}
		members = append(members, canonMember{name, v})
		p.ws()
		if p.i >= len(p.in) {
			return nil, p.errf("unexpected end of JSON input")
		}
		if p.in[p.i] == ',' {
			p.i++
			continue
		}
		if p.in[p.i] == '}' {
			p.i++
			break
		}
		return nil, p.errf("invalid character %q in object", p.in[p.i])
	}
	slices.SortFunc(members, func(a, b canonMember) int {
		switch {
		case lessUTF16(a.name, b.name):
			return -1
		case lessUTF16(b.name, a.name):
			return 1
		}
		return 0
	})
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			// Sorted, equal names are neighbours: O(n log n), where a scan
			// of the members before each name was O(n²) (a 1 MB body of
			// 100,000 members took 12 s).
			if members[i-1].name == m.name {
				return nil, p.errf("duplicate member %q", m.name)
			}
			out = append(out, ',')
		}
		out = appendCanonString(out, m.name)
		out = append(out, ':')
		out = append(out, m.value...)
	}
	return append(out, '}'), nil
}

// str reads a JSON string at p.i and returns its value.
func (p *canonParser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	// fast path: no escapes
	for p.i < len(p.in) {
		c := p.in[p.i]
		if c == '"' {
			s := string(p.in[start:p.i])
			p.i++
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.i++
	}
	var b []byte
	b = append(b, p.in[start:p.i]...)
	for {
		if p.i >= len(p.in) {
			return "", p.errf("unexpected end of string")
		}
		c := p.in[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", p.errf("invalid control character in string")
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.in) {
			return "", p.errf("unexpected end of string")
		}
		e := p.in[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// a pair, or U+FFFD as encoding/json does for a lone half
				save := p.i
				if p.i+1 < len(p.in) && p.in[p.i] == '\\' && p.in[p.i+1] == 'u' {
					p.i += 2
					if r2, ok := p.hex4(); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							b = utf8.AppendRune(b, d)
							continue
						}
					}
				}
				p.i = save
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", p.errf("invalid escape \\%c", e)
		}
	}
}

func (p *canonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.in) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.in[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(v), true
}

// appendCanonString appends s as ECMAScript's JSON.stringify would.
func appendCanonString(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			out = append(out, '\\', '"')
		case c == '\\':
			out = append(out, '\\', '\\')
		case c >= 0x20:
			out = append(out, c)
		case c == '\b':
			out = append(out, '\\', 'b')
		case c == '\t':
			out = append(out, '\\', 't')
		case c == '\n':
			out = append(out, '\\', 'n')
		case c == '\f':
			out = append(out, '\\', 'f')
		case c == '\r':
			out = append(out, '\\', 'r')
		default:
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
	}
	return append(out, '"')
}
