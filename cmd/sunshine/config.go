package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/notify"
)

// demoMaxTowns is the most demo towns --demo-towns loads.
const demoMaxTowns = demo.MaxTowns

// Config holds the settings of API.md. Each is read from its environment
// variable and may be overridden by a flag of the same name in lower case
// without the prefix (SUNSHINE_PUBLIC_URL → --public-url).
type Config struct {
	Addr              string
	Data              string
	DB                string
	Migrate           string // auto | check
	SQLiteSync        string // SUNSHINE_SQLITE_SYNC: full (default) | normal
	Town              string
	TownName          string
	PublicURL         string
	TZ                string
	SigningKeyFile    string
	MasterKeyFile     string
	AdminPassword     string
	ApprovalThreshold string
	TenderThreshold   string // SUNSHINE_TENDER_THRESHOLD: the 比选/招标 threshold rule F1 names, yuan
	TrustedProxies    []string
	Demo              bool
	DemoSeed          uint64
	DemoTowns         int // SUNSHINE_DEMO_TOWNS: how many demo towns (1: 镇头镇 only)
	DevClock          string
	Witnesses         string // SUNSHINE_WITNESSES: <verifier key>@<base URL>[#display name], comma-separated
	WitnessQuorum     string // SUNSHINE_WITNESS_QUORUM: how many must cosign (default: all)
	NotifyFile        string // SUNSHINE_NOTIFY_FILE: the group bots and e-mail recipients told of what waits (issue 19)

	// Notify is the content of NotifyFile (nil: notifications off).
	Notify *notify.Config

	Location *time.Location
	badTowns string // a SUNSHINE_DEMO_TOWNS validate refuses
}

// The demo's town: 镇头镇, 浏阳市, Hunan.
const (
	defaultTown     = "430181117"
	defaultTownName = "镇头镇"
)

type setting struct {
	env, flag, def, help string
	dst                  *string
}

func (c *Config) settings() []setting {
	return []setting{
		{"SUNSHINE_ADDR", "addr", "127.0.0.1:8080", "listen address", &c.Addr},
		{"SUNSHINE_DATA", "data", "./data", "data folder (SQLite file, generated keys, stored PDFs)", &c.Data},
		{"SUNSHINE_DB", "db", "", "database DSN; mysql://user:pass@tcp(host:port)/db?parseTime=true for MySQL (default: SQLite in the data folder)", &c.DB},
		{"SUNSHINE_MIGRATE", "migrate", "", "auto (migrate at start; default for SQLite) or check (refuse to serve while behind; default for MySQL)", &c.Migrate},
		{"SUNSHINE_SQLITE_SYNC", "sqlite-sync", "full", "SQLite's synchronous setting: full (every acknowledged write survives a power failure) or normal (faster; a power failure can lose the latest acknowledged writes)", &c.SQLiteSync},
		{"SUNSHINE_TOWN", "town", defaultTown, "the town this service starts with", &c.Town},
		{"SUNSHINE_TOWN_NAME", "town-name", defaultTownName, "its name", &c.TownName},
		{"SUNSHINE_PUBLIC_URL", "public-url", "http://localhost:8080", "public base URL printed in QR codes; its host names the checkpoint origin", &c.PublicURL},
		{"SUNSHINE_TZ", "tz", "Asia/Shanghai", "business time zone", &c.TZ},
		{"SUNSHINE_SIGNING_KEY_FILE", "signing-key-file", "", "checkpoint signing key (default: generated under <data>/keys)", &c.SigningKeyFile},
		{"SUNSHINE_MASTER_KEY_FILE", "master-key-file", "", "master key of the personal data (default: generated under <data>/keys)", &c.MasterKeyFile},
		{"SUNSHINE_ADMIN_PASSWORD", "admin-password", "", "bootstrap admin password", &c.AdminPassword},
		{"SUNSHINE_APPROVAL_THRESHOLD", "approval-threshold", "5000.00", "maker-checker threshold in yuan", &c.ApprovalThreshold},
		{"SUNSHINE_TENDER_THRESHOLD", "tender-threshold", "100000.00", "the 比选/招标 threshold the town sets, in yuan: rule F1 flags payments split below it", &c.TenderThreshold},
		{"SUNSHINE_DEV_CLOCK", "dev-clock", "", "fixed (RFC 3339) or offset (Go duration, e.g. -720h) clock; only with SUNSHINE_DEMO", &c.DevClock},
		{"SUNSHINE_WITNESSES", "witnesses", "", "witnesses that cosign every checkpoint: comma-separated <witness verifier key>@<base URL>, the URL optionally ending in #<display name>", &c.Witnesses},
		{"SUNSHINE_WITNESS_QUORUM", "witness-quorum", "", "how many of the witnesses must cosign a checkpoint (default: all)", &c.WitnessQuorum},
		{"SUNSHINE_NOTIFY_FILE", "notify-file", "", "JSON file of the 企业微信/钉钉 group bots and the e-mail digest's recipients and SMTP server told of new flags, deadlines, approvals and failed jobs (default: notifications off)", &c.NotifyFile},
	}
}

