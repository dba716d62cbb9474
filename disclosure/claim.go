package disclosure

import (
	"encoding/json"
	"errors"
)

// ClaimFromPDF reads what a notice PDF carries for verification: the
// embedded rows.json (code, rows' seqs and leaf hashes) and checkpoint.txt
// (the printed checkpoint), plus the PDF's own bytes. PublishSeq is left
// -1: the caller finds the notice_published entry by the code. It returns
// an error worded for the public when the file is not a notice PDF.
func ClaimFromPDF(pdf []byte) (Claim, error) {
	cl := Claim{PDF: pdf, PublishSeq: -1}
	raw, err := ExtractAttachment(pdf, attachmentRows)
	if errors.Is(err, ErrAttachmentTooLarge) {
		return cl, errors.New("公告 PDF 内嵌的核验数据过大（超过 1 MB）：这不是本系统发布的公告 PDF")
	}
	if err != nil {
		return cl, errors.New("这不是本系统发布的公告 PDF（找不到内嵌的核验数据）")
	}
	var a Attachment
	if err := json.Unmarshal(raw, &a); err != nil {
		return cl, errors.New("公告 PDF 内嵌的核验数据已损坏")
	}
	cp, err := ExtractCheckpoint(pdf)
	if err != nil {
		return cl, errors.New("公告 PDF 中找不到检查点")
	}
	cl.Notice, cl.Rows, cl.Checkpoint = a.Notice, a.Rows, []byte(cp)
	return cl, nil
}
