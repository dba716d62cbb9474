package ledger

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// ExportFormat names the export's format: gzip-compressed JSON lines, a
// header first, then entries by seq, checkpoints by size, the personal-data
// records (still encrypted: the data keys wrapped by the master key), the
// blind-index rows and the stored blobs (published notices' PDFs and
// content).
const ExportFormat = "sunshine-export/1"

// ExportHeader opens an export: what it holds and the tree it reproduces.
type ExportHeader struct {
	Format string `json:"format"`
	Town   string `json:"town"`
	Origin string `json:"origin"`
	Size   int64  `json:"size"`
	Root   string `json:"root"` // standard base64
	// HeadNote is the note the log's writer signed over Size (absent in
	// exports made before notes were kept); the import stores it with the
	// head, where the restored log's writer checks it like any other.
	HeadNote []byte `json:"head_note,omitempty"`
}

type exportLine struct {
	Header     *ExportHeader  `json:"header,omitempty"`
	Entry      []byte         `json:"entry,omitempty"` // E
	Checkpoint *exportCheck   `json:"checkpoint,omitempty"`
	Private    *PrivateRecord `json:"private,omitempty"`
	Blind      *exportBlind   `json:"blind,omitempty"`
	Blob       *exportBlob    `json:"blob,omitempty"`
}

