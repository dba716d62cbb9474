package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// cmdExport writes the configured town's log as one portable file: the
// backup, and the way between SQLite and MySQL.
func cmdExport(ctx context.Context, args []string, out io.Writer) error {
	cfg, rest, err := loadConfig("export", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("usage: sunshine export [flags] FILE")
	}
	store, l, err := verifierLedger(ctx, cfg, "")
	if err != nil {
		return err
	}
	defer store.Close()
	defer l.Close()
	lg, err := store.LogByTown(ctx, cfg.Town)
	if err != nil {
		return fmt.Errorf("town %s: %w", cfg.Town, err)
	}
	f, err := os.Create(rest[0])
	if err != nil {
		return err
	}
	h, err := l.Export(ctx, lg, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(rest[0])
		return err
	}
	fmt.Fprintf(out, "exported %s: %d entries, root %s → %s\n", h.Origin, h.Size, h.Root, rest[0])
	return nil
}

// cmdImportLog reads an export into a database without that town's log
// (migrating it first when SUNSHINE_MIGRATE is auto), then verifies it.
func cmdImportLog(ctx context.Context, args []string, out io.Writer) error {
	cfg, rest, err := loadConfig("import-log", args, func(*flag.FlagSet) {})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("usage: sunshine import-log [flags] FILE")
	}
	store, err := cfg.openStore()
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.Migrate == "auto" {
		if _, err := store.Migrate(ctx); err != nil {
			return err
		}
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	lg, h, err := ledger.ImportLog(ctx, store, f, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "imported %s: %d entries, root %s (the same as exported); run `sunshine verify` next\n", lg.Origin, h.Size, h.Root)
	return nil
}
