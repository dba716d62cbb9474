package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/sunshine-ledger/sunshine/ledger"
)

const townUsage = `usage: sunshine town add --code CODE --name NAME [--short-name S] [--phone P]...
       sunshine town list`

// cmdTown manages the towns of the database: `sunshine town add` creates a
// further town of the county (its log and its town_registered entry, as
// start-up does for SUNSHINE_TOWN); `sunshine town list` prints them all.
func cmdTown(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(townUsage)
	}
	switch args[0] {
	case "add":
		return cmdTownAdd(ctx, args[1:], out)
	case "list":
		return cmdTownList(ctx, args[1:], out)
	}
	return errors.New(townUsage)
}

// newTown is what `sunshine town add` was asked for.
type newTown struct {
	code, name, short string
	phones            listFlag
}

// check refuses bad input before anything is opened: a code that is not a
// 6- to 12-digit 区划代码 (SUNSHINE_TOWN's rule), an empty or overlong name,
// a phone that is not one.
func (t *newTown) check() error {
	t.code, t.name, t.short = strings.TrimSpace(t.code), strings.TrimSpace(t.name), strings.TrimSpace(t.short)
	var errs []error
	if !townCodeRe.MatchString(t.code) {
		errs = append(errs, fmt.Errorf("--code must be the town's 6- to 12-digit 区划代码 (e.g. 430181117), not %q", t.code))
	}
	if t.name == "" {
		errs = append(errs, errors.New("--name is required (the town's name as notices print it, e.g. 镇头镇)"))
	} else if utf8.RuneCountInString(t.name) > 100 {
		errs = append(errs, errors.New("--name must be at most 100 characters"))
	}
	if utf8.RuneCountInString(t.short) > 20 {
		errs = append(errs, errors.New("--short-name must be at most 20 characters"))
	}
	// The ledger refuses invisible characters in any entry; refused here,
	// before the town's log is made, nothing is left behind.
	for flag, v := range map[string]string{"--name": t.name, "--short-name": t.short} {
		if r, bad := ledger.InvisibleRune(v); bad {
			errs = append(errs, fmt.Errorf("%s holds an invisible character (U+%04X)", flag, r))
		}
	}
	for i, p := range t.phones {
		p = strings.TrimSpace(p)
		t.phones[i] = p
		if !townPhoneLike(p) {
			errs = append(errs, fmt.Errorf("--phone %q is not a phone number (3 to 20 digits, spaces, - or +)", p))
		}
	}
	return errors.Join(errs...)
}

// townPhoneLike is the ledger's rule for a town's supervision phone
// (3 to 20 characters: digits, '-', ' ', '+').
func townPhoneLike(p string) bool {
	if len(p) < 3 || len(p) > 20 {
		return false
	}
	for _, r := range p {
		if !(r >= '0' && r <= '9' || r == '-' || r == ' ' || r == '+') {
			return false
		}
	}
	return true
}

