package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// cmdVerifyNotice checks a downloaded notice PDF against the ledger: the
// printed checkpoint's signature, every row's inclusion, the consistency of
// today's tree with the printed checkpoint, that the quorum of the
// witnesses cosigned today's checkpoint, and the PDF's SHA-256 against its
// notice_published entry. Proofs are fetched once from the public API
// (--save-bundle keeps them) or read from a saved bundle (--bundle,
// offline). The witnesses are those given with --witness-key, else those
// the server lists at /api/public/witnesses.
func cmdVerifyNotice(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("verify-notice", flag.ContinueOnError)
	fs.SetOutput(out)
	server := fs.String("server", "", "the public base URL (default: the one in the notice's QR code)")
	keyArg := fs.String("public-key", "", "the town's verifier key, or a file holding it (default: fetched from the server, which proves less)")
	cpFile := fs.String("checkpoint", "", "verify against this checkpoint (e.g. copied from the board) instead of the one in the PDF")
	bundleIn := fs.String("bundle", "", "verify offline from a bundle saved by --save-bundle")
	bundleOut := fs.String("save-bundle", "", "save what was fetched, to verify offline later")
	var witnessKeys listFlag
	fs.Var(&witnessKeys, "witness-key", "a witness's verifier key (name+id+key), or a file holding it; repeatable (default: the witnesses the server lists, which proves less)")
	quorum := fs.Int("witness-quorum", 0, "how many of the witnesses must have cosigned today's checkpoint (default: every --witness-key, or the server's quorum)")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: sunshine verify-notice FILE.pdf [--public-key KEY|FILE] [--witness-key KEY|FILE]… [--witness-quorum K] [--checkpoint FILE] [--server URL] [--bundle FILE] [--save-bundle FILE]")
		fs.PrintDefaults()
	}
	var rest []string
	for len(args) > 0 { // flags may follow the file
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		fs.Usage()
		return exitError{2}
	}
	pdf, err := os.ReadFile(rest[0])
	if err != nil {
		return err
	}
	claim, err := disclosure.ClaimFromPDF(pdf)
	if err != nil {
		return err
	}
	if *cpFile != "" {
		cp, err := os.ReadFile(*cpFile)
		if err != nil {
			return err
		}
		claim.Checkpoint = cp
	}
	var src *bundleSource
	if *bundleIn != "" {
		b, err := os.ReadFile(*bundleIn)
		if err != nil {
			return err
		}
		src = &bundleSource{}
		if err := json.Unmarshal(b, &src.B); err != nil {
			return fmt.Errorf("bundle %s: %w", *bundleIn, err)
		}
		src.offline = true
	} else {
		base := *server
		if base == "" {
			var a disclosure.Attachment
			if raw, err := disclosure.ExtractAttachment(pdf, "rows.json"); err == nil && json.Unmarshal(raw, &a) == nil {
				if u, err := url.Parse(a.VerifyURL); err == nil {
					base = u.Scheme + "://" + u.Host
				}
			}
		}
		if base == "" {
			return errors.New("no server: pass --server URL or --bundle FILE")
		}
		src = &bundleSource{http: &httpSource{base: strings.TrimRight(base, "/"), c: &http.Client{Timeout: 30 * time.Second}}}
		src.B = bundle{Entries: map[int64]bundleEntry{}, Inclusion: map[string][]string{}, Consistency: map[string][]string{}}
	}
	vkey := *keyArg
	if vkey != "" {
		vkey = keyOrFile(vkey)
	} else if src.B.Key != "" {
		vkey = src.B.Key
	} else if src.http != nil {
		k, err := src.http.get(ctx, "/api/public/key")
		if err != nil {
			return err
		}
		vkey = strings.TrimSpace(string(k))
		fmt.Fprintln(out, "注意：未指定 --public-key，使用服务器提供的公钥；请与镇政府公布的公钥核对。")
	}
	src.B.Key = vkey
	if src.http != nil {
		if seq, err := src.http.publishSeq(ctx, claim.Notice); err == nil {
			src.B.PublishSeq = seq
		}
	}
	claim.PublishSeq = src.B.PublishSeq
	if claim.PublishSeq == 0 && src.offline {
		claim.PublishSeq = -1
	}
	trust := disclosure.Trust{Key: vkey, Quorum: *quorum}
	if len(witnessKeys) > 0 {
		for _, k := range witnessKeys {
			w, err := ledger.WitnessKey(keyOrFile(k), "")
			if err != nil {
				return fmt.Errorf("--witness-key %s: %w", k, err)
			}
			trust.Witnesses = append(trust.Witnesses, w)
		}
	} else {
		if src.B.Witnesses == nil && src.http != nil {
			if err := src.fetchWitnesses(ctx); err != nil {
				return err
			}
			if len(src.B.Witnesses) > 0 {
				fmt.Fprintln(out, "注意：未指定 --witness-key，使用服务器列出的见证方；请与见证单位公布的公钥核对。")
			}
		}
		for _, bw := range src.B.Witnesses {
			w, err := ledger.WitnessKey(bw.Key, bw.DisplayName)
			if err != nil {
				return fmt.Errorf("witness %s: %w", bw.Key, err)
			}
			trust.Witnesses = append(trust.Witnesses, w)
		}
		if trust.Quorum == 0 {
			trust.Quorum = src.B.Quorum
		}
	}
	rep := disclosure.Verify(ctx, src, trust, claim)
	fmt.Fprintf(out, "公告 %s：检查点 %d 条，根哈希 %s；今日账本 %d 条\n", rep.Notice, rep.Size, rep.Root, rep.LatestSize)
	for _, c := range rep.Checks {
		mark := "✔"
		if !c.OK {
			mark = "✘"
		}
		fmt.Fprintf(out, "%s %s：%s\n", mark, c.Name, c.Detail)
	}
	if *bundleOut != "" && src.http != nil {
		b, err := json.MarshalIndent(src.B, "", " ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*bundleOut, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(out, "已保存核验材料：%s（可用 --bundle 离线核验）\n", *bundleOut)
	}
	if !rep.OK {
		fmt.Fprintln(out, "核验未通过")
		return exitError{1}
	}
	fmt.Fprintln(out, "核验通过")
	return nil
}

