package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
)

func cmdMigrate(ctx context.Context, args []string, out io.Writer) error {
	cfg, _, err := loadConfig("migrate", args, nil)
	if err != nil {
		return err
	}
	store, err := cfg.openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "applied %d migration(s); the %s schema is current\n", n, store.Dialect())
	return nil
}

// verifierLedger opens the database read-only in spirit (no migration, no
// key generation) with the signing key, or only a public key.
func verifierLedger(ctx context.Context, cfg *Config, pubFile string) (*gormstore.Store, *ledger.Ledger, error) {
	store, err := cfg.openStore()
	if err != nil {
		return nil, nil, err
	}
	if p, err := store.Pending(ctx); err != nil || len(p) > 0 {
		store.Close()
		if err == nil {
			err = fmt.Errorf("the schema is behind (%d migrations pending)", len(p))
		}
		return nil, nil, err
	}
	opts := ledger.Options{Store: store, Location: cfg.Location}
	if pubFile != "" {
		raw, err := os.ReadFile(pubFile)
		if err != nil {
			store.Close()
			return nil, nil, err
		}
		if opts.PublicKey, err = ledger.ParseVerifierKey(string(raw)); err != nil {
			store.Close()
			return nil, nil, err
		}
	} else {
		path := cfg.SigningKeyFile
		if path == "" {
			path = filepath.Join(cfg.Data, "keys", "signing.key")
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			store.Close()
			return nil, nil, fmt.Errorf("%w (or give --public-key)", err)
		}
		if opts.Key, err = ledger.ParseSigningKey(string(raw)); err != nil {
			store.Close()
			return nil, nil, err
		}
	}
	return store, ledger.New(opts), nil
}

func selectLogs(ctx context.Context, store ledger.Store, town string) ([]ledger.Log, error) {
	if town != "" {
		lg, err := store.LogByTown(ctx, town)
		if err != nil {
			return nil, fmt.Errorf("town %s: %w", town, err)
		}
		return []ledger.Log{lg}, nil
	}
	return store.Logs(ctx)
}

func cmdVerify(ctx context.Context, args []string, out io.Writer) error {
	var pub, only string
	var deep bool
	var witnessFiles listFlag
	cfg, _, err := loadConfig("verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&pub, "public-key", "", "verify with this verifier key file instead of the signing key")
		fs.StringVar(&only, "only-town", "", "verify only this town's log (default: every log)")
		fs.BoolVar(&deep, "deep", false, "also parse every entry, check recording times and the actors' roles, and replay the entries through the projections' rules")
		fs.Var(&witnessFiles, "witness-key", "a file holding a witness's verifier key (name+id+key); repeatable. Checks the stored cosignatures of that witness: "+
			"fails on one that does not verify over its stored checkpoint, or when the latest stored checkpoint lacks its valid cosignature")
	})
	if err != nil {
		return err
	}
	var ws []ledger.Witness
	for _, f := range witnessFiles {
		raw, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("--witness-key: %w", err)
		}
		w, err := ledger.WitnessKey(strings.TrimSpace(string(raw)), "")
		if err != nil {
			return fmt.Errorf("--witness-key %s: %w", f, err)
		}
		ws = append(ws, w)
	}
	store, l, err := verifierLedger(ctx, cfg, pub)
	if err != nil {
		return err
	}
	defer store.Close()
	defer l.Close()
	logs, err := selectLogs(ctx, store, only)
	if err != nil {
		return err
	}
	bad := false
	for _, lg := range logs {
		o := ledger.VerifyOptions{Deep: deep}
		var done func()
		if deep {
			if o.Scratch, done, err = scratchStore(ctx); err != nil {
				return err
			}
		}
		rep, err := l.Verify(ctx, lg, o)
		if done != nil {
			done()
		}
		if err != nil {
			return err
		}
		if rep.OK() {
			note := ""
			if deep && !rep.ProjectionsCompared {
				note = " (the log grew meanwhile: projections not compared)"
			}
			fmt.Fprintf(out, "OK   %s: size %d verified, %d checkpoints, root %s%s\n", lg.Origin, rep.Head, rep.Checkpoints, base64.StdEncoding.EncodeToString(rep.Root[:]), note)
		} else {
			bad = true
			fmt.Fprintf(out, "FAIL %s: size %d verified, first bad seq %d; %d problem(s):\n", lg.Origin, rep.Head, rep.FirstBadSeq, len(rep.Problems))
			for _, p := range rep.Problems {
				fmt.Fprintf(out, "  seq %d [%s] %s\n", p.Seq, p.Kind, p.Detail)
			}
		}
		if len(ws) > 0 {
			ok, err := verifyCosignatures(ctx, store, lg, ws, out)
			if err != nil {
				return err
			}
			bad = bad || !ok
		}
	}
	if bad {
		return exitError{1}
	}
	return nil
}

