package importer

import (
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestWorkbook: every kind's blank template has the sheet and header row
// Parse reads, every column formatted as text; a filled workbook parses
// back to its rows, an 18-digit ID number kept whole; an unknown kind is
// refused.
func TestWorkbook(t *testing.T) {
	for _, kind := range Kinds() {
		b, err := Workbook(kind, nil)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		f, err := excelize.OpenReader(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		rows, err := f.GetRows(SheetName(kind))
		if err != nil || len(rows) != 1 || strings.Join(rows[0], ",") != strings.Join(Headers(kind), ",") {
			t.Fatalf("%s: rows %v, %v", kind, rows, err)
		}
		for i := range Headers(kind) {
			col, _ := excelize.ColumnNumberToName(i + 1)
			id, _ := f.GetColStyle(SheetName(kind), col)
			st, err := f.GetStyle(id)
			if err != nil || st.NumFmt != 49 {
				t.Fatalf("%s: column %s is not formatted as text (style %d: %+v, %v)", kind, col, id, st, err)
			}
		}
		f.Close()
	}

	id := ledger.MakeIDNumber("439901", time.Date(1968, 3, 4, 0, 0, 0, 0, time.UTC), 12)
	b, err := Workbook("persons", [][]string{{"01", "一组", id, "张三", id, "户主", "脱贫户", "", "", "", "", "", ""}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse("persons", "花名册.xlsx", b, Options{})
	if err != nil || len(p.Errors) != 0 || len(p.Persons) != 1 {
		t.Fatalf("parse: %v %v %d", err, p, len(p.Persons))
	}
	if got := p.Persons[0]; got.IDNumber != id || got.Name != "张三" || got.Row != 2 {
		t.Fatalf("parsed %+v", got)
	}

	if _, err := Workbook("nonsense", nil); !ledger.IsNotFound(err) {
		t.Fatalf("an unknown kind: %v", err)
	}
}
