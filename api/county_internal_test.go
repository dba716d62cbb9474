package api

import (
	"fmt"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestCountyVerifyPerTown: one town's bad log in the last verify run shows
// that town failed and every other town passed (the run verified them all);
// a run that stopped part-way leaves the unnamed towns not verified.
func TestCountyVerifyPerTown(t *testing.T) {
	a, b, c := "ledger.example.cn/log/430181117", "ledger.example.cn/log/430181118", "ledger.example.cn/log/4301811"
	// the verify job's error for a run that found b's log bad
	tampered := ledger.JobRun{Outcome: ledger.OutcomeFailure,
		Error: fmt.Errorf("ledger tampered: %v", []string{b + ": first bad seq 3 (leaf_mismatch)"}).Error()}
	for _, tc := range []struct {
		run          ledger.JobRun
		origin, want string
	}{
		{tampered, b, "failed"},
		{tampered, a, "passed"},
		{tampered, c, "passed"}, // a prefix of another origin is not named
		{ledger.JobRun{Outcome: ledger.OutcomeFailure, Error: fmt.Errorf("ledger tampered: %v", []string{a + ": first bad seq 1 (x)", b + ": first bad seq 2 (y)"}).Error()}, b, "failed"},
		{ledger.JobRun{Outcome: ledger.OutcomeSuccess}, a, "passed"},
		{ledger.JobRun{Outcome: ledger.OutcomeFailure, Error: "database is locked"}, a, "not_verified"},
		{ledger.JobRun{Outcome: ledger.OutcomeSkipped}, a, "not_verified"},
	} {
		if got := countyVerifyResult(tc.run, tc.origin); got != tc.want {
			t.Errorf("%s after %q (%s): %s, want %s", tc.origin, tc.run.Error, tc.run.Outcome, got, tc.want)
		}
	}
}