// loadConfig reads the environment, then the flags in args.
func loadConfig(name string, args []string, extra func(fs *flag.FlagSet)) (*Config, []string, error) {
	c := &Config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, s := range c.settings() {
		v := s.def
		if e, ok := os.LookupEnv(s.env); ok {
			v = e
		}
		fs.StringVar(s.dst, s.flag, v, s.help+" ["+s.env+"]")
	}
	proxies := os.Getenv("SUNSHINE_TRUSTED_PROXIES")
	fs.StringVar(&proxies, "trusted-proxies", proxies, "comma-separated proxies whose forwarded-for headers are believed [SUNSHINE_TRUSTED_PROXIES]")
	demo := envBool("SUNSHINE_DEMO")
	fs.BoolVar(&demo, "demo", demo, "load the demo town on an empty database [SUNSHINE_DEMO]")
	seed := uint64(2026)
	if v := os.Getenv("SUNSHINE_DEMO_SEED"); v != "" {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			seed = n
		}
	}
	fs.Uint64Var(&seed, "demo-seed", seed, "the demo town's seed (same seed and master key → same tree root) [SUNSHINE_DEMO_SEED]")
	towns := "1"
	if v, ok := os.LookupEnv("SUNSHINE_DEMO_TOWNS"); ok {
		towns = v
	}
	fs.StringVar(&towns, "demo-towns", towns, fmt.Sprintf("only with --demo: how many demo towns to load, 1 to %d (镇头镇, then 东岭镇（演示） … coded 4399011xx, and the county login xian) [SUNSHINE_DEMO_TOWNS]", demoMaxTowns))
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	c.Demo, c.DemoSeed = demo, seed
	if n, err := strconv.Atoi(strings.TrimSpace(towns)); err == nil && n >= 1 && n <= demoMaxTowns {
		c.DemoTowns = n
	} else {
		c.badTowns = towns
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if err := c.validate(); err != nil {
		return nil, nil, err
	}
	return c, fs.Args(), nil
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

var (
	townCodeRe = regexp.MustCompile(`^[0-9]{6,12}$`)
	amountRe   = regexp.MustCompile(`^\d+(\.\d{1,2})?$`)
)

func (c *Config) validate() error {
	var errs []error
	if c.DB == "" {
		c.DB = filepath.Join(c.Data, "sunshine.db")
	}
	if c.Migrate == "" {
		c.Migrate = "auto"
		if isMySQL(c.DB) {
			c.Migrate = "check"
		}
	}
	if c.Migrate != "auto" && c.Migrate != "check" {
		errs = append(errs, fmt.Errorf("SUNSHINE_MIGRATE must be auto or check, not %q", c.Migrate))
	}
	if c.SQLiteSync = strings.ToLower(c.SQLiteSync); c.SQLiteSync != "full" && c.SQLiteSync != "normal" {
		errs = append(errs, fmt.Errorf("SUNSHINE_SQLITE_SYNC must be full or normal, not %q", c.SQLiteSync))
	}
	if !townCodeRe.MatchString(c.Town) {
		errs = append(errs, fmt.Errorf("SUNSHINE_TOWN must be a 6- to 12-digit 区划代码, not %q", c.Town))
	}
	if u, err := url.Parse(c.PublicURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		errs = append(errs, fmt.Errorf("SUNSHINE_PUBLIC_URL must be an http(s) URL with a host, not %q", c.PublicURL))
	}
	loc, err := time.LoadLocation(c.TZ)
	if err != nil {
		errs = append(errs, fmt.Errorf("SUNSHINE_TZ: %w", err))
	}
	c.Location = loc
	if !amountRe.MatchString(c.ApprovalThreshold) {
		errs = append(errs, fmt.Errorf("SUNSHINE_APPROVAL_THRESHOLD must be yuan like 5000.00, not %q", c.ApprovalThreshold))
	}
	if t, err := ledger.ParseYuan(c.TenderThreshold); !amountRe.MatchString(c.TenderThreshold) || err != nil || t <= 0 {
		errs = append(errs, fmt.Errorf("SUNSHINE_TENDER_THRESHOLD must be yuan above zero like 100000.00, not %q", c.TenderThreshold))
	}
	if c.DevClock != "" {
		if _, err := c.clock(); err != nil {
			errs = append(errs, err)
		}
	}
	if _, _, err := c.witnesses(); err != nil {
		errs = append(errs, err)
	}
	if c.NotifyFile != "" {
		n, err := notify.Load(c.NotifyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("SUNSHINE_NOTIFY_FILE: %w", err))
		} else if !n.Empty() {
			c.Notify = n
		}
	}
	if c.DemoTowns == 0 {
		errs = append(errs, fmt.Errorf("SUNSHINE_DEMO_TOWNS (--demo-towns) must be a whole number from 1 to %d, not %q", demoMaxTowns, c.badTowns))
	}
	return errors.Join(errs...)
}