type exportCheck struct {
	Size      int64     `json:"size"`
	Note      []byte    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

type exportBlind struct {
	Kind   string `json:"kind"`
	Hash   string `json:"hash"`
	Person int64  `json:"person"`
}

type exportBlob struct {
	SHA256 string `json:"sha256"`
	Data   []byte `json:"data"`
}

// Export writes a log as one portable file (ExportFormat): the backup, and
// the way from SQLite to MySQL and back. Staff accounts (password hashes,
// sessions) and job runs are not in it. It returns the header written.
func (l *Ledger) Export(ctx context.Context, lg Log, w io.Writer) (ExportHeader, error) {
	size, note, err := l.store.Head(ctx, lg.ID)
	if err != nil {
		return ExportHeader{}, err
	}
	root, err := l.TreeHash(ctx, lg, size)
	if err != nil {
		return ExportHeader{}, err
	}
	h := ExportHeader{Format: ExportFormat, Town: lg.Town, Origin: lg.Origin, Size: size, Root: base64.StdEncoding.EncodeToString(root[:]),
		HeadNote: note}
	zw := gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	put := func(x exportLine) error { return enc.Encode(x) }
	if err := put(exportLine{Header: &h}); err != nil {
		return h, err
	}
	for n := int64(0); n < size; {
		rows, err := l.store.Entries(ctx, lg.ID, n, 4096)
		if err != nil {
			return h, err
		}
		if len(rows) == 0 {
			return h, fmt.Errorf("export: entry %d is missing: run verify", n)
		}
		for _, r := range rows {
			if r.Seq >= size {
				break
			}
			if err := put(exportLine{Entry: r.Body}); err != nil {
				return h, err
			}
			n = r.Seq + 1
		}
	}
	cps, err := l.store.Checkpoints(ctx, lg.ID)
	if err != nil {
		return h, err
	}
	for _, c := range cps {
		if c.Size <= size {
			if err := put(exportLine{Checkpoint: &exportCheck{Size: c.Size, Note: c.Note, CreatedAt: c.CreatedAt}}); err != nil {
				return h, err
			}
		}
	}
	bk := l.store.Books(ctx, lg.ID)
	recs, err := bk.PrivateRecords()
	if err != nil {
		return h, err
	}
	for i := range recs {
		if err := put(exportLine{Private: &recs[i]}); err != nil {
			return h, err
		}
	}
	if err := bk.BlindIndexes(func(kind, hash string, person int64) error {
		return put(exportLine{Blind: &exportBlind{Kind: kind, Hash: hash, Person: person}})
	}); err != nil {
		return h, err
	}
	if err := bk.Blobs(func(sha string, data []byte) error {
		return put(exportLine{Blob: &exportBlob{SHA256: sha, Data: data}})
	}); err != nil {
		return h, err
	}
	return h, zw.Close()
}

// ImportLog reads an export into a database that has no log for its town:
// it appends the entries with their stored hashes (recomputed), replays them
// through the same apply code as the writer into the projections, and
// restores the checkpoints, personal-data records, blind index and blobs.
// It refuses an export whose recomputed root differs from its header. It
// returns the new log and the header.
func ImportLog(ctx context.Context, store Store, r io.Reader, now time.Time) (Log, ExportHeader, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return Log{}, ExportHeader{}, fmt.Errorf("import: not an export file: %w", err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(zr, 1<<20))
	var first exportLine
	if err := dec.Decode(&first); err != nil || first.Header == nil || first.Header.Format != ExportFormat {
		return Log{}, ExportHeader{}, errors.New("import: not a " + ExportFormat + " file")
	}
	h := *first.Header
	lg, err := store.CreateLog(ctx, h.Town, h.Origin, now.UTC())
	if err != nil {
		return Log{}, h, fmt.Errorf("import: %w", err)
	}
	// The tree as rebuilt so far, pruned to its frontier after each batch.
	hashes := HashMap{}
	var pending []exportLine
	var n int64
	flushEntries := func(batch [][]byte) error {
		err := store.Write(ctx, lg.ID, func(tx WriteTx, size int64) error {
			if size != n {
				return fmt.Errorf("import: log size %d, expected %d", size, n)
			}
			bk := newCachedBooks(tx.Books(lg.ID))
			var rows []StoredEntry
			start := tlog.StoredHashIndex(0, n)
			var hs []tlog.Hash
			for _, body := range batch {
				e, err := ParseEntry(body)
				if err != nil {
					return fmt.Errorf("import: entry %d: %w", n, err)
				}
				if e.Seq != n {
					return fmt.Errorf("import: entry %d has seq %d", n, e.Seq)
				}
				sh, err := hashes.Add(n, tlog.RecordHash(body))
				if err != nil {
					return err
				}
				hs = append(hs, sh...)
				rows = append(rows, StoredEntry{Seq: n, Type: e.Type, EffectiveOn: e.EffectiveOn, RecordedAt: e.RecordedAt, Actor: e.Actor, Body: body})
				if err := apply(bk, e); err != nil {
					return fmt.Errorf("import: replay entry %d (%s): %w", n, e.Type, err)
				}
				bk.end(true)
				n++
			}
			if err := tx.InsertEntries(lg.ID, rows); err != nil {
				return err
			}
			if err := tx.InsertHashes(lg.ID, start, hs); err != nil {
				return err
			}
			var note []byte
			if n == h.Size {
				note = h.HeadNote
			}
			if err := tx.SetSize(lg.ID, n, note); err != nil {
				return err
			}
			return bk.flush()
		})
		hashes.Prune(n)
		return err
	}
	var batch [][]byte
	for {
		var x exportLine
		if err := dec.Decode(&x); err == io.EOF {
			break
		} else if err != nil {
			return lg, h, fmt.Errorf("import: %w", err)
		}
		if x.Entry != nil {
			batch = append(batch, x.Entry)
			if len(batch) == 2048 {
				if err := flushEntries(batch); err != nil {
					return lg, h, err
				}
				batch = batch[:0]
			}
			continue
		}
		pending = append(pending, x)
	}
	if len(batch) > 0 {
		if err := flushEntries(batch); err != nil {
			return lg, h, err
		}
	}
	if n != h.Size {
		return lg, h, fmt.Errorf("import: %d entries, the header says %d", n, h.Size)
	}
	root, err := tlog.TreeHash(n, hashes)
	if err != nil {
		return lg, h, err
	}
	if got := base64.StdEncoding.EncodeToString(root[:]); got != h.Root {
		return lg, h, fmt.Errorf("import: the entries give root %s, the header says %s", got, h.Root)
	}
	err = store.Write(ctx, lg.ID, func(tx WriteTx, _ int64) error {
		bk := tx.Books(lg.ID)
		for _, x := range pending {
			switch {
			case x.Private != nil:
				rec := *x.Private
				erased := len(rec.WrappedKey) == 0
				if erased {
					rec.WrappedKey = []byte{0} // removed again below: the data stays unreadable
				}
				if err := bk.PutPrivate(rec); err != nil {
					return err
				}
				if erased {
					if err := bk.ErasePrivate(x.Private.Person); err != nil {
						return err
					}
				}
			case x.Blind != nil:
				if err := bk.PutBlindIndex(x.Blind.Kind, x.Blind.Hash, x.Blind.Person); err != nil {
					return err
				}
			case x.Blob != nil:
				if err := bk.PutBlob(x.Blob.SHA256, x.Blob.Data); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return lg, h, err
	}
	// A checkpoint's root, at its own size, from the hashes now stored (the
	// in-memory tree keeps only the frontier of the last size).
	stored := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return store.ReadHashes(ctx, lg.ID, idx) })
	for _, x := range pending {
		if x.Checkpoint != nil {
			c := Checkpoint{Size: x.Checkpoint.Size, Note: x.Checkpoint.Note, CreatedAt: x.Checkpoint.CreatedAt}
			if c.Root, err = tlog.TreeHash(c.Size, stored); err != nil {
				return lg, h, err
			}
			if err := store.PutCheckpoint(ctx, lg.ID, c); err != nil {
				return lg, h, err
			}
		}
	}
	return lg, h, nil
}
