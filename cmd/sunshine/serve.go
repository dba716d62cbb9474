package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/notify"
	"github.com/sunshine-ledger/sunshine/pages"
)

// app is everything serve and the tools wire together.
type app struct {
	cfg  *Config
	jobs *jobs.Scheduler
	// publisher publishes notices (PDF + notice_published).
	publisher *disclosure.Publisher
	auth      *ledger.Auth
	metrics   *api.Metrics
	store     *gormstore.Store
	ledger    *ledger.Ledger
	service   *ledger.Service
	rules     anomaly.Config // the rules' thresholds (SUNSHINE_TENDER_THRESHOLD)
	log       ledger.Log     // the configured town's log
	// cosigner asks the witnesses to cosign checkpoints (nil: none);
	// stopWitnesses stops the demo's in-process witnesses.
	cosigner      *ledger.Cosigner
	stopWitnesses func()
}

func (a *app) Close() {
	if a.ledger != nil {
		ledger.SetCosigner(a.ledger, nil)
		a.ledger.Close()
	}
	if a.stopWitnesses != nil {
		a.stopWitnesses()
	}
	if a.store != nil {
		a.store.Close()
	}
}

// openApp opens the database (migrating it when the mode is auto), the keys
// and the ledger, and makes sure the configured town has its log.
func openApp(ctx context.Context, cfg *Config, migrate bool) (*app, error) {
	a := &app{cfg: cfg}
	store, err := cfg.openStore()
	if err != nil {
		return nil, err
	}
	a.store = store
	if !isMySQL(cfg.DB) && cfg.SQLiteSync == "normal" {
		slog.Warn("SUNSHINE_SQLITE_SYNC=normal: a power failure can lose the latest writes the service acknowledged; the default full syncs every commit")
	}
	if migrate && cfg.Migrate == "auto" {
		if n, err := store.Migrate(ctx); err != nil {
			a.Close()
			return nil, err
		} else if n > 0 {
			slog.Info("applied migrations", "count", n)
		}
	}
	if p, err := store.Pending(ctx); err != nil {
		a.Close()
		return nil, err
	} else if len(p) > 0 {
		a.Close()
		return nil, fmt.Errorf("the database schema is behind (%d migration(s) pending, first %s): run `sunshine migrate` with a migrator DSN", len(p), p[0].Name)
	}
	key, err := signingKey(cfg)
	if err != nil {
		a.Close()
		return nil, err
	}
	master, err := masterKey(cfg)
	if err != nil {
		a.Close()
		return nil, err
	}
	// The demo's vault draws its keys and nonces from the seed, so that the
	// same seed and master key give the same tree root.
	var random, blinds io.Reader = rand.Reader, rand.Reader
	if cfg.Demo {
		random, blinds = demo.Rand(cfg.DemoSeed), demo.BlindRand(cfg.DemoSeed)
	}
	vault, err := ledger.NewVault(master, random)
	if err != nil {
		a.Close()
		return nil, err
	}
	threshold, err := ledger.ParseYuan(cfg.ApprovalThreshold)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("SUNSHINE_APPROVAL_THRESHOLD: %w", err)
	}
	clock, err := cfg.clock()
	if err != nil {
		a.Close()
		return nil, err
	}
	a.rules = anomaly.DefaultConfig
	if a.rules.TenderThreshold, err = ledger.ParseYuan(cfg.TenderThreshold); err != nil {
		a.Close()
		return nil, fmt.Errorf("SUNSHINE_TENDER_THRESHOLD: %w", err)
	}
	// The demo town loads at its business dates: its clock is fixed while it
	// loads, then follows the configured one.
	dc := demo.NewClock(clock)
	clock = dc.Now
	a.metrics = api.NewMetrics()
	a.ledger = ledger.New(ledger.Options{Store: store, Key: key, Now: clock, Location: cfg.Location, Observe: a.metrics.ObserveAppend, Rand: blinds})
	// device tokens are signed with a key derived from the master key: they
	// survive restarts, and a new master key voids them
	a.auth = &ledger.Auth{Accounts: store, L: a.ledger, Now: clock, DeviceKey: ledger.DeviceKey(master)}
	a.service = &ledger.Service{L: a.ledger, Vault: vault, ApprovalThreshold: threshold, MissingGlyph: disclosure.MissingGlyph}
	a.log, err = a.ledger.EnsureLog(ctx, cfg.Town, cfg.Origin(cfg.Town))
	if err != nil {
		a.Close()
		return nil, err
	}
	a.publisher = &disclosure.Publisher{Svc: a.service, PublicURL: cfg.PublicURL}
	// Witnesses (SUNSHINE_WITNESSES; the demo's two in-process ones),
	// before the demo loads, so that its notices print the cosigned
	// checkpoint and the witnesses' names.
	var witnessJobs []jobs.Job
	if cj, err := a.setupWitnesses(dc.Now); err != nil {
		a.Close()
		return nil, err
	} else if cj != nil {
		witnessJobs = append(witnessJobs, *cj)
	}
	if cfg.Demo {
		if err := a.loadDemo(ctx, dc); err != nil {
			a.Close()
			return nil, fmt.Errorf("demo: %w", err)
		}
		// The seeded blinds made the demo's root reproducible; what is
		// written from now on (a visitor's complaint) is blinded for real.
		a.ledger.UseRand(rand.Reader)
	}
	// The town's first entries: itself, the source aliases and the default
	// subsidy catalogue (nothing is written when it is registered already).
	if _, err := a.service.RegisterTown(ctx, a.log, "system", ledger.Town{Code: cfg.Town, Name: cfg.TownName}); ledger.ErrorCode(err) == ledger.CodeTampered {
		// A log whose head this service did not sign takes no more writes
		// (its alarm is raised); the service still starts, so that it can be
		// read, verified and the alarm seen.
		slog.Error("the town's log is not writable: its head is not signed by this service", "err", err)
	} else if err != nil {
		a.Close()
		return nil, err
	}
	// Notifications (SUNSHINE_NOTIFY_FILE): the group bots every 10
	// minutes, the e-mail digest at 08:00.
	var notifyJobs []jobs.Job
	if n := cfg.Notify; n != nil {
		nt := &notify.Notifier{Cfg: n, Svc: a.service, Store: store, Jobs: store, PublicURL: cfg.PublicURL, JobLabel: pages.JobText, Location: cfg.Location}
		notifyJobs = append(notifyJobs, jobs.Notify(nt))
		if len(n.Emails) > 0 {
			notifyJobs = append(notifyJobs, jobs.Digest(nt))
		}
		slog.Info("notifications on", "group_bots", len(n.Webhooks), "mail_recipients", len(n.Emails))
	}
	host, _ := os.Hostname()
	a.jobs, err = jobs.New(jobs.Options{Store: store, Location: cfg.Location, Holder: fmt.Sprintf("%s:%d", host, os.Getpid()),
		Now: clock, Observe: a.metrics.ObserveJob}, append([]jobs.Job{jobs.Verify(a.ledger, a.service, scratchStore), jobs.Checkpoint(a.ledger), jobs.Escalate(a.service),
		jobs.Scan(a.service, a.rules, store), jobs.Loans(a.service, a.rules),
		jobs.Notices(a.publisher, nil), jobs.Publicity(a.service)}, append(witnessJobs, notifyJobs...)...)...)
	if err != nil {
		a.Close()
		return nil, err
	}
	if cfg.AdminPassword != "" {
		made, err := a.auth.BootstrapAdmin(ctx, a.log, cfg.AdminPassword)
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("bootstrap admin: %w", err)
		}
		if made {
			slog.Info("created the bootstrap admin user", "username", "admin", "town", cfg.Town)
		}
	}
	return a, nil
}

