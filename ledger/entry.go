package ledger

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// EntryVersion is the "v" of public entries, and of withheld ones written
// before blinding.
const EntryVersion = 1

// EntryVersionBlinded is the "v" of withheld entries: v=1 plus a "blind"
// member, 16 random bytes (base64url, no padding), so that the leaf hash of
// an entry whose bytes are not published cannot be matched by guessing its
// few possible payloads.
const EntryVersionBlinded = 2

// BlindSize is the number of random bytes in a blinded entry.
const BlindSize = 16

// MaxPayloadBytes bounds the canonical payload of one entry.
const MaxPayloadBytes = 64 << 10

// families maps an entry family (the part of a type before the last "_event")
// to whether its entries are public. The classification is part of each entry
// type's definition (DOMAIN.md §2): public entries can be fetched whole by
// anyone; withheld ones only as {seq, leaf_hash}.
var families = map[string]bool{
	"town": true, "village": true, "organisation": true, "source_alias": true,
	"calendar": true, "item": true, "fund": true, "allocation": true,
	"project": true, "payment": true, "approval": true, "reversal": true,
	"loan": true, "repayment": true, "notice": true, "import_batch": true,

	"person": false, "household": false, "register": false, "flag": false,
	"complaint": false, "user": false, "bank_return": false,
	// who stands behind an organisation (its 法定代表人 and 股东 as registry
	// persons, for rule F3): the ids would tie a named representative to
	// their own household's payments in the public entries.
	"organisation_people": false,
}

// Family returns the family of an entry type ("payment" for
// "payment_recorded", "source_alias" for "source_alias_set") and whether it is
// a known family. The longest known prefix wins.
func Family(entryType string) (string, bool) {
	for i := len(entryType) - 2; i > 0; i-- {
		if entryType[i] == '_' {
			if _, ok := families[entryType[:i]]; ok {
				return entryType[:i], true
			}
		}
	}
	return "", false
}

// IsPublic reports whether entries of this type may be published whole.
// Unknown types are withheld.
func IsPublic(entryType string) bool {
	f, ok := Family(entryType)
	return ok && families[f]
}

// validType checks the `<family>_<event>` shape: lower-case ASCII letters and
// underscores, a known family, at most 64 bytes.
func validType(t string) error {
	if t == "" {
		return Errorf(CodeValidationFailed, "条目类型不能为空")
	}
	if len(t) > 64 {
		return Errorf(CodeValidationFailed, "条目类型过长")
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c == '_') {
			return Errorf(CodeValidationFailed, "条目类型 %q 只能包含小写字母和下划线", t)
		}
	}
	if _, ok := Family(t); !ok {
		return Errorf(CodeValidationFailed, "未知的条目类型 %q", t)
	}
	return nil
}

// Entry is one record of a town's log, in domain terms.
type Entry struct {
	Log         string    // the log's origin
	Seq         int64     // record index in the tree, from 0
	Type        string    // <family>_<event>
	RecordedAt  time.Time // UTC, whole seconds
	EffectiveOn string    // business date, YYYY-MM-DD in SUNSHINE_TZ
	Actor       string    // user id, or "system"
	Payload     json.RawMessage
	// Blind is the random blinding value of a withheld entry (BlindSize
	// bytes; v=2), nil for a public one (v=1). Never published.
	Blind []byte
}

// Public reports whether the entry may be published whole.
func (e Entry) Public() bool { return IsPublic(e.Type) }

// Encode returns E, the canonical bytes that are hashed and published:
// RFC 8785 canonical JSON of
//
//	{"v":1,"log":…,"seq":…,"type":…,"recorded_at":…,"effective_on":…,"actor":…,"payload":{…}}
//
// and, for an entry with a Blind, v=2 with "blind" (base64url, no padding)
// after "actor".
//
// DANGER: this is the hashed form. The member set, their names and their
// encodings are frozen for v=1 and v=2; changing any of them changes every
// leaf hash and breaks every checkpoint ever posted on a village board. The
// members are written here in RFC 8785 order (sorted by name); Payload must
// already be canonical (AppendInput.canonicalPayload makes it so).
func (e Entry) Encode() []byte {
	var b bytes.Buffer
	b.Grow(len(e.Payload) + 240)
	b.WriteString(`{"actor":`)
	writeCanonString(&b, e.Actor)
	if e.Blind != nil {
		b.WriteString(`,"blind":"`)
		b.WriteString(base64.RawURLEncoding.EncodeToString(e.Blind))
		b.WriteByte('"')
	}
	b.WriteString(`,"effective_on":`)
	writeCanonString(&b, e.EffectiveOn)
	b.WriteString(`,"log":`)
	writeCanonString(&b, e.Log)
	b.WriteString(`,"payload":`)
	b.Write(e.Payload)
	b.WriteString(`,"recorded_at":`)
	writeCanonString(&b, e.RecordedAt.UTC().Format(time.RFC3339))
	b.WriteString(`,"seq":`)
	b.WriteString(strconv.FormatInt(e.Seq, 10))
	b.WriteString(`,"type":`)
	writeCanonString(&b, e.Type)
	if e.Blind != nil {
		b.WriteString(`,"v":2}`)
	} else {
		b.WriteString(`,"v":1}`)
	}
	return b.Bytes()
}

