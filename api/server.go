package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/pages"
)

// Config is what the router needs from the settings.
type Config struct {
	// Town is the default town for public routes (SUNSHINE_TOWN).
	Town string
	// PublicURL is SUNSHINE_PUBLIC_URL.
	PublicURL string
	// TrustedProxies lists the proxies whose forwarded-for headers are
	// believed (SUNSHINE_TRUSTED_PROXIES); empty trusts none.
	TrustedProxies []string
	// MaxBody bounds request bodies (default 10 MiB); MaxUpload bounds
	// imports (default 50 MiB).
	MaxBody, MaxUpload int64
	// Metrics, when set, is shared with the ledger's commit hook.
	Metrics *Metrics
	// VerifyPerMinute bounds the public verifications (/verify) one client
	// address may ask for in a minute (default 30; tests that crawl every
	// notice raise it).
	VerifyPerMinute int
	// MaxExportRows bounds the rows of one staff payments download
	// (default 100,000: a whole town's year is ~20,000 payments); a larger
	// one is refused with the advice to filter.
	MaxExportRows int
	// Rules are the rule catalogue's thresholds GET /api/v1/rules lists
	// (nil: anomaly.DefaultConfig), e.g. SUNSHINE_TENDER_THRESHOLD.
	Rules *anomaly.Config
}

// Deps are the domain services the router serves.
type Deps struct {
	Ledger  *ledger.Ledger
	Service *ledger.Service // nil: only the public ledger endpoints
	Auth    *ledger.Auth
	Jobs    Jobs // nil: no job routes
	// Publisher publishes notices (nil: publishing answers unavailable).
	Publisher *disclosure.Publisher
	// Now is the clock of the rate limits (nil: time.Now).
	Now func() time.Time
}

// Server is the HTTP API.
type Server struct {
	cfg     Config
	ledger  *ledger.Ledger
	svc     *ledger.Service
	auth    *ledger.Auth
	jobs    Jobs
	store   ledger.Store
	engine  *gin.Engine
	metrics *Metrics

	publisher *disclosure.Publisher
	limits    *queryLimits
	// verifyLimit counts public verifications per client address (an IPv6
	// client by its /64); verifySlots bounds how many run at once.
	verifyLimit *window
	verifySlots chan struct{}
	site        *disclosure.Site
	pages       pageCache
	pages2      *pages.Pages // the staff pages
	tasks       tasks        // long operations started from a staff page
	uploads     uploads      // checked sheets waiting for their commit

	// Logs never change once created: kept by town (public routes) and by
	// id (a user's town) after the first read.
	logsMu   sync.Mutex
	logs     map[string]ledger.Log
	logsByID map[int64]ledger.Log
}

const ctxRequestID = "request_id"

// New builds the router with gin.New() and explicit middleware.
func New(cfg Config, d Deps) (*Server, error) {
	l := d.Ledger
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 10 << 20
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = 50 << 20
	}
	if cfg.MaxExportRows <= 0 {
		cfg.MaxExportRows = 100_000
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, ledger: l, svc: d.Service, auth: d.Auth, jobs: d.Jobs, store: l.Store(), engine: gin.New(),
		logs: map[string]ledger.Log{}, logsByID: map[int64]ledger.Log{}, metrics: cfg.Metrics, publisher: d.Publisher}
	if d.Now == nil {
		d.Now = time.Now
	}
	s.limits = newQueryLimits(d.Now)
	if cfg.VerifyPerMinute <= 0 {
		cfg.VerifyPerMinute = 30
	}
	s.verifyLimit = newWindow(time.Minute, cfg.VerifyPerMinute, d.Now)
	s.verifySlots = make(chan struct{}, 4)
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	if err := s.engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("SUNSHINE_TRUSTED_PROXIES: %w", err)
	}
	s.engine.HandleMethodNotAllowed = false
	s.engine.Use(requestID, accessLog, s.measure, recovery, s.limitBody, s.timeout)
	s.engine.NoRoute(s.noRoute)
	s.routes()
	return s, nil
}

// Handler returns the http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Routes lists the registered routes as "METHOD path" (for the OpenAPI
// check).
func (s *Server) Routes() []gin.RouteInfo { return s.engine.Routes() }

