package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/fsck"
	tmysql "github.com/transparency-dev/tessera/storage/mysql"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
)

// tesseraVersion is the version go.mod requires; the MySQL schema is read
// from that module's directory.
const tesseraVersion = "v1.0.4"

// tesseraSys is Tessera with its POSIX driver on a local directory or its
// MySQL driver on a fresh database of the MariaDB server. An append is
// acknowledged when its IndexFuture resolves: Tessera has then durably
// sequenced it (POSIX: bundle and tile files written with O_SYNC and their
// directory fsynced; MySQL: its transaction committed). No antispam is
// configured, so a repeated entry is a new entry (no idempotency).
type tesseraSys struct {
	driver     string // "posix" or "mysql"
	adminDSN   string
	schemaPath string
	batchSize  uint
	batchAge   time.Duration

	origin   string
	verifier note.Verifier
	cancel   context.CancelFunc
	app      *tessera.Appender
	shutdown func(context.Context) error
	lr       tessera.LogReader
	db       *sql.DB
	drop     func()
	idx      []uint64
}

func (s *tesseraSys) Name() string      { return "tessera-" + s.driver }
func (s *tesseraSys) UsesMariaDB() bool { return s.driver == "mysql" }

// tesseraSchema returns the path of storage/mysql/schema.sql of the Tessera
// module this program is built with.
func tesseraSchema() (string, error) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMODCACHE: %w (set -tessera-schema)", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "github.com", "transparency-dev", "tessera@"+tesseraVersion, "storage", "mysql", "schema.sql")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w (run `go mod download` in bench/peers or set -tessera-schema)", err)
	}
	return p, nil
}

func (s *tesseraSys) Open(ctx context.Context, dir string, n int) error {
	s.idx = make([]uint64, n)
	s.origin = "bench.peers/tessera-" + s.driver
	skey, vkey, err := note.GenerateKey(rand.Reader, s.origin)
	if err != nil {
		return err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return err
	}
	if s.verifier, err = note.NewVerifier(vkey); err != nil {
		return err
	}
	var drv tessera.Driver
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(s.batchSize, s.batchAge)
	if s.driver == "mysql" {
		dsn, drop, err := freshMySQL(s.adminDSN, "peers_tessera_")
		if err != nil {
			return err
		}
		s.drop = drop
		if s.schemaPath == "" {
			if s.schemaPath, err = tesseraSchema(); err != nil {
				return err
			}
		}
		schema, err := os.ReadFile(s.schemaPath)
		if err != nil {
			return err
		}
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return err
		}
		cfg.MultiStatements = true
		init, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return err
		}
		_, err = init.ExecContext(ctx, string(schema))
		init.Close()
		if err != nil {
			return fmt.Errorf("tessera schema: %w", err)
		}
		cfg.MultiStatements = false
		if s.db, err = sql.Open("mysql", cfg.FormatDSN()); err != nil {
			return err
		}
		s.db.SetMaxOpenConns(64)
		s.db.SetMaxIdleConns(64)
		if drv, err = tmysql.New(ctx, s.db); err != nil {
			return err
		}
		// The driver's minimum checkpoint interval is 1 s.
		opts = opts.WithCheckpointInterval(time.Second)
	} else {
		if drv, err = posix.New(ctx, posix.Config{Path: filepath.Join(dir, "tessera")}); err != nil {
			return err
		}
		opts = opts.WithCheckpointInterval(100 * time.Millisecond)
	}
	actx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.app, s.shutdown, s.lr, err = tessera.NewAppender(actx, drv, opts)
	return err
}

func (s *tesseraSys) Append(ctx context.Context, w, i int) error {
	idx, err := s.app.Add(ctx, tessera.NewEntry(canonicalPayload(i)))()
	if err != nil {
		return err
	}
	s.idx[i] = idx.Index
	return nil
}

// Finish shuts the appender down, which waits until everything added is
// integrated and covered by a published checkpoint.
func (s *tesseraSys) Finish(ctx context.Context, n int) error {
	if err := s.shutdown(ctx); err != nil {
		return err
	}
	cp, err := s.checkpoint(ctx)
	if err != nil {
		return err
	}
	if cp.Size != uint64(n) {
		return fmt.Errorf("checkpoint size %d after %d appends", cp.Size, n)
	}
	return nil
}

func (s *tesseraSys) checkpoint(ctx context.Context) (size struct {
	Size uint64
	Hash []byte
}, err error) {
	cp, _, _, err := client.FetchCheckpoint(ctx, s.lr.ReadCheckpoint, s.verifier, s.origin)
	if err != nil {
		return size, err
	}
	size.Size, size.Hash = cp.Size, cp.Hash
	return size, nil
}

func (s *tesseraSys) Count(ctx context.Context) (int64, error) {
	n, err := s.lr.IntegratedSize(ctx)
	return int64(n), err
}

// Proofs builds each inclusion proof from the stored tiles with a new
// client.ProofBuilder (no tile cache carried from one proof to the next),
// as a server answering proof requests from its storage would.
func (s *tesseraSys) Proofs(ctx context.Context, is []int) ([]time.Duration, error) {
	cp, err := s.checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	ds := make([]time.Duration, len(is))
	proofs := make([][][]byte, len(is))
	for j, i := range is {
		start := time.Now()
		pb, err := client.NewProofBuilder(ctx, cp.Size, s.lr.ReadTile)
		if err != nil {
			return nil, err
		}
		p, err := pb.InclusionProof(ctx, s.idx[i])
		ds[j] = time.Since(start)
		if err != nil {
			return nil, err
		}
		proofs[j] = p
	}
	for j, i := range is {
		leaf := rfc6962.DefaultHasher.HashLeaf(canonicalPayload(i))
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, s.idx[i], cp.Size, leaf, proofs[j], cp.Hash); err != nil {
			return nil, fmt.Errorf("proof of index %d: %w", s.idx[i], err)
		}
	}
	return ds, nil
}

// bundleLeafHashes parses an entry bundle and returns the RFC 6962 leaf
// hash of each entry, for fsck.
func bundleLeafHashes(bundle []byte) ([][]byte, error) {
	var eb api.EntryBundle
	if err := eb.UnmarshalText(bundle); err != nil {
		return nil, err
	}
	hs := make([][]byte, len(eb.Entries))
	for k, e := range eb.Entries {
		hs[k] = rfc6962.DefaultHasher.HashLeaf(e)
	}
	return hs, nil
}

// Verify runs Tessera's fsck (one worker, its command's default): it checks
// the checkpoint's signature, rehashes every entry of every bundle,
// rebuilds the tree and compares every stored tile and the checkpoint's root
// with it.
func (s *tesseraSys) Verify(ctx context.Context) (bool, error) {
	f := fsck.New(s.origin, s.verifier, s.lr, bundleLeafHashes, fsck.Opts{N: 1})
	return true, f.Check(ctx)
}

func (s *tesseraSys) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	var err error
	if s.db != nil {
		err = s.db.Close()
	}
	if s.drop != nil {
		s.drop()
	}
	return err
}
