package demo_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
)

// TestSelfQueryShowsOtherAccount: the demo's planted C1 case (a 公益岗位
// wage paid into another household's 一卡通) shows in the wage earner's own
// self-query, through the API and the page, as 打入他人账户 with the
// account's last 4 digits and where to object; their other wages as
// 打入本人账户 with their own card's last 4; nothing else about the other
// account holder (name, masked name, ID number in any masking, the full
// account number) is in the answer.
func TestSelfQueryShowsOtherAccount(t *testing.T) {
	tw := load(t, demo.Options{Seed: 1, PoorHouseholds: 180, OtherHouseholds: 30})
	ctx := context.Background()
	d, err := tw.svc.ScanData(ctx, tw.lg)
	if err != nil {
		t.Fatal(err)
	}
	var c1 *ledger.Finding
	for _, f := range anomaly.Run(d, anomaly.DefaultConfig) {
		if f.Rule == "C1" {
			c1 = &f
			break
		}
	}
	if c1 == nil {
		t.Fatal("the planted C1 case is not found")
	}
	all, err := tw.svc.Payments(ctx, tw.lg, ledger.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(p ledger.Payment) bool { return slices.Contains(c1.Evidence.Entries, p.Seq) })
	if i < 0 {
		t.Fatalf("no payment of the C1 evidence %v", c1.Evidence.Entries)
	}
	pm := all[i]
	earner, err := tw.svc.ReadPerson(ctx, tw.lg, "", pm.Payee.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	holder, err := tw.svc.ReadPerson(ctx, tw.lg, "", pm.AccountHolder, "")
	if err != nil {
		t.Fatal(err)
	}
	if holder.Household.ID == earner.Household.ID || len(holder.Private.Accounts) == 0 || len(earner.Private.Accounts) == 0 {
		t.Fatalf("the planted case: earner %d holder %d", earner.Household.ID, holder.Household.ID)
	}
	tail := func(a string) string { return "****" + a[len(a)-4:] }
	other := "打入他人账户 " + tail(holder.Private.Accounts[0].Number) + "（如非本人同意，请向村务监督委员会或 12317 反映）"
	own := "打入本人账户 " + tail(earner.Private.Accounts[0].Number)

	ans, err := tw.svc.SelfQuery(ctx, tw.lg, earner.Household.Village, earner.Private.Name, earner.Private.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	mine, credited := 0, 0
	for _, p := range ans.Payments {
		switch {
		case p.Seq == pm.Seq:
			if p.Destination != other {
				t.Errorf("the C1 wage: %q, want %q", p.Destination, other)
			}
		case p.Destination == own:
			mine++
		}
		// November's wages were paid by the bank (demo/bank.go): its return
		// file confirms them; the others went into an account no file
		// covers yet, or were paid without one
		switch p.Bank {
		case ledger.BankStateCredited:
			credited++
		case "", ledger.BankStateReturned, ledger.BankStateNone:
		default:
			t.Errorf("a bank confirmation a villager does not read: %q", p.Bank)
		}
	}
	if credited == 0 {
		t.Errorf("no payment shows the bank's confirmation: %+v", ans.Payments)
	}
	if mine == 0 {
		t.Errorf("no wage shows as %q: %+v", own, ans.Payments)
	}

	srv, err := api.New(api.Config{Town: demo.TownCode, PublicURL: "http://ledger.test"}, api.Deps{Ledger: tw.svc.L, Service: tw.svc})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	q, _ := json.Marshal(map[string]string{"village": earner.Household.Village, "name": earner.Private.Name, "id_number": earner.Private.IDNumber})
	res, err := http.Post(ts.URL+"/api/public/query", "application/json", strings.NewReader(string(q)))
	if err != nil {
		t.Fatal(err)
	}
	jsonBody, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res, err = http.PostForm(ts.URL+"/query", url.Values{"village": {earner.Household.Village}, "name": {earner.Private.Name}, "id_number": {earner.Private.IDNumber}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	hid := holder.Private.IDNumber
	for what, body := range map[string]string{"API": string(jsonBody), "page": string(page)} {
		if !strings.Contains(body, other) || !strings.Contains(body, own) {
			t.Errorf("the %s answer lacks %q or %q", what, other, own)
		}
		for _, s := range []string{holder.Private.Name, ledger.MaskName(holder.Private.Name), hid, ledger.ShowIDNumber(hid, ledger.AudienceSelf),
			ledger.ShowIDNumber(hid, ledger.AudienceOversight), holder.Private.Accounts[0].Number} {
			if strings.Contains(body, s) {
				t.Errorf("the %s answer shows %q of the other account holder", what, s)
			}
		}
	}
}
