package importer

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A small, fast XML scanner for SpreadsheetML parts. It understands elements, attributes, character data, entities, CDATA,
// comments and processing instructions: enough for machine-written parts.
// Namespace prefixes are dropped from element names (some writers use
// <x:c>). Anything it cannot make sense of sets err.

type tagKind uint8

const (
	tagStart tagKind = iota
	tagEnd
)

type tag struct {
	kind        tagKind
	name        string
	attrs       []byte // raw attribute text of a start tag
	selfClosing bool
}

// attr returns the value of the attribute with the given local name.
func (t tag) attr(name string) string {
	a := t.attrs
	for len(a) > 0 {
		// skip spaces
		i := 0
		for i < len(a) && isXMLSpace(a[i]) {
			i++
		}
		a = a[i:]
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return ""
		}
		key := bytes.TrimSpace(a[:eq])
		if c := bytes.LastIndexByte(key, ':'); c >= 0 {
			if string(key[:c]) == "xmlns" {
				key = nil
			} else {
				key = key[c+1:]
			}
		}
		a = a[eq+1:]
		j := 0
		for j < len(a) && isXMLSpace(a[j]) {
			j++
		}
		if j >= len(a) || (a[j] != '"' && a[j] != '\'') {
			return ""
		}
		q := a[j]
		end := bytes.IndexByte(a[j+1:], q)
		if end < 0 {
			return ""
		}
		val := a[j+1 : j+1+end]
		a = a[j+2+end:]
		if string(key) == name {
			return unescapeXML(val)
		}
	}
	return ""
}

func isXMLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

type scanner struct {
	b   []byte
	i   int
	err error
}

// next returns the next start or end tag, skipping character data,
// comments, CDATA and processing instructions.
func (s *scanner) next() (tag, bool) {
	for s.err == nil {
		lt := bytes.IndexByte(s.b[s.i:], '<')
		if lt < 0 {
			s.i = len(s.b)
			return tag{}, false
		}
		s.i += lt
		if !s.skipSpecial() {
			if s.err != nil {
				return tag{}, false
			}
			return s.readTag()
		}
	}
	return tag{}, false
}

// skipSpecial skips a comment, CDATA section, declaration or processing
// instruction at s.i, reporting whether it did.
func (s *scanner) skipSpecial() bool {
	rest := s.b[s.i:]
	var end string
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		end = "-->"
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		end = "]]>"
	case bytes.HasPrefix(rest, []byte("<?")):
		end = "?>"
	case bytes.HasPrefix(rest, []byte("<!")):
		end = ">"
	default:
		return false
	}
	j := bytes.Index(rest, []byte(end))
	if j < 0 {
		s.err = errMalformedSheet
		return true
	}
	s.i += j + len(end)
	return true
}

// readTag reads the tag starting at s.i ('<').
func (s *scanner) readTag() (tag, bool) {
	rest := s.b[s.i+1:]
	gt := bytes.IndexByte(rest, '>')
	if gt < 0 {
		s.err = errMalformedSheet
		return tag{}, false
	}
	// A '>' inside a quoted attribute value is legal XML: find the real end.
	if q := bytes.IndexAny(rest[:gt], "\"'"); q >= 0 {
		gt = endOfTag(rest)
		if gt < 0 {
			s.err = errMalformedSheet
			return tag{}, false
		}
	}
	body := rest[:gt]
	s.i += gt + 2
	t := tag{kind: tagStart}
	if len(body) > 0 && body[0] == '/' {
		t.kind = tagEnd
		body = body[1:]
	}
	if n := len(body); n > 0 && body[n-1] == '/' {
		t.selfClosing = true
		body = body[:n-1]
	}
	n := 0
	for n < len(body) && !isXMLSpace(body[n]) {
		n++
	}
	name := body[:n]
	if c := bytes.LastIndexByte(name, ':'); c >= 0 {
		name = name[c+1:]
	}
	t.name = internName(name)
	t.attrs = body[n:]
	return t, true
}

// endOfTag returns the index of the '>' ending a tag body that may contain
// quoted values, or -1.
func endOfTag(b []byte) int {
	var q byte
	for i, c := range b {
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '>':
			return i
		}
	}
	return -1
}

// internName avoids allocating the names the reader compares against.
func internName(b []byte) string {
	switch string(b) {
	case "c":
		return "c"
	case "v":
		return "v"
	case "row":
		return "row"
	case "t":
		return "t"
	case "is":
		return "is"
	case "si":
		return "si"
	case "r":
		return "r"
	case "f":
		return "f"
	case "rPh":
		return "rPh"
	case "sheetData":
		return "sheetData"
	}
	return string(b)
}

// text reads character data up to the end tag of the element just opened
// (named name), decoding entities and CDATA; nested elements are skipped.
// The common case, plain text followed by the end tag, costs one copy.
func (s *scanner) text(name string) string {
	save := s.i
	if lt := bytes.IndexByte(s.b[s.i:], '<'); lt >= 0 {
		chunk := s.b[s.i : s.i+lt]
		if bytes.IndexByte(chunk, '&') < 0 && s.i+lt+1 < len(s.b) && s.b[s.i+lt+1] == '/' {
			s.i += lt
			if t, ok := s.readTag(); ok && t.name == name {
				return decodeXEscapes(string(chunk))
			}
			s.i, s.err = save, nil
		}
	}
	return s.textSlow(name)
}

