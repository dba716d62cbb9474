package api_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/api"
)

// TestSlowClientCut: the server built by api.NewHTTPServer (what serve
// runs) closes a connection whose body trickles past ReadTimeout, and one
// that never finishes its headers (ReadHeaderTimeout). The review's upload
// stayed open past 45 s. The timeouts are shortened here; the bound the
// test waits for is generous (no timing is asserted beyond "it ends").
func TestSlowClientCut(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	oldR, oldH := api.ReadTimeout, api.ReadHeaderTimeout
	api.ReadTimeout, api.ReadHeaderTimeout = 500*time.Millisecond, 300*time.Millisecond
	defer func() { api.ReadTimeout, api.ReadHeaderTimeout = oldR, oldH }()
	hs := api.NewHTTPServer(e.srv.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()

	for _, c := range []struct{ name, head string }{
		{"a trickled body", "POST /api/public/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"},
		{"unfinished headers", "POST /api/public/query HTTP/1.1\r\nHost: x\r\n"},
	} {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(conn, c.head)
		closed := make(chan struct{})
		go func() {
			// read whatever the server answers until it closes
			br := bufio.NewReader(conn)
			for {
				if _, err := br.ReadByte(); err != nil {
					close(closed)
					return
				}
			}
		}()
		cut := false
		for i := 0; i < 600 && !cut; i++ { // up to a minute of one byte every 100 ms
			if _, err := conn.Write([]byte(strings.Repeat(" ", 1))); err != nil {
				cut = true
				break
			}
			select {
			case <-closed:
				cut = true
			case <-time.After(100 * time.Millisecond):
			}
		}
		conn.Close()
		if !cut {
			t.Errorf("%s: the connection stayed open for a minute", c.name)
		}
	}
}

// TestUploadDeadline: a sheet upload's body gets api.UploadTimeout instead
// of ReadTimeout (uploadDeadline), and is cut when that runs out; a
// normal request trickling its body is still cut at ReadTimeout. The
// timeouts are shortened (ReadTimeout 300 ms, UploadTimeout 3 s) so the
// test takes seconds; what is asserted is the order — the normal request
// cut before the upload deadline, the upload alive at five times
// ReadTimeout and cut within a minute — never a measured duration.
func TestUploadDeadline(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	oldR, oldH, oldU := api.ReadTimeout, api.ReadHeaderTimeout, api.UploadTimeout
	api.ReadTimeout, api.ReadHeaderTimeout, api.UploadTimeout = 300*time.Millisecond, 300*time.Millisecond, 3*time.Second
	defer func() { api.ReadTimeout, api.ReadHeaderTimeout, api.UploadTimeout = oldR, oldH, oldU }()
	hs := api.NewHTTPServer(e.srv.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()

	// trickle sends head, then a byte every 100 ms; it returns how long the
	// connection stayed open (at most a minute).
	trickle := func(head string) time.Duration {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		fmt.Fprint(conn, head)
		closed := make(chan struct{})
		go func() {
			br := bufio.NewReader(conn)
			for {
				if _, err := br.ReadByte(); err != nil {
					close(closed)
					return
				}
			}
		}()
		for range 600 {
			if _, err := conn.Write([]byte("x")); err != nil {
				break
			}
			select {
			case <-closed:
				return time.Since(start)
			case <-time.After(100 * time.Millisecond):
			}
		}
		return time.Since(start)
	}
	auth := "Authorization: Bearer " + e.tokens["finance"] + "\r\n"
	upload := trickle("POST /api/v1/imports/payments HTTP/1.1\r\nHost: x\r\n" + auth +
		"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n")
	normal := trickle("POST /api/v1/payments HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"voucher_no\":\"")
	t.Logf("the upload stayed open %v (UploadTimeout %v), the normal request %v (ReadTimeout %v)", upload, api.UploadTimeout, normal, api.ReadTimeout)
	if upload >= time.Minute {
		t.Errorf("the slow upload was never cut")
	}
	if upload < 5*api.ReadTimeout {
		t.Errorf("the upload was cut after %v: ReadTimeout, not its own deadline", upload)
	}
	if normal >= api.UploadTimeout {
		t.Errorf("the normal request stayed open %v: ReadTimeout did not apply", normal)
	}
}