func cmdServe(ctx context.Context, args []string, out io.Writer) error {
	cfg, _, err := loadConfig("serve", args, nil)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer a.Close()
	srv, err := api.New(api.Config{Town: cfg.Town, PublicURL: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies, Metrics: a.metrics, Rules: &a.rules},
		api.Deps{Ledger: a.ledger, Service: a.service, Auth: a.auth, Jobs: a.jobs, Publisher: a.publisher, Now: a.ledger.Now})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	hs := api.NewHTTPServer(srv.Handler()) // read, header and idle timeouts; uploads their own deadline
	slog.Info("serving", "addr", ln.Addr().String(), "db", a.store.Dialect(), "town", cfg.Town, "origin", a.log.Origin, "public_url", cfg.PublicURL)
	fmt.Fprintf(out, "Sunshine Ledger is serving on http://%s (town %s, %s)\n", ln.Addr(), cfg.Town, a.store.Dialect())
	if cfg.Demo {
		printDemoWelcome(out, "http://"+ln.Addr().String(), cfg.PublicURL, a.cfg.DemoTowns)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	stopJobs, err := a.jobs.Start(ctx)
	if err != nil {
		if ctx.Err() == nil {
			return err
		}
		// Stopped while the scheduler was starting (its catch-up query
		// saw the cancelled context): an ordinary shutdown.
		stopJobs = func() {}
	}
	defer stopJobs()
	if a.cosigner != nil {
		// Checkpoints the jobs or a publication sign get their
		// cosignatures within a second, without waiting for a reader.
		go a.cosigner.Run(ctx, time.Second)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// demoSize sizes the demo towns: zero (the full towns) but in tests,
// which load small ones.
var demoSize demo.Options

// demoOptions are the first demo town's options: the seed and size.
func (a *app) demoOptions() demo.Options {
	return demo.Options{Seed: a.cfg.DemoSeed, PoorHouseholds: demoSize.PoorHouseholds, OtherHouseholds: demoSize.OtherHouseholds}
}

// furtherDemoTowns are the demo towns after 镇头镇 (--demo-towns).
func (a *app) furtherDemoTowns() []demo.Options {
	var ts []demo.Options
	for i := 2; i <= a.cfg.DemoTowns; i++ {
		ts = append(ts, demo.Further(i, a.demoOptions()))
	}
	return ts
}

// loadDemo loads the demo town when the configured town's log holds no
// village yet (an empty database), then the further demo towns
// (--demo-towns) into logs of their own, each when its log holds no
// village, logging each town as it loads and, at the end, all of them.
func (a *app) loadDemo(ctx context.Context, clock *demo.Clock) error {
	n := max(1, a.cfg.DemoTowns)
	var first demo.Summary
	if vs, err := a.service.Villages(ctx, a.log); err == nil && len(vs) > 0 {
		slog.Info("demo: the town has villages already; nothing loaded", "town", a.cfg.Town)
	} else {
		if a.cfg.Town != demo.TownCode {
			return fmt.Errorf("the demo town is %s (%s), not SUNSHINE_TOWN=%s", demo.TownCode, demo.TownName, a.cfg.Town)
		}
		start := time.Now()
		o := a.demoOptions()
		o.Progress = func(i, n int, what string) {
			slog.Info(fmt.Sprintf("demo: loading %s, step %d/%d: %s (%s so far)", demo.TownName, i, n, what, time.Since(start).Round(time.Second)))
		}
		sum, err := demo.Load(ctx, a.service, a.auth, a.publisher, a.log, clock, o)
		if err != nil {
			return err
		}
		first = sum
		took := time.Since(start).Round(time.Second)
		slog.Info(fmt.Sprintf("demo town 1/%d %s loaded in %s", n, demo.TownName, took), "town", demo.TownCode, "took", took,
			"villages", sum.Villages, "households", sum.Households, "persons", sum.Persons, "users", sum.Users, "funds", sum.Funds,
			"projects", sum.Projects, "payments", sum.Payments, "loans", sum.Loans, "notices", sum.Notices)
	}
	towns := []string{fmt.Sprintf("%s (%s)", demo.TownName, demo.TownCode)}
	if n > 1 {
		open := func(code string) (ledger.Log, error) { return a.ledger.EnsureLog(ctx, code, a.cfg.Origin(code)) }
		_, err := demo.LoadFurther(ctx, a.service, a.auth, a.publisher, open, clock, a.demoOptions(), first, n, func(t demo.Loaded) {
			towns = append(towns, fmt.Sprintf("%s (%s)", t.Name, t.Code))
			if t.Skipped {
				slog.Info(fmt.Sprintf("demo town %d/%d %s: its log has villages already; nothing loaded", t.Index, n, t.Name), "town", t.Code)
				return
			}
			took := t.Took.Round(time.Second)
			sum := t.Summary
			slog.Info(fmt.Sprintf("demo town %d/%d %s loaded in %s", t.Index, n, t.Name, took), "town", t.Code, "took", took,
				"villages", sum.Villages, "households", sum.Households, "persons", sum.Persons, "users", sum.Users, "payments", sum.Payments,
				"notices", sum.Notices)
		})
		if err != nil {
			return err
		}
		if first.Wage == nil {
			slog.Info("demo: 镇头镇 was loaded before; the cross-town case B7 is not planted")
		}
	}
	slog.Info(fmt.Sprintf("demo: %d town(s): %s", n, strings.Join(towns, ", ")), "county_login", countyLogin(n))
	return nil
}

// printDemoWelcome says, once the demo is served, where to look and how to
// log in.
func printDemoWelcome(out io.Writer, base, publicURL string, towns int) {
	fmt.Fprintf(out, `
  public site (no login):  %[1]s/          notices, self-query, verify, complaints
  staff pages:             %[1]s/staff/login
  demo logins, password %[2]s:
    caiwu (finance)  shenpi (approver)  jijian (discipline)  shenji (auditor)  guanli (admin)
    jiandu01 … jiandu11 (village monitors, one village each)
`, base, demo.Password)
	if towns > 1 {
		fmt.Fprintf(out, "    %s (county office, every town, read only)\n", demo.CountyUser)
	}
	fmt.Fprintf(out, "  QR codes on printed notices point to %s: a phone follows them only if it reaches that address (set SUNSHINE_PUBLIC_URL).\n\n", publicURL)
}

// countyLogin is the demo's county-office login, when it has one.
func countyLogin(n int) string {
	if n > 1 {
		return demo.CountyUser
	}
	return ""
}

// cmdDemo loads the demo town into the configured (empty) database and
// prints what it planted for the scan to find.
func cmdDemo(ctx context.Context, args []string, out io.Writer) error {
	cfg, _, err := loadConfig("demo", args, nil)
	if err != nil {
		return err
	}
	cfg.Demo = true
	a, err := openApp(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer a.Close()
	size, err := a.store.Size(ctx, a.log.ID)
	if err != nil {
		return err
	}
	root, err := a.ledger.TreeHash(ctx, a.log, size)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo town %s (%s): %d entries, root %s\n", demo.TownName, demo.TownCode, size, base64.StdEncoding.EncodeToString(root[:]))
	further := a.furtherDemoTowns()
	for _, t := range further {
		lg, err := a.store.LogByTown(ctx, t.Code)
		if err != nil {
			return err
		}
		size, err := a.store.Size(ctx, lg.ID)
		if err != nil {
			return err
		}
		root, err := a.ledger.TreeHash(ctx, lg, size)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "demo town %s (%s): %d entries, root %s\n", t.Name, t.Code, size, base64.StdEncoding.EncodeToString(root[:]))
	}
	fmt.Fprintf(out, "planted irregularities (run `sunshine run-job scan`, then see the flags):\n")
	for _, p := range demo.Planted {
		fmt.Fprintf(out, "  %s  %s\n", p.Rule, p.What)
	}
	if len(further) > 0 {
		fmt.Fprintf(out, "planted across towns (for the cross-town rules):\n")
		for _, p := range demo.PlantedCounty {
			fmt.Fprintf(out, "  %s  %s\n", p.Rule, p.What)
		}
	}
	fmt.Fprintf(out, "logins of %s: %s; password %s\n", demo.TownName, demo.Logins(demo.Options{}), demo.Password)
	for _, t := range further {
		fmt.Fprintf(out, "logins of %s: %s; password %s\n", t.Name, demo.Logins(t), demo.Password)
	}
	if len(further) > 0 {
		fmt.Fprintf(out, "county office (all towns, read-only): %s; password %s\n", demo.CountyUser, demo.Password)
	}
	return nil
}
