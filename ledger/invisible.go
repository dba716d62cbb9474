package ledger

import "unicode"

// InvisibleRune returns the first invisible format character of s (Unicode
// category Cf: bidirectional overrides and isolates, zero-width spaces and
// joiners, the byte order mark, soft hyphens, tags …) and true, or false
// when there is none. Such characters make a name, title or note read
// differently on a notice or page from what is stored (a bidi override can
// reverse an amount or a name), and nothing this service records needs one.
func InvisibleRune(s string) (rune, bool) {
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) {
			return r, true
		}
	}
	return 0, false
}

// InvisibleError is the refusal of a field holding an invisible format
// character.
func InvisibleError(field string, r rune) *Error {
	return invalid(field, "含有不可见的格式字符（U+%04X，如双向文字控制符或零宽字符），可能使内容显示得与实际不同，请删除后重新填写", r)
}
