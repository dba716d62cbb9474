package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
)

// FingerprintJSON returns the fingerprint of a JSON request body: the SHA-256
// of its canonical form, so that key order and white space do not matter. A
// body that has no canonical form (floats, say) is fingerprinted as sent.
func FingerprintJSON(body []byte) [32]byte {
	if c, err := CanonicalJSON(body); err == nil {
		return sha256.Sum256(c)
	}
	return sha256.Sum256(body)
}

// FingerprintUpload returns the fingerprint of an upload: SHA-256 over the
// kind and the file's SHA-256.
func FingerprintUpload(kind string, fileSHA256 [32]byte) [32]byte {
	h := sha256.New()
	h.Write([]byte("upload\x00" + kind + "\x00"))
	h.Write(fileSHA256[:])
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func jsonMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Do runs op as an idempotent (when idem is not nil) request on the log and
// returns its typed result. On a replay the remembered JSON is decoded into T,
// so T must survive a JSON round trip.
func Do[T any](ctx context.Context, l *Ledger, lg Log, idem *Idem, op func(b *Batch) (T, error)) (T, bool, error) {
	var zero T
	out, err := l.Submit(ctx, lg, Request{Idem: idem, Op: func(b *Batch) (any, error) { return op(b) }})
	if err != nil {
		return zero, false, err
	}
	if out.Replayed {
		var t T
		if err := json.Unmarshal(out.Stored, &t); err != nil {
			return zero, true, err
		}
		return t, true, nil
	}
	return out.Value.(T), false, nil
}
