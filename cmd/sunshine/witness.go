package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/witness"
)

// The witness mode and `keygen --witness` are registered here, beside the
// commands of main.go.
func init() {
	keygen := commands["keygen"]
	keygen.help += " (--witness NAME: a witness key pair instead)"
	plain := keygen.run
	keygen.run = func(ctx context.Context, args []string, out io.Writer) error {
		for _, a := range args {
			if a == "-witness" || a == "--witness" || strings.HasPrefix(a, "-witness=") || strings.HasPrefix(a, "--witness=") {
				return cmdWitnessKeygen(args, out)
			}
		}
		return plain(ctx, args, out)
	}
	commands["keygen"] = keygen
	w := commands["witness"]
	w.help, w.run = "run a witness (C2SP tlog-witness) that cosigns other services' checkpoints: a county office's own machine", cmdWitness
	commands["witness"] = w
}

// cmdWitnessKeygen writes a witness key pair: <out>/witness.key (private,
// 0600) and witness.pub (the cosignature/v1 verifier key the witnessed
// service lists in SUNSHINE_WITNESSES).
func cmdWitnessKeygen(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	name := fs.String("witness", "", "the witness's name, as on its cosignature lines (e.g. jiwei.liuyang.example or 县纪委监委)")
	dir := fs.String("out", "witness", "folder to write witness.key and witness.pub into (never overwritten)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	skey, vkey, err := witness.GenerateKey(rand.Reader, *name)
	if err != nil {
		return err
	}
	if err := writeKeyFiles(*dir, "witness.key", skey, "witness.pub", vkey); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s (private: SUNSHINE_WITNESS_KEY_FILE) and %s (public):\n%s\n", filepath.Join(*dir, "witness.key"), filepath.Join(*dir, "witness.pub"), vkey)
	return nil
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// readLogKeys reads a file of log verifier keys, one a line (# comments).
func readLogKeys(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// cmdWitness runs the witness until stopped.
func cmdWitness(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("witness", flag.ContinueOnError)
	addr := fs.String("addr", envOr("SUNSHINE_WITNESS_ADDR", "127.0.0.1:7380"), "listen address [SUNSHINE_WITNESS_ADDR]")
	keyFile := fs.String("key-file", envOr("SUNSHINE_WITNESS_KEY_FILE", filepath.Join("witness", "witness.key")), "the witness's private key (sunshine keygen --witness NAME) [SUNSHINE_WITNESS_KEY_FILE]")
	db := fs.String("db", envOr("SUNSHINE_WITNESS_DB", filepath.Join("witness", "witness.db")), "the witness's state, its own SQLite file [SUNSHINE_WITNESS_DB]")
	logsFile := fs.String("logs-file", os.Getenv("SUNSHINE_WITNESS_LOGS_FILE"), "file of the witnessed logs' verifier keys (GET /api/public/key of each), one a line [SUNSHINE_WITNESS_LOGS_FILE]")
	var logs listFlag
	fs.Var(&logs, "log", "a witnessed log's verifier key (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *logsFile != "" {
		ks, err := readLogKeys(*logsFile)
		if err != nil {
			return fmt.Errorf("logs file: %w", err)
		}
		logs = append(logs, ks...)
	}
	if len(logs) == 0 {
		return errors.New("no log to witness: give --log KEY or --logs-file FILE")
	}
	raw, err := readPrivateKey(*keyFile, "witness key")
	if err != nil {
		return err
	}
	signer, err := witness.NewSigner(string(raw), nil)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*db), 0o700); err != nil {
		return err
	}
	w, err := witness.New(witness.Options{DB: *db, Signer: signer, Logs: logs})
	if err != nil {
		return err
	}
	defer w.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	slog.Info("witness serving", "addr", ln.Addr().String(), "name", signer.Name(), "logs", len(logs))
	fmt.Fprintf(out, "witness %s is serving on http://%s (%d log(s)); its key:\n%s\n", signer.Name(), ln.Addr(), len(logs), w.VerifierKey())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// demoWitnesses are the demo's two in-process witnesses: the county's
// discipline office and audit bureau.
var demoWitnesses = []struct{ file, name string }{{"jiwei", "县纪委监委"}, {"shenji", "县审计局"}}

// startDemoWitnesses runs the demo's witnesses on loopback ports, with
// their keys and state under <data>/witness, witnessing the log whose
// verifier key is logVkey. Their cosignatures carry the times of now (the
// demo's clock: the business dates while the town loads, so that the same
// seed and keys give the same notices and root). stop shuts them down.
func startDemoWitnesses(data, logVkey string, now func() time.Time) (ws []ledger.Witness, stop func(), err error) {
	return startDemoWitnessesOf(data, []string{logVkey}, now)
}

// startDemoWitnessesOf is startDemoWitnesses for several logs: the demo
// towns' (--demo-towns).
func startDemoWitnessesOf(data string, logVkeys []string, now func() time.Time) (ws []ledger.Witness, stop func(), err error) {
	dir := filepath.Join(data, "witness")
	var stops []func()
	stop = func() {
		for _, s := range stops {
			s()
		}
	}
	for _, d := range demoWitnesses {
		keyPath := filepath.Join(dir, d.file+".key")
		if _, err := os.Stat(keyPath); errors.Is(err, fs.ErrNotExist) {
			skey, vkey, err := witness.GenerateKey(rand.Reader, d.name)
			if err != nil {
				stop()
				return nil, nil, err
			}
			if err := writeKeyFiles(dir, d.file+".key", skey, d.file+".pub", vkey); err != nil {
				stop()
				return nil, nil, err
			}
		}
		raw, err := readPrivateKey(keyPath, "demo witness key")
		if err != nil {
			stop()
			return nil, nil, err
		}
		signer, err := witness.NewSigner(string(raw), now)
		if err != nil {
			stop()
			return nil, nil, err
		}
		w, err := witness.New(witness.Options{DB: filepath.Join(dir, d.file+".db"), Signer: signer, Logs: logVkeys, Now: now})
		if err != nil {
			stop()
			return nil, nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			w.Close()
			stop()
			return nil, nil, err
		}
		hs := &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second}
		go hs.Serve(ln)
		stops = append(stops, func() { hs.Close(); w.Close() })
		lw, err := ledger.NewWitness(w.VerifierKey(), "http://"+ln.Addr().String()+"#"+d.name)
		if err != nil {
			stop()
			return nil, nil, err
		}
		ws = append(ws, lw)
		slog.Info("demo witness serving", "name", d.name, "addr", ln.Addr().String())
	}
	return ws, stop, nil
}

// setupWitnesses makes the app a witnessed log: the witnesses of
// SUNSHINE_WITNESSES and, with the demo, two in-process ones on the demo's
// clock now. It returns the cosign job (nil without witnesses).
func (a *app) setupWitnesses(now func() time.Time) (*jobs.Job, error) {
	ws, quorum, err := a.cfg.witnesses()
	if err != nil {
		return nil, err
	}
	if a.cfg.Demo {
		vkey, err := a.ledger.VerifierKey(a.log)
		if err != nil {
			return nil, err
		}
		vkeys := []string{vkey}
		// the further demo towns' logs (--demo-towns), by their origins
		for _, t := range a.furtherDemoTowns() {
			k, err := a.ledger.VerifierKey(ledger.Log{Town: t.Code, Origin: a.cfg.Origin(t.Code)})
			if err != nil {
				return nil, err
			}
			vkeys = append(vkeys, k)
		}
		demo, stop, err := startDemoWitnessesOf(a.cfg.Data, vkeys, now)
		if err != nil {
			return nil, fmt.Errorf("demo witnesses: %w", err)
		}
		a.stopWitnesses = stop
		ws = append(ws, demo...)
	}
	if len(ws) == 0 {
		return nil, nil
	}
	a.cosigner = &ledger.Cosigner{L: a.ledger, Store: a.store, Witnesses: ws, Quorum: quorum, Service: a.service}
	ledger.SetCosigner(a.ledger, a.cosigner)
	j := jobs.Cosign(a.ledger, a.cosigner)
	return &j, nil
}
