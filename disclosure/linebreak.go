package disclosure

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The notice's own line breaker. Every paragraph and table cell of a notice
// is broken by breakLines, which measures with the font and keeps every rune:
// the lines it returns, concatenated, are exactly the text it was given.
// Chinese line-breaking rules (禁则): no line begins with closing
// punctuation or ends with opening punctuation; codes, numbers, amounts,
// dates and 文号 (ZT-2026-012, 1,200.00, 2026-09-12, 2026年9月12日,
// 浏财农〔2026〕3号) are never split inside unless one alone is wider than
// the line.

// closing punctuation: never at the start of a line.
const closingPunct = "，。、；：？！）》」』”’〕】〉｝］〗〙｣…—～·．,.;:!?)]}%％‰°℃" +
	"ヽヾゝゞ々〻ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"

// opening punctuation: never at the end of a line.
const openingPunct = "（《「『“‘〔【〈｛［〖〘｢([{¥￥$＄#№"

func isClosing(r rune) bool { return strings.ContainsRune(closingPunct, r) }
func isOpening(r rune) bool { return strings.ContainsRune(openingPunct, r) }

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

// isWordRune: the runes of a Latin word, a code, a number or an amount, kept
// together (ASCII letters, digits and the punctuation codes carry, and
// full-width digits and letters).
func isWordRune(r rune) bool {
	switch {
	case r > ' ' && r < utf8.RuneSelf:
		return true
	case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
		return true
	case r >= 0xC0 && r < 0x250: // Latin letters with accents
		return unicode.IsLetter(r)
	}
	return false
}

// atoms are the Chinese-script units never split inside: 文号
// (浏财农〔2026〕3号, 镇头公〔2026〕12号), dates (2026年9月12日, 9月12日,
// 2026年9月), numbers with their counter (10天, 3号, 11项, 2,000元).
var atoms = regexp.MustCompile(`^(?:` +
	`\p{Han}{1,4}[〔\[［【(（][0-9０-９]{4}[〕\]］】)）][0-9０-９]+号` +
	`|[0-9０-９]{4}年[0-9０-９]{1,2}月(?:[0-9０-９]{1,2}日)?` +
	`|[0-9０-９]{1,2}月[0-9０-９]{1,2}日` +
	`|[0-9０-９][0-9０-９,.]*[年月日号天户人笔项组元个次期岁亩份间座条处]` +
	`)`)

// unit is an unbreakable piece of a line: opening punctuation, a core (a
// Chinese character, a word or code, an atom) and its closing punctuation;
// a run of spaces is a unit of its own (space: true) that hangs at the end
// of a line; a line break is a unit that ends the line (hard: true).
type unit struct {
	text  string
	w     float64
	space bool
	hard  bool
}

// tokens splits text into cores, spaces and line breaks.
func tokens(text string) []string {
	var out []string
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			out = append(out, "\n")
			i += n
			continue
		case isSpace(r):
			j := i
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if !isSpace(r2) || r2 == '\n' {
					break
				}
				j += n2
			}
			out = append(out, text[i:j])
			i = j
			continue
		}
		if r >= 0x80 {
			if loc := atoms.FindStringIndex(text[i:]); loc != nil {
				out = append(out, text[i:i+loc[1]])
				i += loc[1]
				continue
			}
		}
		if isWordRune(r) {
			j := i
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if !isWordRune(r2) {
					break
				}
				j += n2
			}
			// a word running into a date or counter: 2026年9月12日 starts
			// with digits
			if loc := atoms.FindStringIndex(text[i:]); loc != nil && i+loc[1] > j {
				j = i + loc[1]
			}
			// closing punctuation leading a word belongs to what precedes
			// it, opening punctuation ending one to what follows
			w := text[i:j]
			lead := strings.TrimLeftFunc(w, isClosing)
			if lead != w && lead != "" {
				out = append(out, w[:len(w)-len(lead)])
				w = lead
			}
			if tail := strings.TrimRightFunc(w, isOpening); tail != w && tail != "" {
				out = append(out, tail, w[len(tail):])
			} else {
				out = append(out, w)
			}
			i = j
			continue
		}
		out = append(out, text[i:i+n])
		i += n
	}
	return out
}

