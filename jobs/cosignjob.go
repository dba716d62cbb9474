package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// ScheduleCosign puts checkpoints still short of the witness quorum to the
// witnesses again, every five minutes.
const ScheduleCosign = "*/5 * * * *"

// Cosign asks the witnesses (SUNSHINE_WITNESSES) to cosign each log's
// latest checkpoint that the quorum has not cosigned yet. A checkpoint
// still short of the quorum fails the run, so that it shows on the admin's
// jobs page (the cosigner has raised the alarm and flag already).
func Cosign(l *ledger.Ledger, c *ledger.Cosigner) Job {
	return Job{Name: "cosign", Schedule: ScheduleCosign, Run: func(ctx context.Context) (map[string]int64, error) {
		logs, err := l.Store().Logs(ctx)
		if err != nil {
			return nil, err
		}
		counts := map[string]int64{"logs": 0, "witnessed": 0, "short": 0}
		var short []string
		for _, lg := range logs {
			counts["logs"]++
			res, err := c.CosignLatest(ctx, lg)
			if err != nil {
				return counts, err
			}
			if res.Witnessed() {
				counts["witnessed"]++
				continue
			}
			counts["short"]++
			var why []string
			for _, m := range res.Missing {
				why = append(why, m.Witness.Label+"："+m.Reason)
			}
			short = append(short, fmt.Sprintf("%s 大小为 %d 的检查点只有 %d 位见证人联署（需要 %d 位）：%s", lg.Origin, res.Size, len(res.Vouched), res.Quorum, strings.Join(why, "；")))
		}
		if len(short) > 0 {
			return counts, fmt.Errorf("见证不足：%s", strings.Join(short, "。"))
		}
		return counts, nil
	}}
}
