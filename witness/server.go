package witness

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/glebarez/go-sqlite" // registers the "sqlite" driver
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Options configure a Witness.
type Options struct {
	// DB is the path of the witness's own SQLite file.
	DB string
	// Signer is the witness's cosignature/v1 key.
	Signer *Signer
	// Logs are the verifier keys of the logs it witnesses; a key's name is
	// the log's origin.
	Logs []string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logger receives why a checkpoint was refused (nil: slog.Default()).
	Logger *slog.Logger
}

// Witness cosigns checkpoints of the logs it knows, each only when it is
// consistent with the latest checkpoint it cosigned for that log.
type Witness struct {
	db     *sql.DB
	signer *Signer
	logs   map[string]note.Verifier
	order  []string
	now    func() time.Time
	log    *slog.Logger
	mu     sync.Mutex // one add-checkpoint at a time
	mux    *http.ServeMux
}

// New opens (creating) the witness's state.
func New(o Options) (*Witness, error) {
	if o.Signer == nil {
		return nil, errors.New("witness: no key")
	}
	w := &Witness{signer: o.Signer, logs: map[string]note.Verifier{}, now: o.Now, log: o.Logger}
	if w.now == nil {
		w.now = time.Now
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	for _, k := range o.Logs {
		v, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			return nil, fmt.Errorf("witness: log key %q: %w", k, err)
		}
		if _, dup := w.logs[v.Name()]; dup {
			return nil, fmt.Errorf("witness: log %q listed twice", v.Name())
		}
		w.logs[v.Name()] = v
		w.order = append(w.order, v.Name())
	}
	db, err := sql.Open("sqlite", o.DB+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS tree_heads (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root TEXT NOT NULL, note BLOB NOT NULL, cosigned_at TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS refusals (id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, at TEXT NOT NULL, old_size INTEGER NOT NULL, size INTEGER NOT NULL, reason TEXT NOT NULL)`,
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			return nil, fmt.Errorf("witness state %s: %w", o.DB, err)
		}
	}
	w.db = db
	w.mux = http.NewServeMux()
	w.mux.HandleFunc("POST /add-checkpoint", w.serveAddCheckpoint)
	w.mux.HandleFunc("GET /{$}", w.serveStatus)
	w.mux.HandleFunc("GET /key", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(rw, w.signer.VerifierKey()+"\n")
	})
	return w, nil
}

// Close closes the state.
func (w *Witness) Close() error { return w.db.Close() }

// VerifierKey returns the witness's cosignature/v1 vkey.
func (w *Witness) VerifierKey() string { return w.signer.VerifierKey() }

// ServeHTTP serves POST /add-checkpoint, GET / (the status page) and GET /key.
func (w *Witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) { w.mux.ServeHTTP(rw, r) }

// Head is the latest checkpoint the witness cosigned for a log.
type Head struct {
	Origin     string
	Size       int64
	Root       tlog.Hash
	Note       []byte
	CosignedAt time.Time
}

// Head returns the latest checkpoint cosigned for origin (ok false: none).
func (w *Witness) Head(ctx context.Context, origin string) (h Head, ok bool, err error) {
	var root, at string
	err = w.db.QueryRowContext(ctx, "SELECT origin, size, root, note, cosigned_at FROM tree_heads WHERE origin = ?", origin).
		Scan(&h.Origin, &h.Size, &root, &h.Note, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Head{}, false, nil
	}
	if err != nil {
		return Head{}, false, err
	}
	if h.Root, err = tlog.ParseHash(root); err != nil {
		return Head{}, false, fmt.Errorf("witness state: bad root for %s", origin)
	}
	h.CosignedAt, _ = time.Parse(time.RFC3339, at)
	return h, true, nil
}

// reqError is an add-checkpoint answer other than 200.
type reqError struct {
	status int
	msg    string // English, for the client and the witness's log
	known  int64  // for 409
}

func (e *reqError) Error() string { return e.msg }

func bad(status int, format string, args ...any) *reqError {
	return &reqError{status: status, msg: fmt.Sprintf(format, args...)}
}

const maxRequest = 64 << 10

func (w *Witness) serveAddCheckpoint(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		http.Error(rw, "cannot read the request", http.StatusBadRequest)
		return
	}
	if len(body) > maxRequest {
		http.Error(rw, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	sigs, err := w.AddCheckpoint(r.Context(), body)
	var re *reqError
	if errors.As(err, &re) {
		if re.status == http.StatusConflict {
			rw.Header().Set("Content-Type", "text/x.tlog.size")
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprintf(rw, "%d\n", re.known)
			return
		}
		http.Error(rw, re.msg, re.status)
		return
	}
	if err != nil {
		w.log.Error("witness: add-checkpoint failed", "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Write(sigs)
}

// parsed is an add-checkpoint request.
type parsed struct {
	old   int64
	proof tlog.TreeProof
	note  []byte
}

func parseRequest(body []byte) (parsed, error) {
	head, msg, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return parsed{}, bad(http.StatusBadRequest, "want the old size and proof, a blank line, then the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	s, ok := strings.CutPrefix(lines[0], "old ")
	if !ok {
		return parsed{}, bad(http.StatusBadRequest, `the first line must be "old <size>"`)
	}
	old, err := strconv.ParseInt(s, 10, 64)
	if err != nil || old < 0 || strconv.FormatInt(old, 10) != s {
		return parsed{}, bad(http.StatusBadRequest, "bad old size %q", s)
	}
	p := parsed{old: old, note: msg}
	if len(lines)-1 > 63 {
		return parsed{}, bad(http.StatusBadRequest, "consistency proof too long")
	}
	for _, l := range lines[1:] {
		h, err := tlog.ParseHash(l)
		if err != nil || h.String() != l {
			return parsed{}, bad(http.StatusBadRequest, "bad proof hash %q", l)
		}
		p.proof = append(p.proof, h)
	}
	return p, nil
}

// checkpoint is a parsed checkpoint body (C2SP tlog-checkpoint).
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func parseCheckpoint(text string) (checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return checkpoint{}, errors.New("want origin, size and root lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("bad size %q", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil || root.String() != lines[2] {
		return checkpoint{}, errors.New("bad root hash")
	}
	return checkpoint{origin: lines[0], size: size, root: root}, nil
}

// AddCheckpoint handles the body of a POST /add-checkpoint and returns the
// cosignature line(s), or a *reqError carrying the HTTP status.
func (w *Witness) AddCheckpoint(ctx context.Context, body []byte) ([]byte, error) {
	req, err := parseRequest(body)
	if err != nil {
		return nil, err
	}
	origin, _, _ := strings.Cut(string(req.note), "\n")
	v, ok := w.logs[origin]
	if !ok {
		return nil, bad(http.StatusNotFound, "unknown log %q", origin)
	}
	n, err := note.Open(req.note, note.VerifierList(v))
	if err != nil {
		var unv *note.UnverifiedNoteError
		var inv *note.InvalidSignatureError
		if errors.As(err, &unv) || errors.As(err, &inv) {
			w.refuse(ctx, origin, req.old, -1, "检查点没有该账本密钥的有效签名", "no valid signature by the log's key")
			return nil, bad(http.StatusForbidden, "the checkpoint carries no valid signature by the log's key")
		}
		return nil, bad(http.StatusBadRequest, "malformed checkpoint note: %v", err)
	}
	c, err := parseCheckpoint(n.Text)
	if err != nil {
		return nil, bad(http.StatusBadRequest, "malformed checkpoint: %v", err)
	}
	if req.old > c.size {
		return nil, bad(http.StatusBadRequest, "old size %d is larger than the checkpoint's size %d", req.old, c.size)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	known, have, err := w.Head(ctx, origin)
	if err != nil {
		return nil, err
	}
	if req.old != known.Size {
		w.log.Info("witness: old size does not match", "origin", origin, "old", req.old, "known", known.Size)
		return nil, &reqError{status: http.StatusConflict, msg: "old size does not match", known: known.Size}
	}
	if req.old == 0 || !have {
		if len(req.proof) != 0 {
			w.refuse(ctx, origin, req.old, c.size, "旧大小为 0 时一致性证明必须为空", "a proof from size 0 must be empty")
			return nil, bad(http.StatusUnprocessableEntity, "a consistency proof from size 0 must be empty")
		}
	} else if err := tlog.CheckTree(req.proof, c.size, c.root, known.Size, known.Root); err != nil {
		why := fmt.Sprintf("大小为 %d 的检查点与已联署的大小为 %d 的检查点不一致（一致性证明无效），拒绝联署：账本可能被改写或分叉", c.size, known.Size)
		if c.size == known.Size {
			why = fmt.Sprintf("大小同为 %d 的检查点根哈希与已联署的不同，拒绝联署：账本可能被改写或分叉", c.size)
		}
		w.refuse(ctx, origin, req.old, c.size, why, "inconsistent with the checkpoint it holds (bad consistency proof)")
		return nil, bad(http.StatusUnprocessableEntity, "bad consistency proof from size %d to %d", known.Size, c.size)
	}
	now := w.now().UTC()
	var res sql.Result
	if have {
		res, err = w.db.ExecContext(ctx, "UPDATE tree_heads SET size = ?, root = ?, note = ?, cosigned_at = ? WHERE origin = ? AND size = ?",
			c.size, c.root.String(), req.note, now.Format(time.RFC3339), origin, known.Size)
	} else {
		res, err = w.db.ExecContext(ctx, "INSERT INTO tree_heads (origin, size, root, note, cosigned_at) VALUES (?, ?, ?, ?, ?)",
			origin, c.size, c.root.String(), req.note, now.Format(time.RFC3339))
	}
	if err != nil {
		return nil, err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return nil, errors.New("witness state changed underneath")
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndex(signed, []byte("\n\n"))
	return signed[i+2:], nil
}

// refuse logs and keeps why a checkpoint was not cosigned.
func (w *Witness) refuse(ctx context.Context, origin string, old, size int64, reasonZh, reasonEn string) {
	w.log.Warn("witness: refused to cosign", "origin", origin, "old", old, "size", size, "why", reasonEn)
	if _, err := w.db.ExecContext(ctx, "INSERT INTO refusals (origin, at, old_size, size, reason) VALUES (?, ?, ?, ?, ?)",
		origin, w.now().UTC().Format(time.RFC3339), old, size, reasonZh); err != nil {
		w.log.Error("witness: cannot record a refusal", "err", err)
	}
}

// Refusal is a checkpoint the witness would not cosign.
type Refusal struct {
	Origin    string
	At        time.Time
	Old, Size int64
	Reason    string
}

// Refusals returns the latest refusals, newest first.
func (w *Witness) Refusals(ctx context.Context, limit int) ([]Refusal, error) {
	rows, err := w.db.QueryContext(ctx, "SELECT origin, at, old_size, size, reason FROM refusals ORDER BY id DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Refusal
	for rows.Next() {
		var f Refusal
		var at string
		if err := rows.Scan(&f.Origin, &at, &f.Old, &f.Size, &f.Reason); err != nil {
			return nil, err
		}
		f.At, _ = time.Parse(time.RFC3339, at)
		out = append(out, f)
	}
	return out, rows.Err()
}

var statusPage = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>见证人 {{.Name}}</title>
<style>body{font-family:sans-serif;margin:1.5em;max-width:60em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;text-align:left}code{word-break:break-all}</style></head>
<body><h1>见证人：{{.Name}}</h1>
<p>本见证人只联署与它已联署的上一个检查点一致的新检查点：账本若被改写或向不同的人展示不同的版本，它会拒绝联署。</p>
<p>见证人公钥：<code>{{.Key}}</code></p>
<h2>见证的账本</h2>
<table><tr><th>账本</th><th>最新联署的检查点（条目数）</th><th>根哈希</th><th>联署时间（UTC）</th></tr>
{{range .Logs}}<tr><td><code>{{.Origin}}</code></td>{{if .Have}}<td>{{.Size}}</td><td><code>{{.Root}}</code></td><td>{{.At}}</td>{{else}}<td colspan="3">尚未联署</td>{{end}}</tr>
{{end}}</table>
<h2>最近拒绝联署的记录</h2>
{{if .Refusals}}<table><tr><th>时间（UTC）</th><th>账本</th><th>原因</th></tr>
{{range .Refusals}}<tr><td>{{.At.Format "2006-01-02 15:04:05"}}</td><td><code>{{.Origin}}</code></td><td>{{.Reason}}</td></tr>
{{end}}</table>{{else}}<p>没有。</p>{{end}}
</body></html>`))

func (w *Witness) serveStatus(rw http.ResponseWriter, r *http.Request) {
	type row struct {
		Origin, Root, At string
		Size             int64
		Have             bool
	}
	data := struct {
		Name, Key string
		Logs      []row
		Refusals  []Refusal
	}{Name: w.signer.Name(), Key: w.signer.VerifierKey()}
	for _, o := range w.order {
		h, ok, err := w.Head(r.Context(), o)
		if err != nil {
			http.Error(rw, "内部错误", http.StatusInternalServerError)
			return
		}
		x := row{Origin: o, Have: ok}
		if ok {
			x.Size, x.Root, x.At = h.Size, base64.StdEncoding.EncodeToString(h.Root[:]), h.CosignedAt.Format("2006-01-02 15:04:05")
		}
		data.Logs = append(data.Logs, x)
	}
	var err error
	if data.Refusals, err = w.Refusals(r.Context(), 20); err != nil {
		http.Error(rw, "内部错误", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	statusPage.Execute(rw, data)
}
