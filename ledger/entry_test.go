package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// The golden values below pin the hashed encoding (DOMAIN.md §2). If one of
// these tests fails, every leaf hash and every checkpoint ever posted changes:
// do not update the constants, fix the code.
const (
	goldenOrigin = "localhost:8080/log/430181117"

	// goldenE is E for goldenEntry, written by hand from DOMAIN.md §2: RFC
	// 8785 canonical JSON, members sorted (actor, effective_on, log, payload,
	// recorded_at, seq, type, v), no white space, non-ASCII literal.
	goldenE = `{"actor":"u1","effective_on":"2026-02-27","log":"localhost:8080/log/430181117",` +
		`"payload":{"amount":12000000,"doc_no":"湘财农指〔2026〕3号","source_level":"省级"},` +
		`"recorded_at":"2026-03-01T08:00:00Z","seq":0,"type":"fund_recorded","v":1}`

	// goldenLeafHex is tlog.RecordHash(goldenE) = SHA-256(0x00 || goldenE).
	goldenLeafHex = "84cb1e3d05ca432e05fb689a96e7725098b842e159f9432161b1228c7dddd016"

	// goldenRoot7 is the root of the tree of goldenTreeEntries(7).
	goldenRoot7Hex    = "c176b5cd923f459e8848b8838c46dab03e56ac04a3e4c8ee8ae3c57d24428d21"
	goldenRoot7Base64 = "wXa1zZI/RZ6ISLiDjEbasD5WrASj5MjuiuPFfSRCjSE="
)

var goldenRecordedAt = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func goldenEntry(t testing.TB) Entry {
	t.Helper()
	p, err := Canonical(map[string]any{"amount": 12000000, "doc_no": "湘财农指〔2026〕3号", "source_level": "省级"})
	if err != nil {
		t.Fatal(err)
	}
	return Entry{Log: goldenOrigin, Seq: 0, Type: "fund_recorded", RecordedAt: goldenRecordedAt,
		EffectiveOn: "2026-02-27", Actor: "u1", Payload: p}
}

// goldenTreeEntries returns the entries seq 0…n−1 of the golden tree: the
// golden entry with payload {"n":seq}.
func goldenTreeEntries(t testing.TB, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for i := 0; i < n; i++ {
		e := goldenEntry(t)
		e.Seq = int64(i)
		e.Payload = []byte(fmt.Sprintf(`{"n":%d}`, i))
		out = append(out, e.Encode())
	}
	return out
}

