package ledger

import (
	"context"
	"errors"
)

// ImportInput is a parsed sheet (see package importer): the rows of one kind.
type ImportInput struct {
	Kind       string
	Filename   string
	FileSHA256 string
	Rows       int

	Persons     []PersonRow
	Registers   []RegisterRow
	Funds       []FundRow
	Projects    []ProjectRow
	Allocations []AllocationRow
	Payments    []PaymentRow
	Loans       []LoanRow
	Repayments  []RepaymentRow
	BankReturns []BankReturnRow
}

// ImportResult is what an import wrote, or (dry run) would write.
type ImportResult struct {
	BatchID  int64 // the seq of the import_batch_committed entry
	Kind     string
	Rows     int
	FirstSeq int64 // the entries the import wrote, the batch entry last
	LastSeq  int64
	Errors   []FieldError
	Warnings []RuleWarning
	DryRun   bool
}

// columnOf maps API field names to the sheet's Chinese column headers, so
// that a row's error names the column the clerk sees.
var columnOf = map[string]string{
	"doc_no": "指标文号", "project_code": "项目编号", "item_code": "补贴项目代码", "payment_kind": "付款类型",
	"payee_id_number": "收款人身份证号", "payee_org_name": "收款单位", "payee_uscc": "统一社会信用代码",
	"account_no": "收款账号", "account_holder_id_number": "账户户名身份证号", "quantity": "数量", "amount": "金额(元)",
	"period": "所属期间", "paid_on": "支付日期", "village": "村", "name": "名称", "source_level": "资金来源级次",
	"purpose": "用途类别", "arrived_on": "到账日期", "year": "年度", "category": "项目类别", "nature": "建设性质",
	"status": "项目状态", "approval_doc_no": "批复文号", "targets": "绩效目标", "budget": "预算(元)",
	"allocated_on": "拨付日期", "loan_contract_no": "贷款合同号", "borrower_id_number": "借款人身份证号",
	"granted_on": "发放日期", "term_months": "期限(月)", "annual_rate": "年利率", "use": "用途", "repaid_on": "还款日期",
	"code": "项目编号",
}

// rowError turns a record's error into the FieldErrors of its row.
func rowError(row int, err error) []FieldError {
	var e *Error
	if !errors.As(err, &e) {
		return []FieldError{{Row: row, Message: "内部错误"}}
	}
	if len(e.Fields) == 0 {
		return []FieldError{{Row: row, Message: e.Detail, Code: e.Code}}
	}
	out := make([]FieldError, 0, len(e.Fields))
	for _, f := range e.Fields {
		if f.Row == 0 {
			f.Row = row
		}
		if col, ok := columnOf[f.Field]; ok {
			f.Field = col
		}
		if f.Code == "" && e.Code != CodeValidationFailed {
			f.Code = e.Code
		}
		out = append(out, f)
	}
	return out
}

type dryRunResult struct{ res ImportResult }

func (d *dryRunResult) Error() string { return "dry run" }

// Import writes a parsed sheet as records of what already happened, in one
// request: every malformed row is reported and nothing is written unless all
// rows pass; rows that break business rules are written (payments as
// effective) and reported as warnings, for the scan to flag. With dryRun
// nothing is written either way.
func (s *Service) Import(ctx context.Context, lg Log, actor string, in ImportInput, dryRun bool, idem *Idem) (ImportResult, error) {
	res, err := write(ctx, s, lg, idem, func(w *txn) (ImportResult, error) {
		res := ImportResult{Kind: in.Kind, Rows: in.Rows, FirstSeq: w.b.NextSeq(), DryRun: dryRun}
		var errs []FieldError
		var warns []RuleWarning
		collect := func(row int, c *check, err error) {
			if err != nil {
				errs = append(errs, rowError(row, err)...)
				return
			}
			if c != nil {
				warns = append(warns, c.warns...)
			}
		}
		switch in.Kind {
		case "persons":
			_, fe := w.registerPersons(actor, in.Persons)
			errs = append(errs, fe...)
		case "registers":
			errs = append(errs, w.recordRegisters(actor, in.Registers)...)
		case "funds":
			for _, r := range in.Funds {
				_, c, err := w.recordFund(actor, r, true)
				collect(r.Row, c, err)
			}
		case "projects":
			for _, r := range in.Projects {
				_, c, err := w.registerProject(actor, r, true)
				collect(r.Row, c, err)
			}
		case "allocations":
			for _, r := range in.Allocations {
				_, c, err := w.recordAllocation(actor, r, true)
				collect(r.Row, c, err)
			}
		case "payments":
			for _, r := range in.Payments {
				_, c, err := w.recordPayment(actor, r, true)
				collect(r.Row, c, err)
			}
		case "loans":
			for _, r := range in.Loans {
				_, c, err := w.grantLoan(actor, r, true)
				collect(r.Row, c, err)
			}
		case "repayments":
			for _, r := range in.Repayments {
				_, c, err := w.recordRepayment(actor, r, true)
				collect(r.Row, c, err)
			}
		case "bank_returns":
			seen := map[string]int{}
			for _, r := range in.BankReturns {
				_, err := w.recordBankReturn(actor, r, seen)
				collect(r.Row, nil, err)
			}
		default:
			return res, invalid("kind", "未知的导入类型「%s」", in.Kind)
		}
		res.Warnings = warns
		if len(errs) > 0 {
			res.Errors = errs
			if dryRun {
				return res, &dryRunResult{res}
			}
			return res, rowsInvalid(errs)
		}
		if dryRun {
			return res, &dryRunResult{res}
		}
		res.LastSeq = w.b.NextSeq() - 1
		e, err := w.emit(TypeImportBatchCommitted, actor, Date{}, importPayload{Kind: in.Kind, Rows: in.Rows,
			FileSHA256: in.FileSHA256, Filename: in.Filename, FirstSeq: res.FirstSeq, LastSeq: res.LastSeq})
		if err != nil {
			return res, err
		}
		res.BatchID, res.LastSeq = e.Seq, e.Seq // the batch's own entry is its last
		return res, nil
	})
	var d *dryRunResult
	if errors.As(err, &d) {
		d.res.FirstSeq, d.res.LastSeq = 0, 0
		return d.res, nil
	}
	return res, err
}
