package disclosure

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// fakeWidth: a Chinese character or full-width mark is 1, anything else 0.5.
func fakeWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 || r == '“' || r == '”' || r == '‘' || r == '’' || r == '—' || r == '…' || r == '·' {
			w++
		} else {
			w += 0.5
		}
	}
	return w
}

// codes are never split inside when a line can hold them.
var lbCodes = []string{"ZT-2026-012", "浏财农〔2026〕3号", "镇头公〔2026〕12号", "2026年9月12日", "2026-09-12", "1,200.00",
	"430181117-2026-0012", "123,456.78", "12317", "0731-83000000", "9月21日", "10天", "11项"}

var lbPieces = []string{"予以公示", "，", "。", "、", "；", "：", "？", "！", "（", "）", "《", "》", "「", "」", "『", "』", "“", "”", "‘", "’",
	"接受群众监督", "提出异议", "田坪村", "补助", " ", "  ", "abc", "Zhang San", "x", "7", "¥", "（共10天）", "《通知》", "……", "——", "〔", "〕", "\n", "%", "."}

// randText is a random notice-like text of up to n runes.
func randText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < n {
		switch rng.IntN(4) {
		case 0:
			b.WriteString(lbCodes[rng.IntN(len(lbCodes))])
		default:
			b.WriteString(lbPieces[rng.IntN(len(lbPieces))])
		}
	}
	return b.String()
}

// TestBreakLines: the lines are exactly the text (every rune, once, in
// order) at every width; no line is wider than the width unless it is a
// piece of a unit wider than a line; no line starts with closing
// punctuation or ends with opening punctuation; no code, date, amount or
// 文号 is split, when the width holds each.
func TestBreakLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2026))
	for i := range 3000 {
		text := randText(rng, 1+rng.IntN(300))
		maxW := 12 + float64(rng.IntN(40))
		if i%10 == 0 {
			maxW = 0.5 + float64(rng.IntN(8)) // narrower than units: forced splits
		}
		if i%10 == 1 {
			text = strings.Repeat("ZT-2026-012", 1+rng.IntN(200)) + text // a code longer than a line
		}
		lines := breakLines(text, maxW, fakeWidth)
		if got := strings.Join(lines, ""); got != text {
			t.Fatalf("width %v: lines %q do not join to %q", maxW, lines, text)
		}
		fits := true
		for _, u := range units(text, fakeWidth) {
			fits = fits && u.w <= maxW
		}
		if !fits {
			for _, l := range lines {
				if fakeWidth(trimEnd(l)) > maxW && utf8.RuneCountInString(trimEnd(l)) > 1 {
					// a unit that fit could not be wider; a split piece holds at most maxW
					if us := units(trimEnd(l), fakeWidth); len(us) > 1 {
						t.Fatalf("width %v: line %q is %v wide", maxW, l, fakeWidth(trimEnd(l)))
					}
				}
			}
			continue
		}
		for j, l := range lines {
			if w := fakeWidth(trimEnd(l)); w > maxW {
				t.Fatalf("width %v: line %q is %v wide", maxW, l, w)
			}
			body := strings.TrimLeft(l, " \t")
			if j > 0 && !strings.HasSuffix(lines[j-1], "\n") && body != "" {
				if r, _ := utf8.DecodeRuneInString(body); isClosing(r) {
					t.Fatalf("width %v: line %d starts with %q: %q", maxW, j, r, lines)
				}
			}
			end := trimEnd(l)
			if j < len(lines)-1 && end != "" && !strings.HasSuffix(l, "\n") {
				if r, _ := utf8.DecodeLastRuneInString(end); isOpening(r) && !allRunes(end, isOpening) {
					t.Fatalf("width %v: line %d ends with %q: %q", maxW, j, r, lines)
				}
			}
		}
		// no code split: each code's runes lie on one line
		for _, c := range lbCodes {
			for off := 0; ; {
				k := strings.Index(text[off:], c)
				if k < 0 {
					break
				}
				start, end := off+k, off+k+len(c)
				before, _ := utf8.DecodeLastRuneInString(text[:start])
				after, _ := utf8.DecodeRuneInString(text[end:])
				if isWordRune(before) || isWordRune(after) || strings.ContainsRune("年月日号天户人笔项组元个次期岁亩份间座条处", after) {
					off = end // runs into its neighbour: another code
					continue
				}
				pos := 0
				for _, l := range lines {
					if pos < end && pos+len(l) > start && (pos > start || pos+len(l) < end) {
						t.Fatalf("width %v: %q split across lines %q", maxW, c, lines)
					}
					pos += len(l)
				}
				off = end
			}
		}
	}
}

// TestBreakLinesIssue16: the texts the issue found broken come back whole at
// every width, with no line starting with ， or 。 and ZT-2026-012 on one
// line.
func TestBreakLinesIssue16(t *testing.T) {
	for _, text := range []string{"予以公示，接受群众监督", "如有异议，请在公示期内提出异议。", "项目编号ZT-2026-012。", "依据浏财农〔2026〕3号文件"} {
		for w := 0.5; w < 20; w += 0.5 {
			lines := breakLines(text, w, fakeWidth)
			if strings.Join(lines, "") != text {
				t.Fatalf("%q at %v: %q", text, w, lines)
			}
			for j, l := range lines {
				if j > 0 && (strings.HasPrefix(l, "，") || strings.HasPrefix(l, "。")) && w >= 2 {
					t.Errorf("%q at %v: line starts with punctuation: %q", text, w, lines)
				}
				if w >= 11 && (strings.Contains(text, "ZT-2026-012") && strings.Contains(l, "ZT") && !strings.Contains(l, "ZT-2026-012") ||
					strings.Contains(text, "〔2026〕") && strings.Contains(l, "〔") && !strings.Contains(l, "浏财农〔2026〕3号")) {
					t.Errorf("%q at %v: a code split: %q", text, w, lines)
				}
			}
		}
	}
}

// FuzzBreakLines: any text at any width comes back whole from the line
// breaker, which never loops or panics.
func FuzzBreakLines(f *testing.F) {
	f.Add("予以公示，接受群众监督", 5.0)
	f.Add("ZT-2026-012 浏财农〔2026〕3号 （共10天）。", 3.5)
	f.Add("\n\n  a\tb  ", 0.0)
	f.Fuzz(func(t *testing.T, text string, w float64) {
		if !utf8.ValidString(text) || len(text) > 4000 {
			return
		}
		lines := breakLines(text, w, fakeWidth)
		if strings.Join(lines, "") != text {
			t.Fatalf("lines %q do not join to %q", lines, text)
		}
	})
}
