package api

import (
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/importer"
	"github.com/sunshine-ledger/sunshine/ledger"
)

func (s *Server) importSheet(c *gin.Context) {
	kind := c.Param("kind")
	if !slices.Contains(importer.Kinds(), kind) {
		failCode(c, ledger.CodeNotFound, "没有这种导入类型："+kind)
		return
	}
	if kind == "payments" && user(c).Role != ledger.RoleFinance {
		failCode(c, ledger.CodeForbidden, "支付只能由财务人员录入（管理员不能录入或审核支付）")
		return
	}
	uploadDeadline(c)
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			failCode(c, ledger.CodeTooLarge, "上传的文件过大")
			return
		}
		failCode(c, ledger.CodeMalformedRequest, "请以 multipart/form-data 上传字段 file（.xlsx 或 .csv 文件）")
		return
	}
	f, err := fh.Open()
	if err != nil {
		failCode(c, ledger.CodeMalformedRequest, "无法读取上传的文件")
		return
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		failCode(c, ledger.CodeMalformedRequest, "无法读取上传的文件")
		return
	}
	dry := c.Query("dry_run") == "true"
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	var idem *ledger.Idem
	if key := c.GetHeader("Idempotency-Key"); key != "" && !dry {
		if len(key) > 200 {
			failCode(c, ledger.CodeMalformedRequest, "Idempotency-Key 过长")
			return
		}
		sum := sha256.Sum256(data)
		idem = &ledger.Idem{IdemScope: ledger.IdemScope{UserID: user(c).ID, Method: "POST", Route: c.FullPath(), Key: key},
			Fingerprint: ledger.FingerprintUpload(kind, sum)}
	}
	in, bad, err := s.parseSheet(c.Request.Context(), lg, kind, fh.Filename, data)
	if err != nil {
		fail(c, err)
		return
	}
	if len(bad) > 0 {
		bad = s.withReferenceErrors(c.Request.Context(), lg, user(c).ID, in, bad)
		if dry {
			c.JSON(http.StatusOK, dryRunDTO(in.Rows, bad, nil))
			return
		}
		listed, rest := capErrors(bad)
		fail(c, &ledger.Error{Code: ledger.CodeImportRowsInvalid, Detail: "有 " + strconv.Itoa(len(bad)) + " 处数据有误，未写入任何记录，请修改后重新上传" + notListed(rest), Fields: listed})
		return
	}
	res, err := s.svc.Import(c.Request.Context(), lg, user(c).ID, in, dry, idem)
	if err != nil {
		fail(c, err)
		return
	}
	if dry {
		c.JSON(http.StatusOK, dryRunDTO(res.Rows, res.Errors, res.Warnings))
		return
	}
	created(c, gin.H{"batch_id": res.BatchID, "rows": res.Rows, "entries": []int64{res.FirstSeq, res.LastSeq}})
}

// WarningDTO is a rule a row would trip.
type WarningDTO struct {
	Row     int    `json:"row"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func dryRunDTO(rows int, errs []ledger.FieldError, warns []ledger.RuleWarning) gin.H {
	if errs == nil {
		errs = []ledger.FieldError{}
	}
	errs, rest := capErrors(errs)
	ws := make([]WarningDTO, 0, min(len(warns), maxListedErrors))
	for _, w := range warns[:min(len(warns), maxListedErrors)] {
		ws = append(ws, WarningDTO{Row: w.Row, Rule: w.Rule, Message: w.Message})
	}
	out := gin.H{"rows": rows, "errors": errs, "warnings": ws}
	if rest > 0 {
		out["errors_not_listed"] = rest
	}
	if len(warns) > maxListedErrors {
		out["warnings_not_listed"] = len(warns) - maxListedErrors
	}
	return out
}

// maxListedErrors bounds the errors an import answer lists (the rest are
// counted): with each message capped (importer.MaxMessage) an answer stays
// small whatever the sheet.
const maxListedErrors = 200

// capErrors returns the first maxListedErrors errors and how many more there
// were.
func capErrors(errs []ledger.FieldError) ([]ledger.FieldError, int) {
	if len(errs) <= maxListedErrors {
		return errs, 0
	}
	return errs[:maxListedErrors], len(errs) - maxListedErrors
}

// notListed says how many errors an answer leaves out ("" for none).
func notListed(rest int) string {
	if rest == 0 {
		return ""
	}
	return "（以下列出前 " + strconv.Itoa(maxListedErrors) + " 处，其余 " + strconv.Itoa(rest) + " 处未列出）"
}