func (s *Server) routes() {
	r := s.engine
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)

	pub := r.Group("/api/public")
	pub.GET("/checkpoint", s.publicCheckpoint)
	pub.GET("/key", s.publicKey)
	pub.GET("/witnesses", s.publicWitnesses)
	pub.GET("/entries/:seq", s.publicEntry)
	pub.GET("/proof/inclusion", s.proofInclusion)
	pub.GET("/proof/consistency", s.proofConsistency)

	if s.svc != nil {
		pub.GET("/notices", s.publicNoticeList)
		pub.GET("/notices/:code", s.publicNotice)
		pub.POST("/query", s.publicQuery)
		pub.POST("/complaints", s.publicComplaint)
		pub.GET("/complaints/:receipt", s.publicComplaintStatus)
		s.siteRoutes(r)
		r.GET("/projects/:code", s.projectPage)
		// public: registered whether or not staff logins are configured
		s.publicDownloadRoutes(r)
	}
	if s.svc != nil && s.auth != nil {
		s.staffPageRoutes(r)
	}

	r.GET("/metrics", s.serveMetrics)
	r.GET("/api/v1/openapi.json", s.openAPI)
	if s.svc != nil && s.auth != nil {
		v1 := r.Group("/api/v1")
		s.staffRoutes(v1)
		s.noticeRoutes(v1)
		s.stageRoutes(v1)
		if s.jobs != nil {
			v1.GET("/jobs", s.authed(jobReaders), s.listJobs)
			v1.POST("/jobs/:name/run", s.authed(adminOnly), s.runJob)
		}
	}
}

func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 64 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

// accessLog logs method, route template (never the raw path or query, which
// could carry personal data), status and duration.
func accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	slog.LogAttrs(c.Request.Context(), slog.LevelInfo, "http",
		slog.String("method", c.Request.Method), slog.String("route", route),
		slog.Int("status", c.Writer.Status()), slog.Duration("took", time.Since(start)),
		slog.String("request_id", c.GetString(ctxRequestID)))
}

func recovery(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			fail(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

func (s *Server) limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		limit := s.cfg.MaxBody
		if strings.HasPrefix(c.FullPath(), "/api/v1/imports/") || c.FullPath() == "/staff/imports" {
			limit = s.cfg.MaxUpload
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Next()
}

// timeout bounds every request but the job runs (which wait for the job)
// and imports (which may take a minute for 100,000 rows).
func (s *Server) timeout(c *gin.Context) {
	p := c.FullPath()
	if strings.HasPrefix(p, "/api/v1/jobs/") || strings.HasPrefix(p, "/api/v1/imports/") || p == "/staff/imports" {
		c.Next()
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 30*time.Second)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		slog.WarnContext(ctx, "not ready", "err", err)
		detail := "服务未就绪：数据库无法连接，请稍后重试"
		if strings.Contains(err.Error(), "migrate") {
			detail = "服务未就绪：数据库有未执行的升级，请运行 sunshine migrate"
		}
		writeProblem(c, Problem{Type: "urn:sunshine-ledger:problem:unavailable",
			Title: titles[503], Status: 503, Code: string(ledger.CodeUnavailable), Detail: detail, Errors: []ledger.FieldError{}})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "database": s.store.Dialect()})
}

// townLog returns the log of ?town= (default: the configured town).
func (s *Server) townLog(c *gin.Context) (ledger.Log, bool) {
	town := c.Query("town")
	if town == "" {
		town = s.cfg.Town
	}
	s.logsMu.Lock()
	lg, ok := s.logs[town]
	s.logsMu.Unlock()
	if ok {
		return lg, true
	}
	lg, err := s.logByTown(c, town)
	if ledger.IsNotFound(err) {
		failCode(c, ledger.CodeNotFound, "没有这个乡镇")
		return ledger.Log{}, false
	}
	if err != nil {
		fail(c, err)
		return ledger.Log{}, false
	}
	return lg, true
}

// logByTown returns a town's log (ledger.ErrNotFound for an unknown town),
// remembered after the first read.
func (s *Server) logByTown(c *gin.Context, town string) (ledger.Log, error) {
	s.logsMu.Lock()
	lg, ok := s.logs[town]
	s.logsMu.Unlock()
	if ok {
		return lg, nil
	}
	if len(town) > 32 {
		return ledger.Log{}, ledger.ErrNotFound
	}
	lg, err := s.store.LogByTown(c.Request.Context(), town)
	if err != nil {
		return ledger.Log{}, err
	}
	s.logsMu.Lock()
	s.logs[town] = lg
	s.logsMu.Unlock()
	return lg, nil
}
