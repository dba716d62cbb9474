package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// The HTTP server's timeouts (issue 18: a slow client must not hold a
// connection open for ever). A request has ReadHeaderTimeout for its
// headers and ReadTimeout for all of it; an upload (a sheet import) gets
// UploadTimeout for its body instead. Idle keep-alive connections close
// after IdleTimeout. There is no write timeout: a job run from the API
// answers when the job ends.
var (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	UploadTimeout     = 10 * time.Minute
	IdleTimeout       = 2 * time.Minute
)

// NewHTTPServer returns the http.Server that serves h with the timeouts.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout, IdleTimeout: IdleTimeout}
}

// uploadDeadline gives an upload's body its own deadline (UploadTimeout
// from now) in place of ReadTimeout.
func uploadDeadline(c *gin.Context) {
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(UploadTimeout))
}