// bundle is what a verification fetched: enough to repeat it offline.
type bundle struct {
	Key         string                `json:"key"`
	Witnesses   []bundleWitness       `json:"witnesses,omitempty"` // as /api/public/witnesses lists them
	Quorum      int                   `json:"witness_quorum,omitempty"`
	Latest      string                `json:"latest"`
	PublishSeq  int64                 `json:"publish_seq"`
	Entries     map[int64]bundleEntry `json:"entries"`
	Inclusion   map[string][]string   `json:"inclusion"`
	Consistency map[string][]string   `json:"consistency"`
}

type bundleWitness struct {
	Key         string `json:"key"`
	DisplayName string `json:"display_name"`
}

// keyOrFile returns the key s, or the contents of the file s names.
func keyOrFile(s string) string {
	if b, err := os.ReadFile(s); err == nil {
		return strings.TrimSpace(string(b))
	}
	return strings.TrimSpace(s)
}

// fetchWitnesses records the witnesses and quorum the server lists (none
// from a server that predates witnesses).
func (s *bundleSource) fetchWitnesses(ctx context.Context) error {
	b, err := s.http.get(ctx, "/api/public/witnesses")
	if errors.Is(err, errNotFound) {
		s.B.Witnesses = []bundleWitness{}
		return nil
	}
	if err != nil {
		return err
	}
	var list struct {
		Quorum    int             `json:"quorum"`
		Witnesses []bundleWitness `json:"witnesses"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("/api/public/witnesses: %w", err)
	}
	s.B.Witnesses, s.B.Quorum = append([]bundleWitness{}, list.Witnesses...), list.Quorum
	return nil
}

type bundleEntry struct {
	Body     []byte `json:"body,omitempty"` // E of a public entry
	LeafHash string `json:"leaf_hash,omitempty"`
}

// bundleSource answers from the bundle, fetching (and recording) what it
// lacks unless offline.
type bundleSource struct {
	B       bundle
	http    *httpSource
	offline bool
}

var (
	errNotInBundle = errors.New("not in the bundle")
	errNotFound    = errors.New("404 Not Found")
)

func (s *bundleSource) Latest(ctx context.Context) ([]byte, error) {
	if s.B.Latest == "" && s.http != nil {
		b, err := s.http.get(ctx, "/api/public/checkpoint")
		if err != nil {
			return nil, err
		}
		s.B.Latest = string(b)
	}
	if s.B.Latest == "" {
		return nil, errNotInBundle
	}
	return []byte(s.B.Latest), nil
}

func (s *bundleSource) Entry(ctx context.Context, seq int64) ([]byte, bool, tlog.Hash, error) {
	e, ok := s.B.Entries[seq]
	if !ok && s.http != nil {
		body, ctype, err := s.http.getType(ctx, fmt.Sprintf("/api/public/entries/%d", seq))
		if err != nil {
			return nil, false, tlog.Hash{}, err
		}
		if strings.HasPrefix(ctype, "application/vnd.sunshine.withheld+json") {
			var w struct {
				LeafHash string `json:"leaf_hash"`
			}
			if err := json.Unmarshal(body, &w); err != nil {
				return nil, false, tlog.Hash{}, err
			}
			e = bundleEntry{LeafHash: w.LeafHash}
		} else {
			e = bundleEntry{Body: body}
		}
		s.B.Entries[seq], ok = e, true
	}
	if !ok {
		return nil, false, tlog.Hash{}, errNotInBundle
	}
	if e.LeafHash != "" {
		h, err := disclosure.ParseRoot(e.LeafHash)
		return nil, true, h, err
	}
	return e.Body, false, tlog.Hash{}, nil
}

func (s *bundleSource) proof(ctx context.Context, m map[string][]string, key, path string) ([]tlog.Hash, error) {
	hs, ok := m[key]
	if !ok && s.http != nil {
		b, err := s.http.get(ctx, path)
		if err != nil {
			return nil, err
		}
		var p struct {
			Hashes []string `json:"hashes"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, err
		}
		hs, ok = p.Hashes, true
		m[key] = hs
	}
	if !ok {
		return nil, errNotInBundle
	}
	out := make([]tlog.Hash, len(hs))
	for i, h := range hs {
		b, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(b) != tlog.HashSize {
			return nil, errors.New("bad proof hash")
		}
		copy(out[i][:], b)
	}
	return out, nil
}

