package api

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Metrics keeps what /metrics reports in the Prometheus text format: request
// counts and latencies by route template (never a raw path, which could
// carry personal data), ledger sizes, append latency and job outcomes. No
// label carries personal data.
type Metrics struct {
	mu       sync.Mutex
	requests map[[3]string]uint64 // method, route, status
	latency  map[string]*histogram
	appends  histogram
	jobs     map[[2]string]uint64 // job, outcome
	// Token guards GET /metrics (SUNSHINE_METRICS_TOKEN; "" turns it off).
	Token string
}

var buckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

func (h *histogram) observe(v float64) {
	if h.counts == nil {
		h.counts = make([]uint64, len(buckets))
	}
	for i, b := range buckets {
		if v <= b {
			h.counts[i]++
		}
	}
	h.sum += v
	h.n++
}

// NewMetrics returns an empty set of metrics.
// Its Token is SUNSHINE_METRICS_TOKEN: GET /metrics answers only with
// "Authorization: Bearer <token>", and not at all (404) without a token set.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[[3]string]uint64{}, latency: map[string]*histogram{}, jobs: map[[2]string]uint64{},
		Token: os.Getenv("SUNSHINE_METRICS_TOKEN")}
}

// Metrics returns the server's metrics (its Token may be set before
// serving).
func (s *Server) Metrics() *Metrics { return s.metrics }

// metricsAllowed answers a /metrics request without the token itself.
func (s *Server) metricsAllowed(c *gin.Context) bool {
	tok := s.metrics.Token
	if tok == "" {
		failCode(c, ledger.CodeNotFound, "指标接口未启用：设置 SUNSHINE_METRICS_TOKEN 后以 Authorization: Bearer 令牌访问")
		return false
	}
	got, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
		failCode(c, ledger.CodeUnauthenticated, "访问指标接口须带 Authorization: Bearer 指标令牌（SUNSHINE_METRICS_TOKEN）")
		return false
	}
	return true
}

// ObserveAppend records one committed batch of the ledger writer (it is
// ledger.Options.Observe).
func (m *Metrics) ObserveAppend(requests int, took time.Duration) {
	m.mu.Lock()
	m.appends.observe(took.Seconds())
	m.mu.Unlock()
}

// ObserveJob records a job run's outcome.
func (m *Metrics) ObserveJob(job, outcome string) {
	m.mu.Lock()
	m.jobs[[2]string{job, outcome}]++
	m.mu.Unlock()
}

func (s *Server) measure(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m := s.metrics
	m.mu.Lock()
	m.requests[[3]string{c.Request.Method, route, strconv.Itoa(c.Writer.Status())}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{}
		m.latency[route] = h
	}
	h.observe(time.Since(start).Seconds())
	m.mu.Unlock()
}

func writeHistogram(b *strings.Builder, name, labels string, h *histogram) {
	sep := ""
	if labels != "" {
		sep = ","
	}
	for i, le := range buckets {
		c := uint64(0)
		if h.counts != nil {
			c = h.counts[i]
		}
		fmt.Fprintf(b, "%s_bucket{%s%sle=\"%g\"} %d\n", name, labels, sep, le, c)
	}
	fmt.Fprintf(b, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, h.n)
	fmt.Fprintf(b, "%s_sum{%s} %g\n%s_count{%s} %d\n", name, labels, h.sum, name, labels, h.n)
}

func (s *Server) serveMetrics(c *gin.Context) {
	if !s.metricsAllowed(c) {
		return
	}
	var b strings.Builder
	m := s.metrics
	m.mu.Lock()
	b.WriteString("# HELP sunshine_http_requests_total HTTP requests by method, route template and status.\n# TYPE sunshine_http_requests_total counter\n")
	keys := make([][3]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return strings.Join(keys[i][:], " ") < strings.Join(keys[j][:], " ") })
	for _, k := range keys {
		fmt.Fprintf(&b, "sunshine_http_requests_total{method=%q,route=%q,status=%q} %d\n", k[0], k[1], k[2], m.requests[k])
	}
	b.WriteString("# HELP sunshine_http_request_duration_seconds HTTP latency by route template.\n# TYPE sunshine_http_request_duration_seconds histogram\n")
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		writeHistogram(&b, "sunshine_http_request_duration_seconds", fmt.Sprintf("route=%q", r), m.latency[r])
	}
	b.WriteString("# HELP sunshine_ledger_append_seconds Time to commit one batch of the ledger writer.\n# TYPE sunshine_ledger_append_seconds histogram\n")
	writeHistogram(&b, "sunshine_ledger_append_seconds", "", &m.appends)
	b.WriteString("# HELP sunshine_job_runs_total Job runs by outcome.\n# TYPE sunshine_job_runs_total counter\n")
	jobs := make([][2]string, 0, len(m.jobs))
	for k := range m.jobs {
		jobs = append(jobs, k)
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i][0]+jobs[i][1] < jobs[j][0]+jobs[j][1] })
	for _, k := range jobs {
		fmt.Fprintf(&b, "sunshine_job_runs_total{job=%q,outcome=%q} %d\n", k[0], k[1], m.jobs[k])
	}
	m.mu.Unlock()
	b.WriteString("# HELP sunshine_ledger_entries Entries in each town's log.\n# TYPE sunshine_ledger_entries gauge\n")
	if logs, err := s.store.Logs(c.Request.Context()); err == nil {
		for _, lg := range logs {
			if n, err := s.store.Size(c.Request.Context(), lg.ID); err == nil {
				fmt.Fprintf(&b, "sunshine_ledger_entries{town=%q} %d\n", lg.Town, n)
			}
		}
	}
	c.Data(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}
