// Command sunshine runs Sunshine Ledger (阳光账本) and its tools.
//
//	sunshine serve [--demo]     run the service (settings: README)
//	sunshine demo [--demo-seed N] [--demo-towns N]  load the demo town (or N towns) into an empty database
//	sunshine migrate            apply the embedded schema migrations
//	sunshine verify             recompute and check every log; exit 1 on a mismatch
//	sunshine rebuild            compare the live projections with a rebuild from the log
//	sunshine keygen [--out DIR] write a checkpoint signing key pair and a master key
//	sunshine run-job NAME       run a scheduled job now and print its record
//	sunshine user add ...       add a staff user (password on standard input)
//	sunshine town add|list ...  add a further town of the county (its log); list the towns
//	sunshine erase-person ID    erase one person's personal data (PIPL)
//	sunshine export FILE        back up the town's log as one portable file
//	sunshine import-log FILE    restore an export into an empty database
//	sunshine verify-notice F    check a notice PDF against the ledger (online once or offline)
//	sunshine witness            cosign other services' checkpoints (C2SP tlog-witness; witness.go)
//	sunshine healthcheck        exit 0 when the local service answers /healthz
//
// Wiring lives here and nowhere else.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // SUNSHINE_TZ works on machines without zoneinfo
)

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout)
	stop()
	os.Exit(code)
}

var commands = map[string]struct {
	help string
	run  func(ctx context.Context, args []string, out io.Writer) error
}{
	"serve":         {"run the service", cmdServe},
	"demo":          {"load the demo town (镇头镇) into an empty database and exit", cmdDemo},
	"migrate":       {"apply the embedded schema migrations (needs DDL rights)", cmdMigrate},
	"verify":        {"recompute every log's tree and check its checkpoints; exit 1 on any mismatch", cmdVerify},
	"rebuild":       {"rebuild the projections from the log and report differences from the live tables", cmdRebuild},
	"keygen":        {"write a new checkpoint signing key pair and master key", cmdKeygen},
	"erase-person":  {"erase one person's personal data (PIPL); the log is untouched", cmdErasePerson},
	"run-job":       {"run a scheduled job now (scan, verify, checkpoint, notices, publicity, escalate, loans) and print its record", cmdRunJob},
	"town":          {"the county's towns: town add --code CODE --name NAME [--short-name S] [--phone P]... (creates its log); town list", cmdTown},
	"user":          {"staff accounts: user add --username NAME --role ROLE [--villages CODES] < password; user disable|enable|unlock --username NAME; user reset --username NAME < password", cmdUser},
	"healthcheck":   {"exit 0 when the local service answers /healthz (for container health checks)", cmdHealthcheck},
	"export":        {"write the town's log, checkpoints, encrypted personal data and stored notices as one file (backup; SQLite ⇄ MySQL)", cmdExport},
	"import-log":    {"read an export into a database without that town's log; the tree root must match", cmdImportLog},
	"verify-notice": {"check a notice PDF against the ledger: signature, rows, consistency (online once, or offline with a bundle)", cmdVerifyNotice},
}

func usage(out io.Writer) {
	fmt.Fprintln(out, "usage: sunshine <command> [flags]\n\ncommands:")
	for _, name := range []string{"serve", "demo", "migrate", "verify", "rebuild", "keygen", "run-job", "town", "user", "erase-person", "export", "import-log", "verify-notice", "witness", "healthcheck"} {
		fmt.Fprintf(out, "  %-14s %s\n", name, commands[name].help)
	}
	fmt.Fprintln(out, "\nRun `sunshine <command> -h` for its flags. Every flag can also be set by its SUNSHINE_* variable.")
}

// exitError carries an exit status other than 1.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func run(ctx context.Context, args []string, out io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "sunshine: unknown command %q\n", args[0])
		usage(os.Stderr)
		return 2
	}
	if err := cmd.run(ctx, args[1:], out); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "sunshine %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