func (s *bundleSource) Inclusion(ctx context.Context, index, size int64) (tlog.RecordProof, error) {
	return s.proof(ctx, s.B.Inclusion, fmt.Sprintf("%d/%d", index, size), fmt.Sprintf("/api/public/proof/inclusion?index=%d&size=%d", index, size))
}

func (s *bundleSource) Consistency(ctx context.Context, old, new int64) (tlog.TreeProof, error) {
	return s.proof(ctx, s.B.Consistency, fmt.Sprintf("%d/%d", old, new), fmt.Sprintf("/api/public/proof/consistency?old=%d&new=%d", old, new))
}

// httpSource fetches from the public API.
type httpSource struct {
	base string
	c    *http.Client
}

func (h *httpSource) get(ctx context.Context, path string) ([]byte, error) {
	b, _, err := h.getType(ctx, path)
	return b, err
}

func (h *httpSource) getType(ctx context.Context, path string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+path, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := h.c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, "", fmt.Errorf("GET %s: %w", path, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return b, resp.Header.Get("Content-Type"), nil
}

// publishSeq returns the seq of a notice's notice_published entry.
func (h *httpSource) publishSeq(ctx context.Context, code string) (int64, error) {
	b, err := h.get(ctx, "/api/public/notices/"+url.PathEscape(code))
	if err != nil {
		return -1, err
	}
	var n struct {
		EntrySeq int64 `json:"entry_seq"`
	}
	err = json.Unmarshal(b, &n)
	return n.EntrySeq, err
}
