package importer

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// FuzzParseCSV feeds any bytes to Parse as a payments CSV (a zip among them
// reaches the .xlsx reader): it must not panic, a file-level failure must be
// a *ledger.Error, and a parse must account for every row. The seed corpus
// is in testdata/fuzz/FuzzParseCSV.
func FuzzParseCSV(f *testing.F) {
	canDraw := func(r rune) bool { return r != '䶮' && r < 0x20000 }
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("payments", "fuzz.csv", data, Options{CanDraw: canDraw, MaxRows: 1000})
		if err != nil {
			var e *ledger.Error
			if !errors.As(err, &e) || e.Code == "" || e.Detail == "" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if p.Kind != "payments" || p.Rows != len(p.Payments) || p.Rows == 0 || p.Rows > 1000 {
			t.Fatalf("rows %d payments %d", p.Rows, len(p.Payments))
		}
		last := 0
		for _, x := range p.Payments {
			if x.Row <= last {
				t.Fatalf("row numbers not increasing: %d after %d", x.Row, last)
			}
			last = x.Row
		}
		for _, e := range p.Errors {
			if e.Row < 2 || e.Field == "" || e.Message == "" {
				t.Fatalf("bad field error %+v", e)
			}
		}
	})
}

// FuzzParseXLSX: any bytes given as an .xlsx (seeded with the committed
// workbooks and a sheet written by excelize) give either rows or a coded
// Chinese error, never a panic or a hang, and never more rows than allowed.
func FuzzParseXLSX(f *testing.F) {
	for _, name := range []string{"payments_mixed.xlsx", "persons_shared.xlsx", "loans_styles.xlsx"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add("payments", b)
			f.Add("persons", b)
		}
	}
	f.Add("funds", []byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		if !slices.Contains(Kinds(), kind) {
			kind = "payments"
		}
		p, err := Parse(kind, "fuzz.xlsx", data, Options{MaxRows: 1000})
		if err != nil {
			var e *ledger.Error
			if !errors.As(err, &e) || e.Code == "" || e.Detail == "" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if p.Kind != kind || p.Rows > 1000 {
			t.Fatalf("kind %s rows %d", p.Kind, p.Rows)
		}
		for _, e := range p.Errors {
			if e.Message == "" {
				t.Fatalf("bad field error %+v", e)
			}
		}
	})
}
