package ledger

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// CheckpointBody is the signed content of a checkpoint (C2SP
// tlog-checkpoint): the origin line, the tree size and the root hash.
type CheckpointBody struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// String returns "<origin>\n<size>\n<base64 root>\n".
func (b CheckpointBody) String() string {
	return fmt.Sprintf("%s\n%d\n%s\n", b.Origin, b.Size, base64.StdEncoding.EncodeToString(b.Root[:]))
}

// ErrBadCheckpoint is wrapped by the errors of ParseCheckpointBody and
// OpenCheckpoint.
var ErrBadCheckpoint = errors.New("bad checkpoint")

// ParseCheckpointBody parses the text of a checkpoint note: three lines,
// optionally followed by extension lines (which C2SP allows and we ignore).
func ParseCheckpointBody(text string) (CheckpointBody, error) {
	if !strings.HasSuffix(text, "\n") {
		return CheckpointBody{}, fmt.Errorf("%w: body must end in a newline", ErrBadCheckpoint)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return CheckpointBody{}, fmt.Errorf("%w: want origin, size and root lines", ErrBadCheckpoint)
	}
	if lines[0] == "" {
		return CheckpointBody{}, fmt.Errorf("%w: empty origin", ErrBadCheckpoint)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return CheckpointBody{}, fmt.Errorf("%w: bad size %q", ErrBadCheckpoint, lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	// Like the size, the root must be in its one canonical form: the decoder
	// alone would also take CRs inside the line and non-zero padding bits.
	if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != lines[2] {
		return CheckpointBody{}, fmt.Errorf("%w: bad root hash", ErrBadCheckpoint)
	}
	var b CheckpointBody
	b.Origin, b.Size = lines[0], size
	copy(b.Root[:], raw)
	return b, nil
}

// OpenCheckpoint checks a signed checkpoint against the verifier key vkey
// (note.Open) and returns its body. The origin must equal the key name.
func OpenCheckpoint(msg []byte, vkey string) (CheckpointBody, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return CheckpointBody{}, fmt.Errorf("%w: verifier key: %v", ErrBadCheckpoint, err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return CheckpointBody{}, fmt.Errorf("%w: %v", ErrBadCheckpoint, err)
	}
	b, err := ParseCheckpointBody(n.Text)
	if err != nil {
		return CheckpointBody{}, err
	}
	if b.Origin != v.Name() {
		return CheckpointBody{}, fmt.Errorf("%w: origin %q is not the key's name %q", ErrBadCheckpoint, b.Origin, v.Name())
	}
	return b, nil
}

// SignCheckpointBody signs b with k under the key name b.Origin.
func SignCheckpointBody(k *SigningKey, b CheckpointBody) ([]byte, error) {
	s, err := k.Signer(b.Origin)
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: b.String()}, s)
}
