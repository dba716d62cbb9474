package importer

import (
	"fmt"
	"strings"
	"testing"
)

// payments10k is a 10,000-row 发放明细 as Excel writes it (shared strings,
// number and date cells).
func payments10k(shared bool) []byte {
	rows := [][]xc{texts(payHeaders...)}
	for i := 1; i <= 10000; i++ {
		r := payRow(i, map[string]xc{"金额(元)": N(fmt.Sprintf("%d.5", 100+i%900)), "支付日期": D(2026, 3, 1+i%28),
			"凭证号": T(fmt.Sprintf("记-2026-%05d", i)), "发票号": T(fmt.Sprintf("No.%08d", i))})
		line := make([]xc, len(payHeaders))
		for j, h := range payHeaders {
			line[j] = r[h]
		}
		rows = append(rows, line)
	}
	return buildXLSX(xopts{sharedStrings: shared}, xsheet{name: "发放明细", rows: rows})
}

func BenchmarkParsePayments10k(b *testing.B) {
	for _, shared := range []bool{true, false} {
		name := "sharedStrings"
		if !shared {
			name = "inlineStrings"
		}
		b.Run(name, func(b *testing.B) {
			data := payments10k(shared)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := Parse("payments", "发放明细.xlsx", data, Options{CanDraw: func(r rune) bool { return r != '䶮' }})
				if err != nil || len(p.Payments) != 10000 || len(p.Errors) != 0 {
					b.Fatalf("%v %d %v", err, len(p.Payments), p.Errors)
				}
			}
			b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	b.Run("csv", func(b *testing.B) {
		var sb strings.Builder
		sb.WriteString(strings.Join(payHeaders, ",") + "\n")
		for i := 1; i <= 10000; i++ {
			fmt.Fprintf(&sb, "记-%05d,XM2026-001,湘财农指〔2026〕1号,CY01,补助,%s,,,6217%012d,,2,200.00,2026,2026-03-01,,,\n", i, idn("19800101", i%1000), i)
		}
		data := []byte(sb.String())
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			p, err := Parse("payments", "发放明细.csv", data, Options{})
			if err != nil || len(p.Payments) != 10000 || len(p.Errors) != 0 {
				b.Fatalf("%v %v", err, p.Errors)
			}
		}
		b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
