package notify_test

// Red-team tests of the notifications (issue 19), by an outside reviewer:
// races between processes and jobs. A test whose comment starts with
// "FINDING:" demonstrates a defect and fails on the code it was written
// against; the others held up and stay as regression tests.

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/notify"
	"github.com/sunshine-ledger/sunshine/notify/notifytest"
)

const rtTianping = "430181117201"

// rtSlowBot is a 企业微信 bot that takes its time to answer and counts the
// posts it accepted; it keeps their texts.
type rtSlowBot struct {
	*httptest.Server
	posts atomic.Int64
	mu    sync.Mutex
	texts []string
}

func newSlowBot(t *testing.T, delay time.Duration) *rtSlowBot {
	b := &rtSlowBot{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		time.Sleep(delay)
		b.posts.Add(1)
		b.mu.Lock()
		b.texts = append(b.texts, string(body))
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	t.Cleanup(b.Close)
	return b
}

// TestRedteamNotifyTwoProcesses: two serve processes (two schedulers with
// their own holders on one database) run the notify job at the same moment
// while the bot is slow to answer: the database lease lets one of them
// send, the bot hears of the new flags once, and a later run sends nothing
// again. No message carries the name or ID number of the flag's reason.
func TestRedteamNotifyTwoProcesses(t *testing.T) {
	ctx := context.Background()
	store := gormstoretest.Open(t, "sqlite")
	clock := lt.NewClock(lt.FixedTime)
	s, lg := lt.NewService(t, store, clock)
	lt.Town(t, s, lg)
	bot := newSlowBot(t, 400*time.Millisecond)
	cfg := &notify.Config{Webhooks: []notify.Webhook{{Name: "田坪村监督群", Kind: notify.KindWeCom, URL: bot.URL + "/cgi-bin/webhook/send?key=tok-x",
		Villages: []string{rtTianping}, Roles: []string{ledger.RoleMonitor}}}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	name, id := "欧阳红队", lt.ID(3, 1975)
	if _, _, err := s.RecordFindings(ctx, lg, "system", []ledger.Finding{{Rule: "B1", SubjectKey: "p|rt", Severity: ledger.SeverityHigh, Village: rtTianping,
		Subject: ledger.FlagSubject{Kind: "person", ID: 3, Label: name}, Reason: name + "（" + id + "）重复领取", Evidence: ledger.Evidence{Entries: []int64{1}}}}); err != nil {
		t.Fatal(err)
	}
	var scs []*jobs.Scheduler
	for _, holder := range []string{"serve-a", "serve-b"} {
		n := &notify.Notifier{Cfg: cfg, Svc: s, Store: store, Jobs: store, PublicURL: "https://ygzb.example"}
		sc, err := jobs.New(jobs.Options{Store: store, Holder: holder, Now: clock.Now, Location: lt.Shanghai(t)}, jobs.Notify(n))
		if err != nil {
			t.Fatal(err)
		}
		scs = append(scs, sc)
	}
	var wg sync.WaitGroup
	outcomes := make([]string, len(scs))
	for i, sc := range scs {
		wg.Go(func() {
			r, err := sc.RunNow(ctx, "notify")
			if err != nil {
				outcomes[i] = "error " + err.Error()
				return
			}
			outcomes[i] = r.Outcome
		})
	}
	wg.Wait()
	if got := bot.posts.Load(); got != 1 {
		t.Fatalf("two processes racing: the bot got %d posts, want 1 (outcomes %v)", got, outcomes)
	}
	clock.Advance(10 * time.Minute)
	if _, err := scs[1].RunNow(ctx, "notify"); err != nil {
		t.Fatal(err)
	}
	if got := bot.posts.Load(); got != 1 {
		t.Fatalf("sent again on the next run: %d posts", got)
	}
	for _, txt := range bot.texts {
		if strings.Contains(txt, name) || strings.Contains(txt, id) || strings.Contains(txt, "tok-x") {
			t.Fatalf("a message carries personal data or the token: %s", txt)
		}
	}
}

// FOUND: (low) a day's digest whose first send failed is retried by two
// different jobs: the notify job (every 10 minutes, Digest(retryOnly)) and
// the digest job (run again, e.g. by an admin's 立即运行). Their leases are
// per job name, so both may run at once, and Digest reads "not sent"
// (pending), sends, and only then records: both send, and the recipient
// gets the same digest twice. Expected: one mail per recipient and day
// (claim the notification before sending, or share one lease). Fixed:
// Digest claims (NotifyStore.ClaimNotification) before it sends.
func TestRedteamDigestRetryRace(t *testing.T) {
	ctx := context.Background()
	store := gormstoretest.Open(t, "sqlite")
	clock := lt.NewClock(lt.FixedTime)
	s, lg := lt.NewService(t, store, clock)
	lt.Town(t, s, lg)
	if _, _, err := s.RecordFindings(ctx, lg, "system", []ledger.Finding{{Rule: "C2", SubjectKey: "acct|rt", Severity: ledger.SeverityWarn, Village: rtTianping,
		Subject: ledger.FlagSubject{Kind: "account", Label: "尾号 0001"}, Reason: "一卡多人", Evidence: ledger.Evidence{Entries: []int64{1}}}}); err != nil {
		t.Fatal(err)
	}
	sink := notifytest.NewSMTP(t)
	cfg := &notify.Config{SMTP: &notify.SMTP{Addr: sink.Addr, From: "sunshine@town.example"},
		Emails: []notify.Email{{To: "jiwei@town.example", Roles: []string{ledger.RoleDiscipline}}, {To: "tp@town.example", Roles: []string{ledger.RoleMonitor}, Villages: []string{rtTianping}}}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	n := &notify.Notifier{Cfg: cfg, Svc: s, Store: store, Jobs: store, PublicURL: "https://ygzb.example"}
	sc, err := jobs.New(jobs.Options{Store: store, Holder: "serve", Now: clock.Now, Location: lt.Shanghai(t)}, jobs.Notify(n), jobs.Digest(n))
	if err != nil {
		t.Fatal(err)
	}
	sink.Down(true)
	if r, err := sc.RunNow(ctx, "digest"); err != nil || r.Outcome != ledger.OutcomeFailure {
		t.Fatalf("digest with the mail server down: %+v %v", r, err)
	}
	sink.Down(false)
	clock.Advance(10 * time.Minute)
	var wg sync.WaitGroup
	for _, job := range []string{"digest", "notify"} {
		wg.Go(func() {
			if _, err := sc.RunNow(ctx, job); err != nil {
				t.Errorf("%s: %v", job, err)
			}
		})
	}
	wg.Wait()
	per := map[string]int{}
	for _, m := range sink.Mails() {
		for _, to := range m.To {
			per[to]++
		}
	}
	for _, to := range []string{"jiwei@town.example", "tp@town.example"} {
		if per[to] != 1 {
			t.Errorf("%s got the day's digest %d times, want 1", to, per[to])
		}
	}
	// and never again that day
	clock.Advance(10 * time.Minute)
	sc.RunNow(ctx, "notify")
	sc.RunNow(ctx, "digest")
	if got := len(sink.Mails()); got > 2 {
		t.Errorf("mails after two more runs the same day: %d, want 2", got)
	}
}
