package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestSelfQueryDestination: each self-query row says where the money went:
// into the villager's own account, the household head's (masked name), a
// member's of their household, or another person's (with where to object),
// each with the account's last 4 digits and nothing else about its holder.
func TestSelfQueryDestination(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	// a member of tp1's household, with a card of her own
	memberID := lt.ID(801, 2001)
	if _, err := e.svc.RegisterPersons(ctx, e.lg, "fin", []ledger.PersonRow{{Village: "田坪村", Group: "一组", HeadIDNumber: e.ids["tp1"], Name: "欧阳小雨",
		IDNumber: memberID, Relation: "女", HouseholdKind: ledger.KindLifted, JoinedOn: lt.D("2015-01-01"), Bank: "浏阳农商银行", AccountNo: "6230901077700801"}}, nil); err != nil {
		t.Fatal(err)
	}
	pay := func(payee, acct, holder, amount string) {
		e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: payee, AccountNo: acct, AccountHolderIDNumber: holder, Amount: lt.Y(amount)})
	}
	pay(memberID, "", "", "101")                           // her own card
	pay(memberID, e.accounts["tp1"], e.ids["tp1"], "102")  // the head's
	pay(e.ids["tp1"], "6230901077700801", memberID, "103") // the head's wage into her card: a member's
	pay(memberID, e.accounts["sn1"], e.ids["sn1"], "104")  // another household's
	q := func(name, id string) string {
		r := e.call("POST", "/api/public/query", "none", map[string]any{"village": village1, "name": name, "id_number": id})
		if r.status != 200 {
			t.Fatalf("query: %s", r)
		}
		return string(r.body)
	}
	hers := q("欧阳小雨", memberID)
	for _, w := range []string{"打入本人账户 ****0801", "打入户主欧**华账户 ****0001", "打入他人账户 ****0004（如非本人同意，请向村务监督委员会或 12317 反映）"} {
		if !strings.Contains(hers, w) {
			t.Errorf("her answer lacks %q: %s", w, hers)
		}
	}
	for _, s := range []string{e.names["sn1"], ledger.MaskName(e.names["sn1"]), e.ids["sn1"], e.accounts["sn1"], e.accounts["tp1"], e.names["tp1"]} {
		if strings.Contains(hers, s) {
			t.Errorf("her answer shows %q", s)
		}
	}
	if head := q(e.names["tp1"], e.ids["tp1"]); !strings.Contains(head, "打入本户家庭成员账户 ****0801") {
		t.Errorf("the head's answer: %s", head)
	}
}
