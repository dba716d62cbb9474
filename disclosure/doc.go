// Package disclosure turns the ledger's notice content into what the public
// reads (公告公示, DOMAIN.md §6), and lets anyone check it:
//
//   - publishing: Publisher signs a checkpoint, has the witnesses cosign it,
//     draws the PDF (and the board copy, 张贴版, of notices that list people)
//     and stores them beside the notice (publish.go, board.go);
//   - drawing: RenderPDF, the only code that draws PDFs (fpdf, the embedded
//     CJK font, the notice's own Chinese line breaker), from a Document
//     already masked for the public (pdf.go, document.go, linebreak.go);
//   - the public site: server-rendered pages, the stylesheet and the verify
//     page's script (site.go, web/), the statistics charts as SVG
//     (charts.go), project pages (project.go);
//   - verification: reading what a printed PDF claims (claim.go) and checking
//     it against the ledger in steps worded for the public (verify.go);
//     downloads of a notice's rows with their leaf hashes (export.go).
//
// What a notice says (its fields, rows and masking by audience) is still
// drawn in package ledger (ledger.NoticeContent); moving its layout here is
// issue 20's work.
package disclosure
