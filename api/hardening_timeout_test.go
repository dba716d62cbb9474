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