// memTree computes the root of the records with tlog.StoredHashes and
// tlog.TreeHash, as the store does.
func memTree(t testing.TB, records [][]byte) tlog.Hash {
	t.Helper()
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, rec := range records {
		hs, err := tlog.StoredHashes(int64(i), rec, r)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	root, err := tlog.TreeHash(int64(len(records)), r)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// rfc6962MTH is the Merkle Tree Hash of RFC 6962 §2.1, written independently
// of tlog.
func rfc6962MTH(leaves [][]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0x00}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := rfc6962MTH(leaves[:k]), rfc6962MTH(leaves[k:])
	return sha256.Sum256(append(append([]byte{0x01}, l[:]...), r[:]...))
}

func TestGoldenEntry(t *testing.T) {
	e := goldenEntry(t)
	if got := string(e.Encode()); got != goldenE {
		t.Fatalf("Encode:\n got %s\nwant %s", got, goldenE)
	}
	// E is its own canonical form.
	if c, err := CanonicalJSON([]byte(goldenE)); err != nil || string(c) != goldenE {
		t.Fatalf("CanonicalJSON(E) = %s, %v", c, err)
	}
	leaf := tlog.RecordHash([]byte(goldenE))
	if got := hex.EncodeToString(leaf[:]); got != goldenLeafHex {
		t.Fatalf("leaf hash = %s, want %s", got, goldenLeafHex)
	}
	if want := sha256.Sum256(append([]byte{0x00}, goldenE...)); leaf != tlog.Hash(want) {
		t.Fatal("tlog.RecordHash is not SHA-256(0x00 || E)")
	}
	// The time zone of RecordedAt does not matter: E is in UTC.
	e.RecordedAt = goldenRecordedAt.In(time.FixedZone("CST", 8*3600))
	if got := string(e.Encode()); got != goldenE {
		t.Fatalf("Encode with a non-UTC RecordedAt:\n got %s\nwant %s", got, goldenE)
	}
	// Every field is inside the hash.
	mutations := map[string]func(*Entry){
		"log":          func(e *Entry) { e.Log = "localhost:8080/log/430181118" },
		"seq":          func(e *Entry) { e.Seq = 1 },
		"type":         func(e *Entry) { e.Type = "fund_amended" },
		"recorded_at":  func(e *Entry) { e.RecordedAt = e.RecordedAt.Add(-time.Second) },
		"effective_on": func(e *Entry) { e.EffectiveOn = "2026-02-26" },
		"actor":        func(e *Entry) { e.Actor = "u2" },
		"payload":      func(e *Entry) { e.Payload = []byte(`{"amount":12000001}`) },
	}
	for name, mut := range mutations {
		m := goldenEntry(t)
		mut(&m)
		if tlog.RecordHash(m.Encode()) == leaf {
			t.Errorf("changing %s does not change the leaf hash", name)
		}
	}
}

func TestGoldenTree(t *testing.T) {
	records := goldenTreeEntries(t, 7)
	if want := `{"actor":"u1","effective_on":"2026-02-27","log":"localhost:8080/log/430181117",` +
		`"payload":{"n":6},"recorded_at":"2026-03-01T08:00:00Z","seq":6,"type":"fund_recorded","v":1}`; string(records[6]) != want {
		t.Fatalf("record 6 = %s, want %s", records[6], want)
	}
	root := memTree(t, records)
	if got := hex.EncodeToString(root[:]); got != goldenRoot7Hex {
		t.Fatalf("root = %s, want %s", got, goldenRoot7Hex)
	}
	if got := base64.StdEncoding.EncodeToString(root[:]); got != goldenRoot7Base64 {
		t.Fatalf("root = %s, want %s", got, goldenRoot7Base64)
	}
	// Cross-check tlog against an independent RFC 6962 MTH at every size.
	for n := 1; n <= len(records); n++ {
		if got, want := memTree(t, records[:n]), rfc6962MTH(records[:n]); got != tlog.Hash(want) {
			t.Errorf("size %d: tlog root %x, RFC 6962 MTH %x", n, got, want)
		}
	}
	if mth := rfc6962MTH(records); hex.EncodeToString(mth[:]) != goldenRoot7Hex {
		t.Fatalf("RFC 6962 MTH = %x, want %s", mth, goldenRoot7Hex)
	}
}

func TestParseEntryRoundTrip(t *testing.T) {
	entries := []Entry{goldenEntry(t)}
	e := goldenEntry(t)
	e.Seq, e.Type, e.Actor, e.Log = 123456789, "flag_updated", "system", `we"ird\log`+"\u2028\x01"
	e.Payload = []byte(`{"a":[1,-2,{"b":null}],"s":"\u0000<&>/` + "\u00e9\U0001F600" + `"}`)
	e.Payload, _ = CanonicalJSON(e.Payload)
	entries = append(entries, e)
	for _, e := range entries {
		raw := e.Encode()
		got, err := ParseEntry(raw)
		if err != nil {
			t.Fatalf("ParseEntry(%s): %v", raw, err)
		}
		if got.Log != e.Log || got.Seq != e.Seq || got.Type != e.Type || !got.RecordedAt.Equal(e.RecordedAt) ||
			got.RecordedAt.Location() != time.UTC || got.EffectiveOn != e.EffectiveOn || got.Actor != e.Actor ||
			!bytes.Equal(got.Payload, e.Payload) {
			t.Fatalf("ParseEntry(Encode(e)) = %+v, want %+v", got, e)
		}
		if !bytes.Equal(got.Encode(), raw) {
			t.Fatalf("Encode(ParseEntry(E)) = %s, want %s", got.Encode(), raw)
		}
	}
}

func TestParseEntryRejects(t *testing.T) {
	r := strings.NewReplacer
	tests := map[string]string{
		"empty":                  "",
		"not JSON":               "entry",
		"leading space":          " " + goldenE,
		"trailing space":         goldenE + " ",
		"trailing newline":       goldenE + "\n",
		"space after colon":      r(`"actor":"u1"`, `"actor": "u1"`).Replace(goldenE),
		"space in payload":       r(`{"amount":`, `{ "amount":`).Replace(goldenE),
		"indented":               r(`,"`, ",\n  \"").Replace(goldenE),
		"reordered members":      `{"v":1,"log":"localhost:8080/log/430181117","seq":0,"type":"fund_recorded","recorded_at":"2026-03-01T08:00:00Z","effective_on":"2026-02-27","actor":"u1","payload":{"amount":12000000,"doc_no":"湘财农指〔2026〕3号","source_level":"省级"}}`,
		"reordered payload":      r(`{"amount":12000000,"doc_no":"湘财农指〔2026〕3号"`, `{"doc_no":"湘财农指〔2026〕3号","amount":12000000`).Replace(goldenE),
		"unknown field":          r(`,"v":1}`, `,"v":1,"x":1}`).Replace(goldenE),
		"unknown field sorted":   r(`"type":"fund_recorded"`, `"type":"fund_recorded","u":0`).Replace(goldenE),
		"missing v":              r(`,"v":1}`, `}`).Replace(goldenE),
		"v=2":                    r(`"v":1}`, `"v":2}`).Replace(goldenE),
		"v=0":                    r(`"v":1}`, `"v":0}`).Replace(goldenE),
		"v string":               r(`"v":1}`, `"v":"1"}`).Replace(goldenE),
		"v=1.0":                  r(`"v":1}`, `"v":1.0}`).Replace(goldenE),
		"missing seq":            r(`"seq":0,`, ``).Replace(goldenE),
		"seq float":              r(`"seq":0,`, `"seq":0.0,`).Replace(goldenE),
		"seq -0":                 r(`"seq":0,`, `"seq":-0,`).Replace(goldenE),
		"seq string":             r(`"seq":0,`, `"seq":"0",`).Replace(goldenE),
		"payload with float":     r(`12000000`, `12000000.0`).Replace(goldenE),
		"payload with exponent":  r(`12000000`, `1.2e7`).Replace(goldenE),
		"payload too big int":    r(`12000000`, `9007199254740992`).Replace(goldenE),
		"payload duplicate key":  r(`{"amount":12000000,`, `{"amount":12000000,"amount":12000000,`).Replace(goldenE),
		"missing payload":        r(`"payload":{"amount":12000000,"doc_no":"湘财农指〔2026〕3号","source_level":"省级"},`, ``).Replace(goldenE),
		"escaped non-ASCII":      r(`"省级"`, `"\u7701\u7ea7"`).Replace(goldenE),
		"escaped solidus":        r(`localhost:8080/log`, `localhost:8080\/log`).Replace(goldenE),
		"escaped ASCII":          r(`"u1"`, `"\u0075\u0031"`).Replace(goldenE),
		"recorded_at offset":     r(`08:00:00Z`, `16:00:00+08:00`).Replace(goldenE),
		"recorded_at fraction":   r(`08:00:00Z`, `08:00:00.000Z`).Replace(goldenE),
		"recorded_at lower z":    r(`08:00:00Z`, `08:00:00z`).Replace(goldenE),
		"recorded_at date only":  r(`2026-03-01T08:00:00Z`, `2026-03-01`).Replace(goldenE),
		"recorded_at space":      r(`2026-03-01T08:00:00Z`, `2026-03-01 08:00:00Z`).Replace(goldenE),
		"upper-case member name": r(`"v":1}`, `"V":1}`).Replace(goldenE),
		"duplicate member":       r(`,"v":1}`, `,"v":1,"v":1}`).Replace(goldenE),
		"invalid UTF-8":          r(`"u1"`, "\"u\xff\"").Replace(goldenE),
		"array":                  "[" + goldenE + "]",
		"two entries":            goldenE + goldenE,
	}
	for name, raw := range tests {
		if raw == goldenE {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if e, err := ParseEntry([]byte(raw)); err == nil {
			t.Errorf("%s: ParseEntry(%s) = %+v, want an error", name, raw, e)
		} else if !errors.Is(err, ErrBadEntry) {
			t.Errorf("%s: error %v does not wrap ErrBadEntry", name, err)
		}
	}
}

func TestFamily(t *testing.T) {
	public := []string{"town", "village", "organisation", "source_alias", "calendar", "item", "fund",
		"allocation", "project", "payment", "approval", "reversal", "loan", "repayment", "notice", "import_batch"}
	withheld := []string{"person", "household", "register", "flag", "complaint", "user", "bank_return", "organisation_people"}
	if len(families) != len(public)+len(withheld) {
		t.Errorf("families has %d entries, DOMAIN.md §2 lists %d", len(families), len(public)+len(withheld))
	}
	for _, f := range public {
		typ := f + "_recorded"
		if got, ok := Family(typ); !ok || got != f {
			t.Errorf("Family(%q) = %q, %v; want %q, true", typ, got, ok, f)
		}
		if !IsPublic(typ) || !(Entry{Type: typ}).Public() {
			t.Errorf("%q should be public", typ)
		}
	}
	for _, f := range withheld {
		typ := f + "_updated"
		if got, ok := Family(typ); !ok || got != f {
			t.Errorf("Family(%q) = %q, %v; want %q, true", typ, got, ok, f)
		}
		if IsPublic(typ) || (Entry{Type: typ}).Public() {
			t.Errorf("%q should be withheld", typ)
		}
	}
	tests := []struct {
		typ    string
		family string // "" means unknown
		public bool
	}{
		{"source_alias_set", "source_alias", true},
		{"import_batch_committed", "import_batch", true},
		{"payment_recorded", "payment", true},
		{"payment_reversal_recorded", "payment", true},
		{"fund_recorded", "fund", true},
		{"flag_updated", "flag", false},
		{"flag_raised", "flag", false},
		{"person_registered", "person", false},
		{"household_member_added", "household", false},
		{"user_created", "user", false},
		{"complaint_filed", "complaint", false},
		{"register_closed", "register", false},
		{"reversal_recorded", "reversal", true},
		{"loan_recorded", "loan", true},
		// Unknown types are withheld.
		{"secret_recorded", "", false},
		{"source_set", "", false},
		{"import_done", "", false},
		{"payments_recorded", "", false},
		{"fund", "", false},
		{"fund_", "", false},
		{"_fund_recorded", "", false},
		{"Fund_recorded", "", false},
		{"", "", false},
		{"_", "", false},
	}
	for _, tt := range tests {
		got, ok := Family(tt.typ)
		if ok != (tt.family != "") || got != tt.family {
			t.Errorf("Family(%q) = %q, %v; want %q", tt.typ, got, ok, tt.family)
		}
		if IsPublic(tt.typ) != tt.public {
			t.Errorf("IsPublic(%q) = %v, want %v", tt.typ, !tt.public, tt.public)
		}
	}
}

func TestCanonicalPayload(t *testing.T) {
	ok := AppendInput{Type: "fund_recorded", Actor: "u1", EffectiveOn: "2026-02-27",
		Payload: map[string]any{"source_level": "省级", "amount": 12000000}}
	p, err := ok.canonicalPayload()
	if err != nil || string(p) != `{"amount":12000000,"source_level":"省级"}` {
		t.Fatalf("canonicalPayload = %s, %v", p, err)
	}
	for _, raw := range []any{[]byte(` {"b":1, "a":2} `), []byte(`{"a":2,"b":1}`)} {
		in := ok
		in.Payload = raw
		if p, err := in.canonicalPayload(); err != nil || string(p) != `{"a":2,"b":1}` {
			t.Errorf("canonicalPayload(%s) = %s, %v", raw, p, err)
		}
	}
	bad := map[string]func(*AppendInput){
		"empty type":      func(in *AppendInput) { in.Type = "" },
		"unknown type":    func(in *AppendInput) { in.Type = "secret_recorded" },
		"upper-case type": func(in *AppendInput) { in.Type = "Fund_recorded" },
		"long type":       func(in *AppendInput) { in.Type = "fund_" + strings.Repeat("x", 60) },
		"no actor":        func(in *AppendInput) { in.Actor = "" },
		"long actor":      func(in *AppendInput) { in.Actor = strings.Repeat("u", 65) },
		"bad date":        func(in *AppendInput) { in.EffectiveOn = "2026-2-27" },
		"float":           func(in *AppendInput) { in.Payload = map[string]any{"amount": 1.5} },
		"not an object":   func(in *AppendInput) { in.Payload = []int{1} },
		"null":            func(in *AppendInput) { in.Payload = nil },
		"raw float":       func(in *AppendInput) { in.Payload = []byte(`{"a":1.0}`) },
		"too large": func(in *AppendInput) {
			in.Payload = map[string]string{"x": strings.Repeat("x", MaxPayloadBytes)}
		},
	}
	for name, mut := range bad {
		in := ok
		mut(&in)
		if p, err := in.canonicalPayload(); err == nil {
			t.Errorf("%s: canonicalPayload = %s, want an error", name, p)
		}
	}
}
