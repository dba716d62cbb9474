package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

func (s *Server) recordData(c *gin.Context, lg ledger.Log) pages.RecordData {
	d := pages.RecordData{Values: map[string]string{}}
	ctx := c.Request.Context()
	if fs, err := s.svc.Funds(ctx, lg); err == nil {
		for _, f := range fs {
			if !f.Reversed {
				d.Funds = append(d.Funds, pages.Option{Value: f.DocNo, Label: f.DocNo + " " + f.Name + "（可拨付 " + f.Unallocated.Yuan() + " 元）"})
			}
		}
	}
	if ps, err := s.svc.Projects(ctx, lg, "", ""); err == nil {
		for _, p := range ps {
			d.Projects = append(d.Projects, pages.Option{Value: p.Code, Label: p.Code + " " + p.Name})
		}
	}
	if its, err := s.svc.Items(ctx, lg); err == nil {
		for _, it := range its {
			d.Items = append(d.Items, pages.Option{Value: it.Code, Label: it.Code + " " + it.Name})
		}
	}
	return d
}

func (s *Server) staffRecordForm(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	d := s.recordData(c, lg)
	d.Kind = c.DefaultQuery("kind", "payment")
	s.staffRender(c, http.StatusOK, "record", "录入", pages.Page{Note: doneNote(c), Data: d})
}

// formReader parses form fields, collecting Chinese field errors.
type formReader struct {
	c    *gin.Context
	errs []ledger.FieldError
}

func (f *formReader) str(k string) string {
	v := strings.TrimSpace(f.c.PostForm(k))
	if r, bad := ledger.InvisibleRune(v); bad {
		f.errs = append(f.errs, ledger.FieldError{Field: k, Message: ledger.InvisibleError(k, r).Detail})
		return ""
	}
	return v
}

func (f *formReader) fen(k, label string, required bool) ledger.Fen {
	v := f.str(k)
	if v == "" {
		if required {
			f.errs = append(f.errs, ledger.FieldError{Field: k, Message: label + "不能为空"})
		}
		return 0
	}
	a, err := ledger.ParseYuan(v)
	if err != nil {
		f.errs = append(f.errs, ledger.FieldError{Field: k, Message: label + "须为金额（元），最多两位小数，如 1200.50"})
	}
	return a
}

func (f *formReader) date(k, label string, required bool) ledger.Date {
	v := f.str(k)
	if v == "" {
		if required {
			f.errs = append(f.errs, ledger.FieldError{Field: k, Message: label + "不能为空"})
		}
		return ledger.Date{}
	}
	d, err := ledger.ParseDate(v)
	if err != nil {
		f.errs = append(f.errs, ledger.FieldError{Field: k, Message: label + "须为日期，如 2026-03-01"})
	}
	return d
}

func (f *formReader) err() error {
	if len(f.errs) == 0 {
		return nil
	}
	return &ledger.Error{Code: ledger.CodeValidationFailed, Detail: "请修改以下内容后重新提交", Fields: f.errs}
}

// POST /staff/record/:kind (fund | allocation | payment): one record, as
// the API's POST /funds, /allocations, /payments.
func (s *Server) staffRecord(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	ctx, u := c.Request.Context(), user(c)
	f := &formReader{c: c}
	kind := c.Param("kind")
	var done string
	var err error
	switch kind {
	case "fund":
		r := ledger.FundRow{DocNo: f.str("doc_no"), Name: f.str("name"), SourceLevel: f.str("source_level"), Nature: f.str("fund_nature"),
			FunctionCode: f.str("function_code"), Purpose: f.str("purpose"), Amount: f.fen("amount", "金额", true), ArrivedOn: f.date("arrived_on", "到账日期", true)}
		if y := f.str("year"); y != "" {
			r.Year, _ = strconv.Atoi(y)
		}
		if err = f.err(); err == nil {
			var fd ledger.Fund
			if fd, err = s.svc.RecordFund(ctx, lg, u.ID, r, nil); err == nil {
				done = doneQuery("fund", strconv.FormatInt(fd.Seq, 10))
			}
		}
	case "allocation":
		r := ledger.AllocationRow{DocNo: f.str("doc_no"), ProjectCode: f.str("project_code"), Amount: f.fen("amount", "金额", true),
			AllocatedOn: f.date("allocated_on", "拨付日期", true), AllocationDocNo: f.str("allocation_doc_no")}
		if err = f.err(); err == nil {
			var res ledger.AllocationResult
			if res, err = s.svc.RecordAllocation(ctx, lg, u.ID, r, nil); err == nil {
				done = doneQuery("allocation", strconv.FormatInt(res.Seq, 10))
			}
		}
	case "payment":
		if u.Role != ledger.RoleFinance {
			s.staffFail(c, ledger.Errorf(ledger.CodeForbidden, "支付只能由财务人员录入（管理员不能录入或审核支付）"))
			return
		}
		r := ledger.PaymentRow{VoucherNo: f.str("voucher_no"), ProjectCode: f.str("project_code"), DocNo: f.str("doc_no"), ItemCode: f.str("item_code"),
			Kind: f.str("payment_kind"), PayeeIDNumber: f.str("payee_id_number"), PayeeOrgName: f.str("payee_org_name"), PayeeUSCC: f.str("payee_uscc"),
			AccountNo: f.str("account_no"), AccountHolderIDNumber: f.str("account_holder_id_number"), Amount: f.fen("amount", "金额", true),
			PaidOn: f.date("paid_on", "支付日期", true), InvoiceNo: f.str("invoice_no"), ContractNo: f.str("contract_no")}
		if fe := s.futurePayment(r.PaidOn); fe != nil {
			f.errs = append(f.errs, fe.Fields...)
		}
		if q := f.str("quantity"); q != "" {
			n, perr := strconv.ParseInt(q, 10, 64)
			if perr != nil || n <= 0 {
				f.errs = append(f.errs, ledger.FieldError{Field: "quantity", Message: "数量须为正整数"})
			}
			r.Quantity = n
		}
		if p := f.str("period"); p != "" {
			per, perr := ledger.ParsePeriod(p)
			if perr != nil {
				f.errs = append(f.errs, ledger.FieldError{Field: "period", Message: "所属期间须为 2026、2026-Q1 或 2026-03"})
			}
			r.Period = per
		}
		if err = f.err(); err == nil {
			var p ledger.Payment
			if p, err = s.svc.RecordPayment(ctx, lg, u.ID, r, nil); err == nil {
				done = doneQuery("payment_"+p.Status, strconv.FormatInt(p.Seq, 10))
			}
		}
	default:
		s.staffRender(c, http.StatusNotFound, "message", "未找到", pages.Page{Error: "没有这种录入：" + kind})
		return
	}
	if err != nil {
		d := s.recordData(c, lg)
		d.Kind = kind
		for k, v := range c.Request.PostForm {
			if k != "csrf" && len(v) > 0 {
				d.Values[k] = v[0]
			}
		}
		s.staffRender(c, statusOf(err), "record", "录入", pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/record?kind="+kind+"&"+done)
}
