package ledger

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Codes are part of the public
// JSON contract (API.md): never rename one.
type Code string

// The codes of API.md, plus the ledger's own.
const (
	CodeMalformedJSON       Code = "malformed_json"
	CodeMalformedRequest    Code = "malformed_request"
	CodeUnauthenticated     Code = "unauthenticated"
	CodeTokenExpired        Code = "token_expired"
	CodeForbidden           Code = "forbidden"
	CodeSelfApproval        Code = "self_approval"
	CodeNotFound            Code = "not_found"
	CodeFundOverdrawn       Code = "fund_overdrawn"
	CodeAllocationOverdrawn Code = "allocation_overdrawn"
	CodeDuplicatePayment    Code = "duplicate_payment"
	CodeAlreadyReversed     Code = "already_reversed"
	CodeIdempotencyConflict Code = "idempotency_conflict"
	CodeConflict            Code = "conflict"
	CodeTooLarge            Code = "too_large"
	CodeValidationFailed    Code = "validation_failed"
	CodeAmountMustBeString  Code = "amount_must_be_string"
	CodeAmountNotPositive   Code = "amount_not_positive"
	CodeAmountTooPrecise    Code = "amount_too_precise"
	CodeInvalidIDNumber     Code = "invalid_id_number"
	CodeIDNumberNotText     Code = "id_number_not_text"
	CodeInvalidUSCC         Code = "invalid_uscc"
	CodeProjectState        Code = "project_state_not_allowed"
	CodeLoanOverLimit       Code = "loan_over_limit"
	CodeMissingFields       Code = "missing_required_fields"
	CodeImportRowsInvalid   Code = "import_rows_invalid"
	CodeRateLimited         Code = "rate_limited"
	CodeUnavailable         Code = "unavailable"
	CodeInternal            Code = "internal"
	// CodeTampered: the stored log does not match what was signed or hashed.
	CodeTampered Code = "ledger_tampered"
)

// FieldError names one bad field, or one bad cell of an imported sheet (Row is
// the row number as Excel shows it, header = row 1; 0 when not a sheet).
type FieldError struct {
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// Code, when set, is the stable code of this field's problem (for
	// example id_number_not_text for a number-typed ID cell).
	Code Code `json:"code,omitempty"`
}

// Error is the one error type of the domain. Detail is for people and is in
// Simplified Chinese; Code is for programs.
type Error struct {
	Code   Code
	Detail string
	Fields []FieldError
	Err    error // optional cause, never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Detail, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a Chinese detail.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, CodeInternal
// for any other non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrNotFound is returned by stores for a missing row.
var ErrNotFound = &Error{Code: CodeNotFound, Detail: "未找到"}

// IsNotFound reports whether err carries CodeNotFound.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }
