package api

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// GET /api/public/checkpoint: the latest checkpoint as a C2SP signed note,
// signed anew first when the log has grown (at most one a second), then the
// cosignature lines (C2SP tlog-cosignature) of the witnesses that vouched
// for it. With witnesses configured, Sunshine-Witnesses says how many
// vouched of the quorum ("2/2") and Sunshine-Witnessed whether the quorum
// did ("yes" or "no": a checkpoint short of it is not witnessed).
func (s *Server) publicCheckpoint(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	wc, err := s.ledger.WitnessedCheckpoint(c.Request.Context(), lg)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-cache")
	if st := wc.Status; st != nil {
		c.Header("Sunshine-Witnesses", strconv.Itoa(len(st.Vouched))+"/"+strconv.Itoa(st.Quorum))
		witnessed := "no"
		if st.Witnessed() {
			witnessed = "yes"
		}
		c.Header("Sunshine-Witnessed", witnessed)
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", wc.Note)
}

// GET /api/public/key: the verifier key "<origin>+<hash>+<keydata>".
func (s *Server) publicKey(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	vkey, err := s.ledger.Key().VerifierKey(lg.Origin)
	if err != nil {
		fail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(vkey+"\n"))
}

// WithheldEntry is what the public gets of a withheld entry.
type WithheldEntry struct {
	Seq      int64  `json:"seq"`
	LeafHash string `json:"leaf_hash"`
}

// GET /api/public/entries/:seq: E itself for a public entry; {seq,
// leaf_hash} for a withheld one.
func (s *Server) publicEntry(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
	if err != nil || seq < 0 {
		failCode(c, ledger.CodeMalformedRequest, "序号必须是非负整数")
		return
	}
	e, err := s.store.Entry(c.Request.Context(), lg.ID, seq)
	if ledger.IsNotFound(err) {
		failCode(c, ledger.CodeNotFound, "没有这个序号的条目")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	if ledger.IsPublic(e.Type) {
		c.Data(http.StatusOK, "application/json", e.Body)
		return
	}
	h := tlog.RecordHash(e.Body)
	c.Render(http.StatusOK, jsonAs{ctype: "application/vnd.sunshine.withheld+json",
		v: WithheldEntry{Seq: seq, LeafHash: base64.StdEncoding.EncodeToString(h[:])}})
}

// ProofResponse carries proof hashes in standard base64, in tlog's order.
type ProofResponse struct {
	Hashes []string `json:"hashes"`
}

func proofJSON(hs []tlog.Hash) ProofResponse {
	out := ProofResponse{Hashes: make([]string, len(hs))}
	for i, h := range hs {
		out.Hashes[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

func queryInt(c *gin.Context, name string) (int64, bool) {
	v, err := strconv.ParseInt(c.Query(name), 10, 64)
	if err != nil {
		failCode(c, ledger.CodeMalformedRequest, "参数 "+name+" 必须是整数")
		return 0, false
	}
	return v, true
}

// GET /api/public/proof/inclusion?index=&size=
func (s *Server) proofInclusion(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	index, ok := queryInt(c, "index")
	if !ok {
		return
	}
	size, ok := queryInt(c, "size")
	if !ok {
		return
	}
	p, err := s.ledger.ProveInclusion(c.Request.Context(), lg, index, size)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, proofJSON(p))
}

// GET /api/public/proof/consistency?old=&new=
func (s *Server) proofConsistency(c *gin.Context) {
	lg, ok := s.townLog(c)
	if !ok {
		return
	}
	old, ok := queryInt(c, "old")
	if !ok {
		return
	}
	nw, ok := queryInt(c, "new")
	if !ok {
		return
	}
	p, err := s.ledger.ProveConsistency(c.Request.Context(), lg, old, nw)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, proofJSON(p))
}

// jsonAs renders v as JSON under another content type.
type jsonAs struct {
	ctype string
	v     any
}

func (j jsonAs) Render(w http.ResponseWriter) error {
	j.WriteContentType(w)
	return jsonEncode(w, j.v)
}

func (j jsonAs) WriteContentType(w http.ResponseWriter) {
	w.Header().Set("Content-Type", j.ctype)
}
