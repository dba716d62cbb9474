package api

import (
	"math"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestOffsetPage: the pages of an in-memory list, including page numbers
// that are not pages (refused) and ones far beyond the end (an empty page,
// no overflow into a negative offset).
func TestOffsetPage(t *testing.T) {
	at := func(page string) (int, int, string, string, error) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/staff/flags?page="+url.QueryEscape(page), nil)
		from, to, pg, err := offsetPage(c, 120, 50, "/staff/flags", url.Values{"village": {"439901001"}}, "新的在前")
		return from, to, pg.First, pg.Next, err
	}
	for _, tc := range []struct {
		page        string
		from, to    int
		first, next string
	}{
		{"", 0, 50, "", "/staff/flags?page=2&village=439901001"},
		{"2", 50, 100, "/staff/flags?village=439901001", "/staff/flags?page=3&village=439901001"},
		{"3", 100, 120, "/staff/flags?village=439901001", ""},
		{"4", 120, 120, "/staff/flags?village=439901001", ""},
		{strconv.Itoa(math.MaxInt), 120, 120, "/staff/flags?village=439901001", ""},
		{strconv.Itoa(math.MaxInt/50 + 2), 120, 120, "/staff/flags?village=439901001", ""},
	} {
		from, to, first, next, err := at(tc.page)
		if err != nil || from != tc.from || to != tc.to || first != tc.first || next != tc.next {
			t.Errorf("page %q: rows [%d,%d) first %q next %q err %v; want [%d,%d) %q %q", tc.page, from, to, first, next, err, tc.from, tc.to, tc.first, tc.next)
		}
	}
	for _, bad := range []string{"0", "-1", "x", "1.5", "99999999999999999999999"} {
		if _, _, _, _, err := at(bad); err == nil {
			t.Errorf("page %q: accepted", bad)
		}
	}
}