func allRunes(s string, f func(rune) bool) bool {
	for _, r := range s {
		if !f(r) {
			return false
		}
	}
	return s != ""
}

// units glues opening punctuation to what follows it and closing
// punctuation to what precedes it.
func units(text string, width func(string) float64) []unit {
	var out []unit
	var open string // opening punctuation waiting for its core
	for _, t := range tokens(text) {
		switch {
		case t == "\n":
			if open != "" {
				out = append(out, unit{text: open})
				open = ""
			}
			out = append(out, unit{text: t, hard: true})
		case isSpace([]rune(t)[0]):
			if open != "" {
				open += t // no break after opening punctuation
				continue
			}
			out = append(out, unit{text: t, space: true})
		case allRunes(t, isOpening):
			open += t
		case allRunes(t, isClosing) && open == "" && len(out) > 0 && !out[len(out)-1].space && !out[len(out)-1].hard:
			out[len(out)-1].text += t
		case allRunes(t, isClosing) && open == "" && len(out) > 1 && out[len(out)-1].space && !out[len(out)-2].space && !out[len(out)-2].hard:
			// no break before closing punctuation, spaces or not
			sp := out[len(out)-1].text
			out = out[:len(out)-1]
			out[len(out)-1].text += sp + t
		default:
			out = append(out, unit{text: open + t})
			open = ""
		}
	}
	if open != "" {
		out = append(out, unit{text: open})
	}
	for i := range out {
		if !out[i].hard {
			out[i].w = width(out[i].text)
		}
	}
	return out
}

// breakLines breaks text into lines no wider than maxW as width measures
// them (spaces at the end of a line hang outside it). It never drops,
// duplicates or reorders a rune: strings.Join(lines, "") == text. A line
// break in the text ends a line (the "\n" stays at the end of that line).
// A unit wider than a whole line is split between runes, still keeping
// closing punctuation off the start of a line where it can.
func breakLines(text string, maxW float64, width func(string) float64) []string {
	if text == "" {
		return []string{""}
	}
	var lines []string
	var cur strings.Builder
	curW := 0.0     // width of cur without its trailing spaces
	trailing := 0.0 // width of cur's trailing spaces
	flush := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		curW, trailing = 0, 0
	}
	for _, u := range units(text, width) {
		switch {
		case u.hard:
			cur.WriteString(u.text)
			flush()
			continue
		case u.space:
			cur.WriteString(u.text)
			trailing += u.w
			continue
		}
		if cur.Len() > 0 && curW+trailing+u.w > maxW && (curW > 0 || u.w <= maxW) {
			flush()
		}
		if curW+trailing+u.w <= maxW {
			cur.WriteString(u.text)
			curW += trailing + u.w
			trailing = 0
			continue
		}
		// the unit alone is wider than the line (cur holds only spaces, or
		// nothing): split it between runes
		if cur.Len() > 0 {
			flush() // spaces only
		}
		pieces := splitWide(u.text, maxW, width)
		for _, p := range pieces[:len(pieces)-1] {
			cur.WriteString(p)
			flush()
		}
		last := pieces[len(pieces)-1]
		cur.WriteString(last)
		curW, trailing = width(last), 0
	}
	if cur.Len() > 0 || len(lines) == 0 || strings.HasSuffix(lines[len(lines)-1], "\n") {
		lines = append(lines, cur.String())
	}
	return lines
}

// splitWide splits a unit wider than a line between runes, into pieces
// no wider than maxW that hold at least one rune each.
func splitWide(s string, maxW float64, width func(string) float64) []string {
	rs := []rune(s)
	var out []string
	room := maxW
	start := 0
	for start < len(rs) {
		w := 0.0
		end := start
		for end < len(rs) {
			cw := width(string(rs[end]))
			if w+cw > room && end > start {
				break
			}
			w += cw
			end++
		}
		if end == len(rs) {
			break
		}
		// keep closing punctuation off the next line's start and opening
		// punctuation off this line's end, when the line keeps a rune
		for end-start > 1 && (isClosing(rs[end]) || isOpening(rs[end-1])) {
			end--
		}
		out = append(out, string(rs[start:end]))
		start = end
	}
	return append(out, string(rs[start:]))
}
