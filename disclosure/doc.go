// Package disclosure will make the public notices (公告公示) of DOMAIN.md §6:
// notice content from the ledger, masking for the public, the PDF (fonts
// embedded; the only package that draws PDFs), the public HTML pages and
// their verification. Masking by audience already lives in the domain
// (ledger.Show* functions), so that PDF, HTML and JSON share it.
package disclosure
