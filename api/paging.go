package api

import (
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// offsetPage is the page that the request's ?page= (from 1) selects of a
// list of n rows held in memory, size rows a page: the bounds of its rows
// and the pager linking the first and the next page of path with the
// list's filters q. A page beyond the end is empty (its pager still links
// the first); a page number that is not one is refused. The payments list,
// which is not in memory, pages by key instead (staff_books_page.go).
// A size of 0 is every row on one page, whatever ?page= says (a download).
func offsetPage(c *gin.Context, n, size int, path string, q url.Values, order string) (from, to int, pg pages.Pager, err error) {
	page := 1
	if size <= 0 {
		size = max(n, 1)
	} else if p := c.Query("page"); p != "" {
		v, err := strconv.Atoi(p)
		if err != nil || v < 1 {
			return 0, 0, pages.Pager{}, ledger.Errorf(ledger.CodeValidationFailed, "筛选条件【页码】无法识别，请重新选择")
		}
		page = v
	}
	from = n
	if page-1 <= n/size { // no overflow on a page number near the int limit
		from = min((page-1)*size, n)
	}
	to = min(from+size, n)
	pg = pages.Pager{Total: n, Order: order, From: from + 1, Shown: to - from}
	if page > 1 {
		pg.First = path + "?" + q.Encode()
	}
	if to < n {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("page", strconv.Itoa(page+1))
		pg.Next = path + "?" + next.Encode()
	}
	return from, to, pg, nil
}

// filterQuery is the query string of a list's filters that are set.
func filterQuery(filters map[string]string) url.Values {
	q := url.Values{}
	for k, v := range filters {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}
