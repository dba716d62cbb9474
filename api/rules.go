package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
)

// GET /api/v1/rules: the rule catalogue with its current thresholds.
func (s *Server) listRules(c *gin.Context) {
	type rule struct {
		Code       string `json:"code"`
		Name       string `json:"name"`
		Definition string `json:"definition"`
		SubjectKey string `json:"subject_key"`
	}
	var out []rule
	for _, r := range anomaly.Catalogue() {
		out = append(out, rule{r.Code, r.Name, r.Definition, r.SubjectKey})
	}
	cfg := anomaly.DefaultConfig
	if s.cfg.Rules != nil {
		cfg = *s.cfg.Rules
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "thresholds": gin.H{
		"idle_warn_months": cfg.IdleWarnMonths, "idle_high_months": cfg.IdleHighMonths, "split_days": cfg.SplitDays,
		"tender_threshold": cfg.TenderThreshold.String(), "tender_window_days": cfg.TenderWindowDays, "large_factor": cfg.LargeFactor,
		"large_no_item": cfg.LargeNoItem.String(), "loan_max": cfg.LoanMax.String(), "loan_max_months": cfg.LoanMaxMonths,
		"loan_due_soon_days": cfg.LoanDueSoonDays, "loan_overdue_high_days": cfg.LoanOverdueHighDays,
		"borrower_min_age": cfg.BorrowerMinAge, "borrower_max_age": cfg.BorrowerMaxAge, "flag_sla_days": 7,
		"idle_warn_paid_percent": cfg.IdleWarnPaidPercent, "idle_high_unspent_percent": cfg.IdleHighUnspentPercent, "future_days": cfg.FutureDays,
		"period_late_months": cfg.PeriodLateMonths, "period_early_months": cfg.PeriodEarlyMonths, "cadre_account_households": cfg.CadreAccountHouseholds}})
}
