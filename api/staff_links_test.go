package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestStaffLinksOpen: every link a staff page shows its reader opens for
// that reader — no link leads a role to a page it may not open (a 403 or a
// login form). Each role's pages are crawled from its home (one page of
// each kind) and every link on them is followed once.
func TestStaffLinksOpen(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	e.disclosureTown()
	for _, u := range []string{"t_fin1", "t_appr", "t_mon", "t_jw", "t_aud", "t_admin", countyUser} {
		s := &pageSession{e: e}
		s.login(u)
		crawled := map[string]bool{}
		checked := map[string]int{}
		queue := []string{"/staff/", "/staff/county"}
		for len(queue) > 0 && len(crawled) < 60 {
			p := queue[0]
			queue = queue[1:]
			key := p
			if i := strings.IndexAny(p[len("/staff/"):], "/?"); i >= 0 {
				key = p[:len("/staff/")+i+1]
			}
			if crawled[key] {
				continue
			}
			crawled[key] = true
			st, body, _ := s.do("GET", p, nil)
			if st >= 300 {
				continue
			}
			for _, m := range staffLinkRe.FindAllStringSubmatch(body, -1) {
				link := strings.ReplaceAll(m[1], "&amp;", "&")
				if _, ok := checked[link]; !ok {
					st, _, _ := s.do("GET", link, nil)
					checked[link] = st
					if st == http.StatusForbidden || st == http.StatusUnauthorized {
						t.Errorf("%s: %s links %s, which answers %d", u, p, link, st)
					}
				}
				queue = append(queue, link)
			}
		}
		t.Logf("%s: %d pages crawled, %d links followed", u, len(crawled), len(checked))
	}
}