// entryEnvelope is used only to parse E. Never reorder or retag (see Encode).
type entryEnvelope struct {
	V           *int            `json:"v"`
	Blind       *string         `json:"blind"`
	Log         string          `json:"log"`
	Seq         *int64          `json:"seq"`
	Type        string          `json:"type"`
	RecordedAt  string          `json:"recorded_at"`
	EffectiveOn string          `json:"effective_on"`
	Actor       string          `json:"actor"`
	Payload     json.RawMessage `json:"payload"`
}

// ParseEntry parses E and checks that it is exactly the canonical encoding of
// the entry it describes. It returns an error wrapping ErrBadEntry otherwise.
func ParseEntry(raw []byte) (Entry, error) {
	var env entryEnvelope
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return Entry{}, fmt.Errorf("%w: %v", ErrBadEntry, err)
	}
	if env.V == nil || env.Seq == nil || (*env.V != EntryVersion && *env.V != EntryVersionBlinded) {
		return Entry{}, fmt.Errorf("%w: missing or unknown v/seq", ErrBadEntry)
	}
	var blind []byte
	if *env.V == EntryVersionBlinded {
		if env.Blind == nil {
			return Entry{}, fmt.Errorf("%w: v=2 without a blind", ErrBadEntry)
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(*env.Blind)
		if err != nil || len(b) != BlindSize {
			return Entry{}, fmt.Errorf("%w: bad blind", ErrBadEntry)
		}
		blind = b
	} else if env.Blind != nil {
		return Entry{}, fmt.Errorf("%w: a blind in a v=1 entry", ErrBadEntry)
	}
	at, err := time.Parse(time.RFC3339, env.RecordedAt)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: recorded_at: %v", ErrBadEntry, err)
	}
	payload, err := CanonicalJSON(env.Payload)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: payload: %v", ErrBadEntry, err)
	}
	e := Entry{Log: env.Log, Seq: *env.Seq, Type: env.Type, RecordedAt: at.UTC(),
		EffectiveOn: env.EffectiveOn, Actor: env.Actor, Payload: payload, Blind: blind}
	if !bytes.Equal(e.Encode(), raw) {
		return Entry{}, fmt.Errorf("%w: not in canonical form", ErrBadEntry)
	}
	return e, nil
}

// ErrBadEntry is wrapped by ParseEntry's errors.
var ErrBadEntry = errors.New("bad entry encoding")

// AppendInput is what a writer asks to append. The log, seq and recorded_at
// are assigned by the writer.
type AppendInput struct {
	Type        string
	EffectiveOn string // YYYY-MM-DD; empty means the recording day in the business time zone
	Actor       string
	Payload     any // marshalled with encoding/json; must be an object; integers only
}

// canonicalPayload validates the input and returns its canonical payload.
func (in AppendInput) canonicalPayload() ([]byte, error) {
	if err := validType(in.Type); err != nil {
		return nil, err
	}
	if in.Actor == "" || len(in.Actor) > 64 {
		return nil, Errorf(CodeValidationFailed, "条目必须注明操作人")
	}
	if in.EffectiveOn != "" {
		if _, err := time.Parse(time.DateOnly, in.EffectiveOn); err != nil {
			return nil, Errorf(CodeValidationFailed, "业务日期 %q 格式应为 YYYY-MM-DD", in.EffectiveOn)
		}
	}
	var p []byte
	var err error
	switch v := in.Payload.(type) {
	case Prepared:
		p, err = v.b, v.err
	case json.RawMessage:
		p, err = CanonicalJSON(v)
	case []byte:
		p, err = CanonicalJSON(v)
	default:
		p, err = Canonical(v)
	}
	if err != nil {
		return nil, &Error{Code: CodeValidationFailed, Detail: "条目内容必须是只含整数的 JSON 对象", Err: err}
	}
	if len(p) == 0 || p[0] != '{' {
		return nil, Errorf(CodeValidationFailed, "条目内容必须是 JSON 对象")
	}
	if len(p) > MaxPayloadBytes {
		return nil, Errorf(CodeTooLarge, "条目内容超过 %d 字节", MaxPayloadBytes)
	}
	// The last line against text that reads differently from what is
	// stored (a bidi override in a note, a zero-width character in a name):
	// nothing this service records needs one, whichever form it came from.
	if r, bad := InvisibleRune(string(p)); bad {
		return nil, InvisibleError("", r)
	}
	return p, nil
}

// Prepared is a payload already in canonical form (PreparePayload), so that
// callers can do the encoding work in their own goroutine rather than in the
// log's single writer.
type Prepared struct {
	b   []byte
	err error
}

// PreparePayload canonicalizes v for AppendInput.Payload. Its error, if any,
// is reported by Append as for an unprepared payload.
func PreparePayload(v any) Prepared {
	b, err := Canonical(v)
	return Prepared{b: b, err: err}
}