// verifyCosignatures checks the stored cosignatures of the witnesses ws
// over the log's stored checkpoints and prints, per witness, how many
// checkpoints it cosigned. The rule: it fails (false) when a stored
// cosignature of a listed witness does not verify over the stored
// checkpoint of its size (the checkpoint was changed after the witness
// cosigned it, or the line is forged), or when the latest stored checkpoint
// lacks a valid cosignature of a listed witness (a checkpoint signed a
// moment ago may still be waiting for it: the service asks within a
// second; run verify again).
func verifyCosignatures(ctx context.Context, store *gormstore.Store, lg ledger.Log, ws []ledger.Witness, out io.Writer) (bool, error) {
	cps, err := store.Checkpoints(ctx, lg.ID)
	if err != nil {
		return false, err
	}
	cos, err := store.AllCosignatures(ctx, lg.ID)
	if err != nil {
		return false, err
	}
	ok := true
	for _, t := range ledger.AuditCosignatures(cps, cos, ws) {
		name := t.Witness.Name
		fmt.Fprintf(out, "WITNESS %s %s: cosigned %d of %d checkpoints, the largest of size %d; %d bad cosignature(s)\n",
			lg.Origin, name, t.Cosigned, len(cps), t.Latest, len(t.Bad))
		if len(t.Bad) > 0 {
			ok = false
			sizes := make([]string, 0, 5)
			for _, n := range t.Bad[:min(len(t.Bad), 5)] {
				sizes = append(sizes, strconv.FormatInt(n, 10))
			}
			more := ""
			if len(t.Bad) > 5 {
				more = ", …"
			}
			fmt.Fprintf(out, "FAIL %s: %d cosignature(s) of witness %s do not verify over the stored checkpoint of their size (sizes %s%s): "+
				"the checkpoints were changed after the witness cosigned them\n", lg.Origin, len(t.Bad), name, strings.Join(sizes, ", "), more)
		}
		if len(cps) > 0 && !t.CosignedLatest {
			ok = false
			last := cps[len(cps)-1]
			fmt.Fprintf(out, "FAIL %s: the latest checkpoint (size %d, signed %s) has no valid cosignature of witness %s\n",
				lg.Origin, last.Size, last.CreatedAt.UTC().Format(time.RFC3339), name)
		}
	}
	return ok, nil
}

func cmdRebuild(ctx context.Context, args []string, out io.Writer) error {
	var only string
	cfg, _, err := loadConfig("rebuild", args, func(fs *flag.FlagSet) {
		fs.StringVar(&only, "only-town", "", "rebuild only this town's log (default: every log)")
	})
	if err != nil {
		return err
	}
	store, l, err := verifierLedger(ctx, cfg, "")
	if err != nil {
		return err
	}
	defer store.Close()
	defer l.Close()
	logs, err := selectLogs(ctx, store, only)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sunshine-rebuild-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bad := false
	for i, lg := range logs {
		// Each log is replayed into an empty scratch SQLite database.
		scratch, err := gormstore.OpenWith(filepath.Join(tmp, fmt.Sprintf("scratch-%d.db", i)), gormstore.Options{SQLiteSync: "off"})
		if err != nil {
			return err
		}
		if _, err := scratch.Migrate(ctx); err != nil {
			scratch.Close()
			return err
		}
		rep, err := l.Rebuild(ctx, lg, scratch)
		scratch.Close()
		if err != nil {
			return err
		}
		if len(rep.Differences) == 0 {
			fmt.Fprintf(out, "OK   %s: %d entries replayed; projections equal the rebuild\n", lg.Origin, rep.Entries)
			continue
		}
		bad = true
		fmt.Fprintf(out, "DIFF %s: %d entries replayed\n", lg.Origin, rep.Entries)
		for _, d := range rep.Differences {
			fmt.Fprintf(out, "  %s\n", d)
		}
	}
	if bad {
		return exitError{1}
	}
	return nil
}

