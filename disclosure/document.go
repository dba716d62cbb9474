package disclosure

// Document is everything a published notice prints, already masked for the
// public and formatted as text (amounts as "1,200.00", dates as
// "2026年11月28日" or "2026-11-28" as the notice wants). The PDF and the HTML
// page are both drawn from one Document, so they cannot say different
// things. Rendering is deterministic: the same Document gives the same
// bytes.
type Document struct {
	// Type is the Chinese notice type of DOMAIN.md §6 (资金发放结果公告 …).
	Type string
	// Title is the heading printed at the top (e.g. 田坪村2026年10月资金发放结果公告).
	Title string
	// Number is the 文号 (镇头公〔2026〕12号); Code the ASCII code used in URLs.
	Number, Code string
	// Unit is the publishing unit (镇头镇人民政府, 田坪村村民委员会).
	Unit string
	// Body is the opening paragraphs, in order.
	Body []string
	// Fields are the labelled facts printed before the table (文号、资金来源 …),
	// in order.
	Fields []Field
	// Columns are the table's headers; Rows its cells (len(Row.Cells) ==
	// len(Columns)). Row.Seq is the seq of the row's entry, or -1 for an
	// aggregate row that prints none.
	Columns []Column
	Rows    []Row
	// Totals is the closing row of the table (合计 …), same length as
	// Columns, or nil.
	Totals []string
	// Closing is printed after the table (e.g. the objection instructions).
	Closing []string
	// PublishedOn and EndsOn are the notice's dates (YYYY-MM-DD).
	PublishedOn, EndsOn string
	// Phones are the supervision phones, the town's and 12317.
	Phones []string
	// Address and Email are where objections go.
	Address, Email string
	// Checkpoint is the full signed checkpoint (C2SP note text, with its
	// signature line) the notice was made at.
	Checkpoint string
	// Witnesses are the names of the witnesses that cosigned Checkpoint,
	// printed under it (none: the line is left out).
	Witnesses []string
	// VerifyURL is what the QR code encodes:
	// <SUNSHINE_PUBLIC_URL>/verify?notice=<code>&n=<size>&r=<base64url root>.
	VerifyURL string
	// Attachment is embedded in the PDF as rows.json: the rows'
	// {seq, leaf_hash} (JSON bytes made by the caller).
	Attachment []byte
	// Edition is printed boxed in the top right corner of page 1 (张贴版
	// for the board copy); empty for the web copy, which prints none.
	Edition string
	// Draft marks a preview: 草稿 is printed across every page.
	Draft bool
	// CreatedAt fixes the PDF's creation date (RFC 3339), so bytes are
	// deterministic.
	CreatedAt string
}

// Field is one labelled fact of a notice.
type Field struct {
	Label, Value string
}

// Column is one table column: its header, its relative width (weights,
// summed to the page width) and whether its cells are right-aligned
// (amounts, numbers).
type Column struct {
	Title string
	Width float64
	Right bool
}

// Row is one table row and the seq of the entry it shows (-1: none).
type Row struct {
	Cells []string
	Seq   int64
}