func isMySQL(dsn string) bool { return strings.HasPrefix(dsn, "mysql://") }

// storeOptions are the database settings every command opens the books with.
func (c *Config) storeOptions() gormstore.Options {
	return gormstore.Options{SQLiteSync: c.SQLiteSync}
}

// openStore opens the books' database with the configured settings.
func (c *Config) openStore() (*gormstore.Store, error) {
	return gormstore.OpenWith(c.DB, c.storeOptions())
}

// Origin returns the checkpoint origin of a town's log:
// <host of SUNSHINE_PUBLIC_URL>/log/<town code>.
func (c *Config) Origin(town string) string {
	u, _ := url.Parse(c.PublicURL)
	return u.Host + "/log/" + town
}

// clock returns the service clock: the real one, or with SUNSHINE_DEMO a
// fixed or offset clock from SUNSHINE_DEV_CLOCK.
func (c *Config) clock() (func() time.Time, error) {
	if c.DevClock == "" {
		return time.Now, nil
	}
	if !c.Demo {
		return time.Now, nil // honoured only with the demo (DOMAIN: never in production)
	}
	if t, err := time.Parse(time.RFC3339, c.DevClock); err == nil {
		start := time.Now()
		return func() time.Time { return t.Add(time.Since(start)) }, nil
	}
	if d, err := time.ParseDuration(c.DevClock); err == nil {
		return func() time.Time { return time.Now().Add(d) }, nil
	}
	return nil, fmt.Errorf("SUNSHINE_DEV_CLOCK must be an RFC 3339 time or a Go duration, not %q", c.DevClock)
}

// witnesses parses SUNSHINE_WITNESSES and SUNSHINE_WITNESS_QUORUM (0: all).
func (c *Config) witnesses() ([]ledger.Witness, int, error) {
	ws, err := ledger.ParseWitnesses(c.Witnesses)
	if err != nil {
		return nil, 0, fmt.Errorf("SUNSHINE_WITNESSES: %w", err)
	}
	if c.WitnessQuorum == "" {
		return ws, 0, nil
	}
	q, err := strconv.Atoi(c.WitnessQuorum)
	if err != nil || q < 1 || q > len(ws) {
		return nil, 0, fmt.Errorf("SUNSHINE_WITNESS_QUORUM must be a number from 1 to the %d witness(es) of SUNSHINE_WITNESSES, not %q", len(ws), c.WitnessQuorum)
	}
	return ws, q, nil
}
