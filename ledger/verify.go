package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Problem is one thing verification found wrong.
type Problem struct {
	// Seq is the first entry the problem concerns, or -1 when it concerns no
	// single entry (a checkpoint, the head).
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`   // stable: missing_entry, bad_entry, hash_mismatch, missing_hash, extra_hash, checkpoint_signature, checkpoint_root, checkpoint_beyond_log, head_mismatch, unsigned_entries, time_backwards, actor_not_allowed, projection_mismatch
	Detail string `json:"detail"` // Chinese, for auditors
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Log Log
	// Head is the size the head row claimed when the verify began: the size
	// verified. Entries, hashes and checkpoints appended after it are growth,
	// not part of this verify.
	Head        int64
	Entries     int64     // dense entries found from seq 0
	Root        tlog.Hash // recomputed root over those entries
	Checkpoints int       // checkpoints checked
	Problems    []Problem
	FirstBadSeq int64 // -1 when no problem names an entry
	// ProjectionsCompared says the deep check compared the live projections
	// with a replay (the log did not grow meanwhile).
	ProjectionsCompared bool
}

// OK reports whether verification found nothing wrong.
func (r VerifyReport) OK() bool { return len(r.Problems) == 0 }

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Deep also parses every entry and checks its payload is canonical JSON
	// (slower; the hash comparison already detects any changed byte).
	Deep bool
	// Chunk is how many entries are read at a time; 0 means 4096.
	Chunk int
	// Progress, when set, is called after each chunk with the entries
	// checked so far and the log's size when the verify began.
	Progress func(done, total int64)
	// Scratch, when set with Deep, is an empty migrated store into which
	// the entries are replayed through the projections' rules (what
	// `sunshine rebuild` does, up to the size verified): an entry the rules
	// cannot apply is a problem, and so is a difference from the live
	// projections when the log did not grow meanwhile (ReplayCheck). It runs
	// only when everything else verified.
	Scratch Store
}

const maxProblems = 100

// Verify recomputes every leaf and stored hash of the log from its entries,
// compares them with the stored hashes, checks every stored checkpoint's
// signature against the public key and its root against the recomputed tree,
// and checks that the head is one this service's writers signed. It checks
// the log up to the size fixed when it begins (the head, read after the list
// of checkpoints): every entry and stored hash below it was committed with
// that head, so the log may grow meanwhile without any of the growth being
// read or reported. It returns a report naming the first bad seq; the error
// is for failures to read, not for what was found.
func (l *Ledger) Verify(ctx context.Context, lg Log, o VerifyOptions) (VerifyReport, error) {
	if o.Chunk <= 0 {
		o.Chunk = 4096
	}
	rep := VerifyReport{Log: lg, FirstBadSeq: -1}
	add := func(seq int64, kind, format string, args ...any) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, Problem{Seq: seq, Kind: kind, Detail: fmt.Sprintf(format, args...)})
		}
		if seq >= 0 && (rep.FirstBadSeq < 0 || seq < rep.FirstBadSeq) {
			rep.FirstBadSeq = seq
		}
	}
	// Checkpoints first, then the head: a checkpoint signed while this runs
	// is then never beyond the size verified.
	cps, err := l.store.Checkpoints(ctx, lg.ID)
	if err != nil {
		return rep, err
	}
	head, headNote, err := l.store.Head(ctx, lg.ID)
	if err != nil {
		return rep, err
	}
	rep.Head = head
	vkey, err := l.VerifierKey(lg)
	if err != nil {
		return rep, err
	}
	var deep *deepCheck
	if o.Deep {
		deep = newDeepCheck(lg)
	}

	tree := HashMap{} // recomputed frontier
	cpi := 0
	lastGood := int64(0) // size of the last checkpoint that matched
	checkCheckpoints := func(n int64) error {
		for cpi < len(cps) && cps[cpi].Size == n {
			c := cps[cpi]
			cpi++
			rep.Checkpoints++
			root, err := tlog.TreeHash(n, tree)
			if err != nil {
				return err
			}
			if vkey != "" {
				b, err := OpenCheckpoint(c.Note, vkey)
				if err != nil {
					add(-1, "checkpoint_signature", "大小为 %d 的检查点签名无效：%v", c.Size, err)
					continue
				}
				if b.Size != c.Size || b.Root != c.Root || b.Origin != lg.Origin {
					add(-1, "checkpoint_signature", "大小为 %d 的检查点内容与签名正文不符", c.Size)
					continue
				}
			}
			if c.Root != root {
				// Name the first entry the hash comparison already found bad
				// in the range this checkpoint covers past the last good one;
				// only when it found none (the stored hashes were rewritten to
				// match) is the range's start all that can be named.
				seq := int64(-1)
				for _, p := range rep.Problems {
					if p.Seq >= lastGood && (seq < 0 || p.Seq < seq) {
						seq = p.Seq
					}
				}
				if seq < 0 {
					seq = lastGood
				}
				add(seq, "checkpoint_root", "大小为 %d 的已签名检查点根哈希与重算结果不符：序号 %d 至 %d 之间的条目被改动", c.Size, lastGood, c.Size-1)
				continue
			}
			lastGood = c.Size
		}
		return nil
	}
	if err := checkCheckpoints(0); err != nil {
		return rep, err
	}

	var n int64
	stop := false
	for !stop && n < head {
		rows, err := l.store.Entries(ctx, lg.ID, n, int(min(int64(o.Chunk), head-n)))
		if err != nil {
			return rep, err
		}
		if len(rows) == 0 {
			break
		}
		// Only what the head covers: an entry past it (an insider's row
		// the head does not name) is not part of the log.
		for len(rows) > 0 && rows[len(rows)-1].Seq >= head {
			rows = rows[:len(rows)-1]
		}
		if len(rows) == 0 {
			break
		}
		lo := tlog.StoredHashIndex(0, n)
		hi := tlog.StoredHashIndex(0, min(n+int64(len(rows)), head))
		stored, err := l.store.HashRange(ctx, lg.ID, lo, hi)
		if err != nil {
			return rep, err
		}
		si := 0
		for _, r := range rows {
			if r.Seq != n {
				add(n, "missing_entry", "序号 %d 的条目缺失（其后为序号 %d）", n, r.Seq)
				stop = true
				break
			}
			if msg := checkEnvelope(r, lg.Origin); msg != "" {
				add(n, "bad_entry", "序号 %d 的条目与其记录列不符：%s", n, msg)
			} else if deep != nil {
				if e, err := ParseEntry(r.Body); err != nil {
					add(n, "bad_entry", "序号 %d 的条目不是规范编码：%v", n, err)
				} else {
					deep.entry(e, add)
				}
			}
			hs, err := tree.Add(n, tlog.RecordHash(r.Body))
			if err != nil {
				return rep, err
			}
			start := tlog.StoredHashIndex(0, n)
			for j, h := range hs {
				idx := start + int64(j)
				for si < len(stored) && stored[si].Index < idx {
					add(n, "extra_hash", "存在多余的树哈希（索引 %d）", stored[si].Index)
					si++
				}
				switch {
				case si >= len(stored) || stored[si].Index != idx:
					add(n, "missing_hash", "序号 %d 的树哈希（索引 %d）缺失", n, idx)
				case stored[si].Hash != h:
					if j == 0 {
						add(n, "hash_mismatch", "序号 %d 的条目内容与存储的叶哈希不符", n)
					} else {
						add(n, "hash_mismatch", "序号 %d 写入的第 %d 层树哈希与重算结果不符", n, j)
					}
					si++
				default:
					si++
				}
			}
			n++
			if len(tree) > 256 {
				tree.Prune(n)
			}
			if err := checkCheckpoints(n); err != nil {
				return rep, err
			}
		}
		for ; !stop && si < len(stored); si++ { // after a missing entry, its hashes are not extra
			add(n, "extra_hash", "存在多余的树哈希（索引 %d）", stored[si].Index)
		}
		if o.Progress != nil {
			o.Progress(n, head)
		}
	}
	rep.Entries = n
	tree.Prune(n)
	if rep.Root, err = tlog.TreeHash(n, tree); err != nil {
		return rep, err
	}
	if head != n && !stop {
		add(n, "head_mismatch", "账本头记录的大小为 %d，实际连续条目为 %d 条", head, n)
	}
	for ; cpi < len(cps); cpi++ {
		add(n, "checkpoint_beyond_log", "大小为 %d 的已签名检查点超出了现有的 %d 条条目：序号 %d 起的条目缺失", cps[cpi].Size, n, n)
	}
	if n == head && head > 0 && vkey != "" {
		if seq, kind, msg := headSigned(lg, vkey, head, rep.Root, headNote, cps); msg != "" {
			add(seq, kind, "%s", msg)
		}
	}
	if deep != nil && len(rep.Problems) == 0 && o.Scratch != nil {
		diffs, compared, err := l.ReplayCheck(ctx, lg, o.Scratch, head)
		if err != nil {
			return rep, err
		}
		rep.ProjectionsCompared = compared
		for _, d := range diffs {
			add(-1, "projection_mismatch", "按条目重放的账目与现有账目不符：%s", d)
		}
	}
	return rep, nil
}

// headSigned checks that the head of size n and recomputed root carries a
// note this service's writer signed over exactly that tree (or, for a head
// written before notes were kept, that the latest checkpoint covers it). It
// returns the seq to name (−1: none), the problem's kind and a Chinese
// detail, or "" when the head is sound: unsigned_entries for rows past what
// a writer signed, head_mismatch for a head moved back below it.
func headSigned(lg Log, vkey string, n int64, root tlog.Hash, note []byte, cps []Checkpoint) (int64, string, string) {
	if note == nil {
		var covered int64
		for _, c := range cps {
			covered = max(covered, c.Size)
		}
		if covered >= n {
			return -1, "", ""
		}
		return covered, "unsigned_entries", fmt.Sprintf("账本头（%d 条）没有本服务写入时的签名，已签名检查点只覆盖到 %d 条：序号 %d 起的条目不是本服务写入的", n, covered, covered)
	}
	b, err := OpenCheckpoint(note, vkey)
	if err != nil || b.Origin != lg.Origin {
		return 0, "unsigned_entries", fmt.Sprintf("账本头（%d 条）的签名无效：其中的条目不能确认是本服务写入的", n)
	}
	switch {
	case b.Size < n:
		return b.Size, "unsigned_entries", fmt.Sprintf("账本头为 %d 条，本服务写入时只签署到 %d 条：序号 %d 至 %d 的条目不是本服务写入的", n, b.Size, b.Size, n-1)
	case b.Size > n:
		return n, "head_mismatch", fmt.Sprintf("账本头记录的大小为 %d，本服务写入时签署的大小为 %d：序号 %d 起的条目缺失或账本头被改回", n, b.Size, n)
	case b.Root != root:
		return -1, "unsigned_entries", fmt.Sprintf("账本头（%d 条）的签名与重算的树不符：条目被改动", n)
	}
	return -1, "", ""
}

// checkEnvelope checks, without a full parse, that E carries the columns
// stored beside it, the log's origin and its seq: E begins with actor,
// effective_on, log and "payload":{ and ends with recorded_at, seq, type and
// v, in that (canonical) order. It returns what is wrong, or "".
func checkEnvelope(r StoredEntry, origin string) string {
	var p bytes.Buffer
	p.WriteString(`{"actor":`)
	writeCanonString(&p, r.Actor)
	body := r.Body
	if !bytes.HasPrefix(body, p.Bytes()) {
		return "操作人、业务日期或账本名不符"
	}
	// A withheld entry is blinded (v=2): "blind" follows "actor".
	blinded := false
	rest := body[p.Len():]
	const blindKey = `,"blind":"`
	if bytes.HasPrefix(rest, []byte(blindKey)) {
		enc := base64.RawURLEncoding.EncodedLen(BlindSize)
		if len(rest) < len(blindKey)+enc+1 || rest[len(blindKey)+enc] != '"' {
			return "盲化值格式不符"
		}
		if _, err := base64.RawURLEncoding.Strict().DecodeString(string(rest[len(blindKey) : len(blindKey)+enc])); err != nil {
			return "盲化值格式不符"
		}
		blinded = true
		rest = rest[len(blindKey)+enc+1:]
	}
	p.Reset()
	p.WriteString(`,"effective_on":`)
	writeCanonString(&p, r.EffectiveOn)
	p.WriteString(`,"log":`)
	writeCanonString(&p, origin)
	p.WriteString(`,"payload":{`)
	if !bytes.HasPrefix(rest, p.Bytes()) {
		return "操作人、业务日期或账本名不符"
	}
	if blinded && IsPublic(r.Type) {
		return "公开条目不应盲化"
	}
	var s bytes.Buffer
	s.WriteString(`},"recorded_at":`)
	writeCanonString(&s, r.RecordedAt.UTC().Format(time.RFC3339))
	s.WriteString(`,"seq":`)
	s.WriteString(strconv.FormatInt(r.Seq, 10))
	s.WriteString(`,"type":`)
	writeCanonString(&s, r.Type)
	if blinded {
		s.WriteString(`,"v":2}`)
	} else {
		s.WriteString(`,"v":1}`)
	}
	if !bytes.HasSuffix(r.Body, s.Bytes()) {
		return "记录时间、序号或类型不符"
	}
	return ""
}
