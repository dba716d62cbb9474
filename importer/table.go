package importer

// A sheet as the readers hand it to the parser, whatever the file format.

// cellKind is the type of a cell as stored.
type cellKind uint8

const (
	cellText    cellKind = iota // a string: shared, inline, formula result, or any CSV cell
	cellNumber                  // a number (also how Excel stores dates)
	cellISODate                 // t="d": an ISO 8601 date-time as text
	cellBool                    // t="b"
	cellError                   // t="e": #N/A, #VALUE! …
)

// cell is one non-empty cell of a sheet.
type cell struct {
	col  int // zero-based column
	kind cellKind
	fmt  numFmtClass // for cellNumber
	val  string
}

// sheetRow is one row of a sheet that is not blank; num is the row number
// as Excel shows it.
type sheetRow struct {
	num   int
	cells []cell // in column order, no empty cells
}

// table is a sheet read into memory: its non-blank rows.
type table struct {
	rows []sheetRow
	// date1904: the workbook's serial dates count from 1904 (old Mac
	// Excel), not 1900.
	date1904 bool
}