func cmdKeygen(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	dir := fs.String("out", filepath.Join("data", "keys"), "folder to write signing.key, signing.pub and master.key into (never overwritten)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	skey, vkey, err := ledger.GenerateSigningKey(rand.Reader)
	if err != nil {
		return err
	}
	if err := writeKeyFiles(*dir, "signing.key", skey, "signing.pub", vkey); err != nil {
		return err
	}
	if err := writeKeyFiles(*dir, "master.key", newMasterKey(), "", ""); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s (private: SUNSHINE_SIGNING_KEY_FILE), %s (public) and %s (SUNSHINE_MASTER_KEY_FILE)\n",
		filepath.Join(*dir, "signing.key"), filepath.Join(*dir, "signing.pub"), filepath.Join(*dir, "master.key"))
	return nil
}

func cmdHealthcheck(ctx context.Context, args []string, out io.Writer) error {
	cfg, _, err := loadConfig("healthcheck", args, nil)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz answered %d", resp.StatusCode)
	}
	fmt.Fprintln(out, "ok")
	return nil
}

// cmdErasePerson erases one person's personal data (PIPL): their data key
// and blind-index rows go; the log and its tree are untouched. The person is
// named by internal id, or by ID number read from standard input (never a
// command-line argument, which other users of the machine can see).
func cmdErasePerson(ctx context.Context, args []string, out io.Writer) error {
	var fromStdin bool
	cfg, rest, err := loadConfig("erase-person", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&fromStdin, "id-number-stdin", false, "read the person's ID number from standard input instead of taking an internal id")
	})
	if err != nil {
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
	var id int64
	switch {
	case fromStdin:
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the ID number: %w", err)
		}
		p, err := a.service.FindPersonByID(ctx, a.log, strings.TrimSpace(line))
		if err != nil {
			return fmt.Errorf("find the person: %w", err)
		}
		id = p.ID
	case len(rest) == 1:
		if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil {
			return fmt.Errorf("the person's internal id must be a number")
		}
	default:
		return fmt.Errorf("usage: sunshine erase-person PERSON_ID | --id-number-stdin")
	}
	if err := a.service.ErasePerson(ctx, a.log, id); err != nil {
		return err
	}
	fmt.Fprintf(out, "erased the personal data of person %d (town %s); the log is unchanged\n", id, cfg.Town)
	return nil
}

// cmdUser manages staff accounts: `sunshine user add --username NAME --role
// ROLE [--villages CODE,CODE]`, reading the password from standard input
// (never a command-line argument).
func cmdUser(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "disable", "enable", "reset", "unlock":
			return cmdUserManage(ctx, args[0], args[1:], out)
		}
	}
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("%s", userUsage)
	}
	var username, role, villages string
	cfg, _, err := loadConfig("user add", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the new user's login name")
		fs.StringVar(&role, "role", "", "admin, finance, approver, monitor, discipline, auditor or county (the county office: reads every town, belongs to no village)")
		fs.StringVar(&villages, "villages", "", "comma-separated village codes (monitors)")
	})
	if err != nil {
		return err
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	// A mistyped --town would otherwise make a new town of that code.
	if err := homeTownKnown(ctx, cfg); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer a.Close()
	var vs []string
	for _, v := range strings.Split(villages, ",") {
		if v = strings.TrimSpace(v); v != "" {
			vs = append(vs, v)
		}
	}
	known, err := a.service.Villages(ctx, a.log)
	if err != nil {
		return err
	}
	exists := func(code string) bool {
		for _, v := range known {
			if v.Code == code {
				return true
			}
		}
		return false
	}
	u, err := a.auth.CreateUser(ctx, a.log, "system", ledger.NewUser{Username: username, Password: password, Role: role, Villages: vs}, exists, nil)
	if err != nil {
		var le *ledger.Error
		if errors.As(err, &le) {
			return errors.New(le.Detail)
		}
		return err
	}
	fmt.Fprintf(out, "created user %s (%s, %s) in town %s\n", u.Username, u.ID, u.Role, u.Town)
	return nil
}

