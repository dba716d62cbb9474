package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
)

// TestNoticeFeedVerifies (issue 16): /api/public/notices.jsonl, read page
// by page through its cursor, holds every published notice once, and every
// row of it verifies against the public proofs: its leaf hash is its
// entry's (tlog.RecordHash of the public entry, or the withheld entry's
// leaf hash) and tlog.CheckRecord proves it in the signed checkpoint the
// notice was published under. The feed, the CSV and the Excel downloads
// show no full name or ID number; the CSV starts with a BOM and holds
// every row's seq and the checkpoint; a bad cursor is refused in Chinese.
func TestNoticeFeedVerifies(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			all := e.disclosureTown()
			_, _, vkey := get(t, e.ts.URL+"/api/public/key")
			secret := func(what string, b []byte) {
				t.Helper()
				for k, name := range e.names {
					if bytes.Contains(b, []byte(name)) || bytes.Contains(b, []byte(e.ids[k])) {
						t.Errorf("%s shows %s's name or ID number", what, k)
					}
				}
			}
			seen := map[string]bool{}
			cursor, pages, rows := "", 0, 0
			for {
				path := "/api/public/notices.jsonl?limit=3"
				if cursor != "" {
					path += "&cursor=" + cursor
				}
				r := e.call("GET", path, "none", nil)
				if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/x-ndjson") {
					t.Fatalf("feed: %s", r)
				}
				secret("the feed", r.body)
				pages++
				for _, l := range bytes.Split(bytes.TrimSpace(r.body), []byte("\n")) {
					if len(l) == 0 {
						continue
					}
					var n struct {
						Code           string `json:"code"`
						Checkpoint     string `json:"checkpoint"`
						CheckpointSize int64  `json:"checkpoint_size"`
						Rows           []struct {
							Cells    []string `json:"cells"`
							Seq      int64    `json:"seq"`
							LeafHash string   `json:"leaf_hash"`
						} `json:"rows"`
					}
					if err := json.Unmarshal(l, &n); err != nil {
						t.Fatalf("a line of the feed: %v", err)
					}
					if seen[n.Code] {
						t.Errorf("%s twice in the feed", n.Code)
					}
					seen[n.Code] = true
					size, root := openCheckpoint(t, []byte(n.Checkpoint), string(vkey))
					if size != n.CheckpointSize {
						t.Errorf("%s: checkpoint size %d, feed says %d", n.Code, size, n.CheckpointSize)
					}
					for _, row := range n.Rows {
						if row.Seq < 0 {
							continue
						}
						raw, err := base64.StdEncoding.DecodeString(row.LeafHash)
						if err != nil || len(raw) != tlog.HashSize {
							t.Fatalf("%s seq %d: leaf hash %q", n.Code, row.Seq, row.LeafHash)
						}
						var leaf tlog.Hash
						copy(leaf[:], raw)
						st, ctype, body := get(t, fmt.Sprintf("%s/api/public/entries/%d", e.ts.URL, row.Seq))
						if st != 200 {
							t.Fatalf("entry %d: %d", row.Seq, st)
						}
						if ctype == "application/json" && tlog.RecordHash(body) != leaf {
							t.Errorf("%s seq %d: the feed's leaf hash is not its entry's", n.Code, row.Seq)
						}
						_, _, pb := get(t, fmt.Sprintf("%s/api/public/proof/inclusion?index=%d&size=%d", e.ts.URL, row.Seq, size))
						if err := tlog.CheckRecord(decodeHashes(t, pb), size, root, row.Seq, leaf); err != nil {
							t.Errorf("%s seq %d: %v", n.Code, row.Seq, err)
						}
						rows++
					}
				}
				cursor = r.header.Get("X-Next-Cursor")
				if cursor == "" {
					break
				}
				if pages > 20 {
					t.Fatal("the feed does not end")
				}
			}
			if len(seen) != len(all) || pages < 4 || rows == 0 {
				t.Errorf("%d notices in %d pages, %d rows checked; want %d notices", len(seen), pages, rows, len(all))
			}
			if r := e.call("GET", "/api/public/notices.jsonl?cursor=abc", "none", nil); r.status != 400 || !strings.Contains(string(r.body), "cursor 参数无效") {
				t.Errorf("a bad cursor: %s", r)
			}

			// the downloads of a notice that lists people
			p := all[ledger.NoticeRecipients]
			page := e.call("GET", "/notices/"+p.Code, "none", nil)
			if !bytes.Contains(page.body, []byte("/api/public/notices/"+p.Code+"/rows.csv")) || !bytes.Contains(page.body, []byte("rows.xlsx")) {
				t.Error("the notice page does not link its downloads")
			}
			var d struct {
				Checkpoint string `json:"checkpoint"`
				Content    struct {
					Rows []struct {
						Cells []string `json:"cells"`
						Seq   int64    `json:"seq"`
					} `json:"rows"`
				} `json:"content"`
			}
			e.decode(e.call("GET", "/api/public/notices/"+p.Code, "none", nil), &d)
			r := e.call("GET", "/api/public/notices/"+p.Code+"/rows.csv", "none", nil)
			if r.status != 200 || !bytes.HasPrefix(r.body, []byte("\ufeff")) {
				t.Fatalf("csv: %s", r)
			}
			secret("the CSV", r.body)
			cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\ufeff"))))
			cr.FieldsPerRecord = -1
			recs, err := cr.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) < len(d.Content.Rows)+2 || !strings.Contains(strings.Join(recs[0], ","), "账本序号") {
				t.Fatalf("csv records: %q", recs)
			}
			for i, row := range d.Content.Rows {
				got := recs[i+1]
				if strings.Join(got[:len(row.Cells)], "|") != strings.Join(row.Cells, "|") || got[len(row.Cells)] != fmt.Sprint(row.Seq) {
					t.Errorf("csv row %d: %q, want %q seq %d", i, got, row.Cells, row.Seq)
				}
			}
			hasCP := false
			for _, rec := range recs {
				hasCP = hasCP || len(rec) == 2 && rec[0] == "账本检查点" && rec[1] == d.Checkpoint
			}
			if !hasCP {
				t.Error("the CSV lacks the checkpoint")
			}
			r = e.call("GET", "/api/public/notices/"+p.Code+"/rows.xlsx", "none", nil)
			if r.status != 200 {
				t.Fatalf("xlsx: %s", r)
			}
			f, err := excelize.OpenReader(bytes.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			xs, _ := f.GetRows("明细")
			info, _ := f.GetRows("公告信息")
			var flat strings.Builder
			for _, row := range append(xs, info...) {
				flat.WriteString(strings.Join(row, "|") + "\n")
			}
			secret("the Excel file", []byte(flat.String()))
			if len(xs) < len(d.Content.Rows)+1 || !strings.Contains(flat.String(), d.Checkpoint) {
				t.Errorf("xlsx: %d rows, checkpoint %v", len(xs), strings.Contains(flat.String(), d.Checkpoint))
			}
		})
	}
}
