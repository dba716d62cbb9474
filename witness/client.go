package witness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// ConflictError is a 409 answer: the witness holds another size.
type ConflictError struct{ Size int64 }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("witness holds size %d", e.Size)
}

// StatusError is an answer other than 200 and 409.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("witness answered %d: %s", e.Code, strings.TrimSpace(e.Body))
}

// Request returns the body of an add-checkpoint request.
func Request(old int64, proof tlog.TreeProof, signedNote []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		b.WriteString(h.String() + "\n")
	}
	b.WriteString("\n")
	b.Write(signedNote)
	return b.Bytes()
}

// AddCheckpoint posts a checkpoint to the witness at baseURL and returns its
// cosignature line(s), a *ConflictError or a *StatusError.
func AddCheckpoint(ctx context.Context, hc *http.Client, baseURL string, old int64, proof tlog.TreeProof, signedNote []byte) ([]byte, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(baseURL, "/")+"/add-checkpoint",
		bytes.NewReader(Request(old, proof, signedNote)))
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return body, nil
	case http.StatusConflict:
		n, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
		if err != nil || n < 0 {
			return nil, &StatusError{Code: resp.StatusCode, Body: "409 without a size"}
		}
		return nil, &ConflictError{Size: n}
	}
	return nil, &StatusError{Code: resp.StatusCode, Body: string(body)}
}
