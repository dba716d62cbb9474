package anomaly

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFieldCheckEveryRule: every rule of the catalogue says, in one line of
// Chinese, what a monitor checks on the ground.
func TestFieldCheckEveryRule(t *testing.T) {
	for _, r := range Catalogue() {
		fc := FieldCheck(r.Code)
		if fc == "" {
			t.Errorf("%s: no 实地核查要点", r.Code)
			continue
		}
		if strings.Contains(fc, "\n") || utf8.RuneCountInString(fc) > 80 || !strings.HasSuffix(fc, "。") {
			t.Errorf("%s: not one line of plain Chinese: %q", r.Code, fc)
		}
	}
	if FieldCheck("ZZ") != "" {
		t.Error("an unknown rule has a field check")
	}
}