// cmdTownAdd creates a further town of the county: its log, with the origin
// <host of SUNSHINE_PUBLIC_URL>/log/<code> (the home town's scheme, so that
// the one signing key signs it and `verify --public-key` checks it), and
// its first entries (town_registered, the source aliases, the subsidy
// catalogue) under actor "system", as start-up writes SUNSHINE_TOWN's.
// Bad input and an existing town change nothing.
func cmdTownAdd(ctx context.Context, args []string, out io.Writer) error {
	var t newTown
	cfg, rest, err := loadConfig("town add", args, func(fs *flag.FlagSet) {
		fs.StringVar(&t.code, "code", "", "the new town's 6- to 12-digit 区划代码")
		fs.StringVar(&t.name, "name", "", "its name as notices print it (e.g. 东岭镇)")
		fs.StringVar(&t.short, "short-name", "", "its short name for notice numbers (default: the name without 镇 or 乡)")
		fs.Var(&t.phones, "phone", "a supervision phone notices print (repeatable)")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments %q\n%s", rest, townUsage)
	}
	if err := t.check(); err != nil {
		return err
	}
	if err := homeTownKnown(ctx, cfg); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer a.Close()
	origin := cfg.Origin(t.code)
	// A one-off command run without the service's SUNSHINE_PUBLIC_URL
	// would name the new log after another host (localhost:8080 by
	// default): refuse, as the home town's origin shows the service's.
	if want := cfg.Origin(cfg.Town); a.log.Origin != want {
		return fmt.Errorf("the home town's log (SUNSHINE_TOWN=%s) has the origin %s, but this SUNSHINE_PUBLIC_URL (%s) would make %s: run with the service's SUNSHINE_PUBLIC_URL (nothing changed)",
			cfg.Town, a.log.Origin, cfg.PublicURL, want)
	}
	lg, err := a.store.LogByTown(ctx, t.code)
	switch {
	case err == nil:
		// a log without its town (a run stopped between the two steps)
		// is finished; a registered town is refused
		if old, err := a.service.Town(ctx, lg); err == nil {
			return fmt.Errorf("town %s exists already (%s, origin %s): nothing changed", t.code, old.Name, lg.Origin)
		} else if !ledger.IsNotFound(err) {
			return err
		}
		origin = lg.Origin
	case ledger.IsNotFound(err):
		if lg, err = a.ledger.EnsureLog(ctx, t.code, origin); err != nil {
			return err
		}
	default:
		return err
	}
	town, err := a.service.RegisterTown(ctx, lg, ledger.ActorSystem, ledger.Town{Code: t.code, Name: t.name, ShortName: t.short, Phones: []string(t.phones)})
	if err != nil {
		var le *ledger.Error
		if errors.As(err, &le) {
			return errors.New(le.Detail)
		}
		return err
	}
	// RegisterTown returns a town registered meanwhile unchanged: another
	// `town add` of the same code at the same moment won.
	if town.Name != t.name {
		return fmt.Errorf("town %s was registered meanwhile by another command (%s, origin %s): nothing changed", t.code, town.Name, lg.Origin)
	}
	vkey, err := a.ledger.VerifierKey(lg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created town %s %s (short name %s), log origin %s\n", town.Code, town.Name, town.ShortName, origin)
	fmt.Fprintf(out, "its verifier key (GET /api/public/key?town=%s):\n%s\n", town.Code, vkey)
	fmt.Fprintf(out, `next:
  - its staff, starting with its admin (the password on standard input):
      sunshine user add --town %s --username NAME --role admin < password
    (--town, or SUNSHINE_TOWN=%s, names the town; the running service needs no restart)
  - with witnesses (SUNSHINE_WITNESSES): add the verifier key above to each witness's
    --logs-file and restart the witness, or they refuse this town's checkpoints
`, town.Code, town.Code)
	return nil
}

// homeTownKnown refuses a database that holds towns but not SUNSHINE_TOWN:
// openApp would otherwise make a log for it (镇头镇's, when SUNSHINE_TOWN
// was forgotten) before the new town is added. An empty or unmigrated
// database passes: the home town is made as at start-up.
func homeTownKnown(ctx context.Context, cfg *Config) error {
	store, err := cfg.openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	if p, err := store.Pending(ctx); err != nil || len(p) > 0 {
		return nil // openApp migrates or refuses
	}
	if _, err := store.LogByTown(ctx, cfg.Town); !ledger.IsNotFound(err) {
		return err
	}
	logs, err := store.Logs(ctx)
	if err != nil || len(logs) == 0 {
		return err
	}
	return fmt.Errorf("SUNSHINE_TOWN=%s has no log in this database, which holds %d town(s), the first %s: run with the service's SUNSHINE_TOWN (nothing changed)",
		cfg.Town, len(logs), logs[0].Town)
}

// cmdTownList prints every town of the database, in the order they were
// added: code, log origin, entries and name. It reads only (no migration, no keys).
func cmdTownList(ctx context.Context, args []string, out io.Writer) error {
	cfg, rest, err := loadConfig("town list", args, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments %q\n%s", rest, townUsage)
	}
	store, err := cfg.openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	if p, err := store.Pending(ctx); err != nil {
		return err
	} else if len(p) > 0 {
		return fmt.Errorf("the database schema is behind (%d migration(s) pending): run `sunshine migrate`", len(p))
	}
	l := ledger.New(ledger.Options{Store: store, Location: cfg.Location})
	defer l.Close()
	svc := &ledger.Service{L: l}
	logs, err := store.Logs(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	// the name last: tabwriter counts a Chinese character as one column
	fmt.Fprintln(tw, "CODE\tORIGIN\tENTRIES\tNAME")
	for _, lg := range logs {
		name := "(not registered)"
		if t, err := svc.Town(ctx, lg); err == nil {
			name = t.Name
		} else if !ledger.IsNotFound(err) {
			return fmt.Errorf("town %s: %w", lg.Town, err)
		}
		size, err := store.Size(ctx, lg.ID)
		if ledger.IsNotFound(err) {
			size, err = 0, nil
		}
		if err != nil {
			return fmt.Errorf("town %s: %w", lg.Town, err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", lg.Town, lg.Origin, size, name)
	}
	return tw.Flush()
}