const userUsage = `usage: sunshine user add --username NAME --role ROLE [--villages CODE,...] < password
       sunshine user disable --username NAME
       sunshine user enable --username NAME
       sunshine user reset --username NAME < new password   (must be changed at the next login)
       sunshine user unlock --username NAME`

// cmdUserManage disables, enables, unlocks or resets the password of any
// account of any town of the database, the county office's included (no
// town admin may enable, reset or unlock those). It acts as "system": the
// entries (user_updated, user_password_reset, user_unlocked) are in the
// account's own town log, and verify --deep accepts them from "system".
func cmdUserManage(ctx context.Context, verb string, args []string, out io.Writer) error {
	var username string
	cfg, _, err := loadConfig("user "+verb, args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the account's login name")
	})
	if err != nil {
		return err
	}
	if username == "" {
		return fmt.Errorf("%s", userUsage)
	}
	var password string
	if verb == "reset" {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read the new password from standard input: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if err := homeTownKnown(ctx, cfg); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer a.Close()
	rec, err := a.auth.Accounts.UserByName(ctx, username)
	if ledger.IsNotFound(err) {
		return fmt.Errorf("no user %q", username)
	}
	if err != nil {
		return err
	}
	lg, err := a.store.LogByTown(ctx, rec.Town)
	if err != nil {
		return fmt.Errorf("the town %s of user %s: %w", rec.Town, username, err)
	}
	switch verb {
	case "disable", "enable":
		_, err = a.auth.UpdateAccess(ctx, lg, ledger.ActorSystem, rec.ID, rec.Villages, verb == "disable", nil)
	case "reset":
		err = a.auth.ResetPassword(ctx, lg, ledger.ActorSystem, rec.ID, password)
	case "unlock":
		err = a.auth.Unlock(ctx, lg, ledger.ActorSystem, rec.ID)
	}
	if err != nil {
		var le *ledger.Error
		if errors.As(err, &le) {
			return errors.New(le.Detail)
		}
		return err
	}
	done := map[string]string{"disable": "disabled", "enable": "enabled", "reset": "reset the password of (must change it at the next login)", "unlock": "unlocked"}[verb]
	fmt.Fprintf(out, "%s user %s (%s, %s) in town %s\n", done, rec.Username, rec.ID, rec.Role, rec.Town)
	return nil
}

// cmdRunJob runs one scheduled job now (the same run as the schedule's,
// with its lease and run record) and prints the record. It exits 1 when the
// run failed.
func cmdRunJob(ctx context.Context, args []string, out io.Writer) error {
	cfg, rest, err := loadConfig("run-job", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("usage: sunshine run-job NAME (one of scan, verify, checkpoint, notices, publicity, escalate, loans; notify and digest with SUNSHINE_NOTIFY_FILE)")
	}
	a, err := openApp(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.jobs.RunNow(ctx, rest[0])
	if err != nil && r.Job == "" {
		return fmt.Errorf("%s: %w (jobs: %s)", rest[0], err, strings.Join(a.jobs.Names(), ", "))
	}
	b, _ := json.MarshalIndent(api.JobRunDTOOf(r), "", "  ")
	fmt.Fprintln(out, string(b))
	if r.Outcome == ledger.OutcomeFailure {
		return exitError{1}
	}
	return nil
}