// textSlow is text for the general case.
func (s *scanner) textSlow(name string) string {
	var sb []byte
	depth := 0
	for s.err == nil {
		lt := bytes.IndexByte(s.b[s.i:], '<')
		if lt < 0 {
			s.err = errMalformedSheet
			return ""
		}
		if depth == 0 {
			sb = append(sb, unescapeXML(s.b[s.i:s.i+lt])...)
		}
		s.i += lt
		if bytes.HasPrefix(s.b[s.i:], []byte("<![CDATA[")) {
			j := bytes.Index(s.b[s.i:], []byte("]]>"))
			if j < 0 {
				s.err = errMalformedSheet
				return ""
			}
			if depth == 0 {
				sb = append(sb, s.b[s.i+9:s.i+j]...)
			}
			s.i += j + 3
			continue
		}
		if s.skipSpecial() {
			continue
		}
		t, ok := s.readTag()
		if !ok {
			return ""
		}
		switch {
		case t.kind == tagEnd && depth == 0:
			if t.name != name {
				s.err = errMalformedSheet
				return ""
			}
			return decodeXEscapes(string(sb))
		case t.kind == tagEnd:
			depth--
		case !t.selfClosing:
			depth++
		}
	}
	return ""
}

// skip skips to the end tag of the element just opened.
func (s *scanner) skip(name string) {
	depth := 0
	for {
		t, ok := s.next()
		if !ok {
			s.err = errMalformedSheet
			return
		}
		switch {
		case t.kind == tagEnd && depth == 0:
			return
		case t.kind == tagEnd:
			depth--
		case !t.selfClosing:
			depth++
		}
	}
}

// richText reads the text of a string item (<si> or <is>): its <t>, or the
// <t> of its runs <r>, leaving out phonetic runs <rPh>.
func (s *scanner) richText(name string) string {
	var parts []string
	depth := 0
	for {
		t, ok := s.next()
		if !ok {
			s.err = errMalformedSheet
			return ""
		}
		switch t.kind {
		case tagEnd:
			if depth == 0 {
				if len(parts) == 1 {
					return parts[0]
				}
				return strings.Join(parts, "")
			}
			depth--
		case tagStart:
			if t.selfClosing {
				continue
			}
			switch t.name {
			case "t":
				parts = append(parts, s.text("t"))
			case "rPh", "phoneticPr":
				s.skip(t.name)
			default:
				depth++
			}
		}
	}
}

// cellValue reads the children of a <c> element: the text of <v> or of an
// inline <is>. Formulas are skipped (their cached result is in <v>).
func (s *scanner) cellValue() (string, bool) {
	var val string
	inline := false
	for {
		t, ok := s.next()
		if !ok {
			s.err = errMalformedSheet
			return "", false
		}
		if t.kind == tagEnd {
			if t.name == "c" {
				return val, inline
			}
			continue
		}
		if t.selfClosing {
			continue
		}
		switch t.name {
		case "v":
			val = s.text("v")
		case "is":
			val, inline = s.richText("is"), true
		default:
			s.skip(t.name)
		}
		if s.err != nil {
			return "", false
		}
	}
}

// unescapeXML decodes the predefined entities and character references.
func unescapeXML(b []byte) string {
	if bytes.IndexByte(b, '&') < 0 {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for len(b) > 0 {
		amp := bytes.IndexByte(b, '&')
		if amp < 0 {
			sb.Write(b)
			break
		}
		sb.Write(b[:amp])
		b = b[amp:]
		semi := bytes.IndexByte(b, ';')
		if semi < 0 || semi > 12 {
			sb.WriteByte('&')
			b = b[1:]
			continue
		}
		ent := string(b[1:semi])
		b = b[semi+1:]
		switch ent {
		case "amp":
			sb.WriteByte('&')
		case "lt":
			sb.WriteByte('<')
		case "gt":
			sb.WriteByte('>')
		case "quot":
			sb.WriteByte('"')
		case "apos":
			sb.WriteByte('\'')
		default:
			var n uint64
			var err error
			switch {
			case strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X"):
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			case strings.HasPrefix(ent, "#"):
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				err = errMalformedSheet
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				sb.WriteRune(utf8.RuneError)
			} else {
				sb.WriteRune(rune(n))
			}
		}
	}
	return sb.String()
}

// decodeXEscapes decodes the _xHHHH_ escapes SpreadsheetML uses for
// characters XML cannot carry (_x000D_ for a carriage return).
func decodeXEscapes(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var sb strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 || i+7 > len(s) || s[i+6] != '_' {
			if i < 0 || i+7 > len(s) {
				sb.WriteString(s)
				return sb.String()
			}
			sb.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		n, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil {
			sb.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		sb.WriteString(s[:i])
		sb.WriteRune(rune(n))
		s = s[i+7:]
	}
}
