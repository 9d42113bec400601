// Package server is provcheck's HTTP service for newsroom and tipline bots
// (`provcheck serve`): checking an uploaded image or video against the
// registry, with a reply ready to send to the person who asked, and
// managing the registry over HTTP.
//
// Routes (see openapi.json, served at /openapi.json):
//
//	POST   /v1/check           check one medium (multipart field "file", or the raw body)
//	GET    /v1/entries         list the registered cases
//	GET    /v1/entries/{id}    one case with its media and fact-checks
//	POST   /v1/entries         register media under a case, or import a JSON bundle
//	DELETE /v1/entries/{id}    remove a case
//	GET    /healthz, /readyz, /metrics, /openapi.json
//
// Writes need an API key ("Authorization: Bearer <key>"); checks and reads
// need one when the configuration says server.read_access: keyed.
// Fingerprinting runs on a bounded pool of workers behind a bounded queue:
// when it is full the service answers 503 with Retry-After at once rather
// than letting requests pile up.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/buildinfo"
	"github.com/provcheck/provcheck/rules"
	"github.com/provcheck/provcheck/server/web"
)

// Options are what New needs besides the engine.
type Options struct {
	// Logger receives the access log and errors; nil discards them.
	Logger *slog.Logger
	// Build is reported in /healthz, /metrics (provcheck_build_info) and
	// /openapi.json (info.version); an empty Version is "dev".
	Build buildinfo.Info
}

// Server is the HTTP service. Its configuration is the engine's
// (rules.Config.Server).
type Server struct {
	e       *engine.Engine
	cfg     rules.Server
	log     *slog.Logger
	build   buildinfo.Info
	keys    keyring
	queue   *queue
	uploads *uploadLimiter
	metrics *metrics
	handler http.Handler
	routes  []route
	openapi []byte
	// The pages for fact-checkers.
	web      *web.Renderer
	sessions *web.Sessions

	ready    atomic.Bool   // the registry has been loaded once
	draining atomic.Bool   // shutting down
	refresh  chan struct{} // asks the watcher to reload the registry now

	// observe, when set (by tests), sees every answered route and status.
	observe func(route string, status int)
}

// route is one registered handler.
type route struct {
	pattern string // "METHOD /path", as net/http matches it
	access  access
	handle  http.HandlerFunc
}

// Timeouts besides the configured request timeout.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	// writeSlack lets an answer be written after the request deadline.
	writeSlack = 10 * time.Second
)

// New builds the service on an engine that has a registry open.
func New(e *engine.Engine, opt Options) (*Server, error) {
	if e == nil || e.Store() == nil {
		return nil, errors.New("server: the engine has no registry open")
	}
	cfg := e.Config().Server
	if cfg.MaxUpload <= 0 || cfg.RequestTimeout <= 0 {
		return nil, errors.New("server: the configuration has no server section (use rules.Load or Raw.Translate)")
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	s := &Server{
		e: e, cfg: cfg, log: opt.Logger, build: opt.Build,
		keys:    newKeyring(cfg.APIKeys),
		queue:   newQueue(workers, cfg.QueueSize),
		uploads: newUploadLimiter(max(1, cfg.UploadsPerClient)),
		refresh: make(chan struct{}, 1),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.build.Version == "" {
		s.build.Version = "dev"
	}
	if s.build.GoVersion == "" {
		s.build.GoVersion = runtime.Version()
	}
	var err error
	if s.openapi, err = openAPI(s.build.Version); err != nil {
		return nil, err
	}
	s.routes = []route{
		{"POST /v1/check", reader, s.handleCheck},
		{"GET /v1/entries", reader, s.handleListEntries},
		{"GET /v1/entries/{id}", reader, s.handleGetEntry},
		{"POST /v1/entries", writer, s.handlePostEntries},
		{"DELETE /v1/entries/{id}", writer, s.handleDeleteEntry},
		{"GET /healthz", public, s.handleHealth},
		{"GET /readyz", public, s.handleReady},
		{"GET /metrics", public, s.handleMetrics},
		{"GET /openapi.json", public, s.handleOpenAPI},
	}
	mux := http.NewServeMux()
	patterns := make([]string, len(s.routes))
	for i, rt := range s.routes {
		mux.Handle(rt.pattern, s.guard(rt))
		patterns[i] = rt.pattern
	}
	if s.web, err = web.New(s.log); err != nil {
		return nil, err
	}
	s.sessions = web.NewSessions()
	for _, rt := range s.pageRoutes() {
		mux.Handle(rt.pattern, s.pageGuard(rt))
		patterns = append(patterns, rt.pattern)
	}
	s.metrics = newMetrics(patterns)
	s.handler = s.instrument(s.jsonUnmatched(mux))
	return s, nil
}

// Handler is the service's HTTP handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes lists the route patterns ("METHOD /path") the service answers.
func (s *Server) Routes() []string {
	out := make([]string, len(s.routes))
	for i, r := range s.routes {
		out[i] = r.pattern
	}
	return out
}

// ListenAndServe listens on the configured address and serves until ctx
// ends; see Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve answers requests on ln until ctx ends, then shuts down gracefully:
// the listener closes at once (new connections are refused, /readyz turns
// 503), requests in flight finish — each is bounded by the request
// timeout — and Serve returns. It logs the bound address first, as
// msg=listening addr=host:port.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       s.cfg.RequestTimeout,
		WriteTimeout:      s.cfg.RequestTimeout + writeSlack,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	addr := ln.Addr().String()
	s.log.Info("listening", "addr", addr, "workers", cap(s.queue.workers), "queue_size", s.queue.size,
		"max_upload", s.cfg.MaxUpload, "request_timeout", s.cfg.RequestTimeout.String(),
		"keyed_reads", s.cfg.KeyedReads, "api_keys", len(s.cfg.APIKeys))
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && !s.cfg.KeyedReads {
		s.log.Warn("listening beyond this machine with open reads: anyone who can reach it may check files and read the registry", "addr", addr)
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.watch(watchCtx)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("shutting down: finishing requests in flight", "in_flight", s.queue.inFlight())
	grace := s.cfg.RequestTimeout + writeSlack
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		s.log.Warn("requests still running after the grace period were cut off", "grace", grace.String())
		hs.Close()
	}
	<-errc
	s.log.Info("stopped")
	return nil
}

// refreshInterval is how often the watcher asks the registry what other
// processes changed. Asking costs one small read (the generation and the
// change log past it); what changed is applied to the index as a delta.
const refreshInterval = 500 * time.Millisecond

// watch loads the registry, then keeps the snapshot in step with it: at
// once after a write through this service, and within refreshInterval
// after a write by another process. Checks never wait for it: they use the
// snapshot in memory, the last one loaded while the registry cannot be
// reached.
func (s *Server) watch(ctx context.Context) {
	s.load(ctx)
	if ctx.Err() != nil {
		return
	}
	down := false
	s.e.Watch(ctx, refreshInterval, s.refresh, func(prev, next engine.RegistryInfo, took time.Duration, err error) {
		if err != nil {
			if !down {
				s.log.Warn("cannot reach the registry; checks go on with the last snapshot", "error", err,
					"generation", prev.Generation)
			}
			down = true
			return
		}
		if down {
			down = false
			s.log.Info("registry reachable again")
		}
		if next == prev {
			return
		}
		s.log.Info("registry updated", "cases", next.Cases, "hashes", next.Hashes,
			"generation", next.Generation, "elapsed_ms", took.Milliseconds())
	})
}

// refreshNow applies a write this service made to its snapshot before it
// answers, so that the next check here matches it.
func (s *Server) refreshNow(ctx context.Context) {
	if _, err := s.e.Refresh(ctx); err != nil {
		s.refreshSoon()
	}
}

// refreshSoon asks the watcher to reload the registry after a write.
func (s *Server) refreshSoon() {
	select {
	case s.refresh <- struct{}{}:
	default:
	}
}

// load reads the registry snapshot so the first check does not wait for
// it, retrying until it succeeds; /readyz answers 503 until then.
func (s *Server) load(ctx context.Context) {
	for {
		start := time.Now()
		reg, err := s.e.Registry(ctx)
		if err == nil {
			s.ready.Store(true)
			s.log.Info("registry loaded", "cases", reg.Cases, "hashes", reg.Hashes,
				"generation", reg.Generation, "elapsed_ms", time.Since(start).Milliseconds())
			return
		}
		s.log.Error("cannot load the registry; retrying", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}

// guard applies the route's access rule and the request deadline.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		info.route = rt.pattern
		if rt.access == writer || rt.access == reader && s.cfg.KeyedReads {
			if err := s.keys.authorize(r); err != nil {
				if ae, ok := err.(*apiError); ok && ae.Status == http.StatusUnauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="provcheck"`)
				}
				s.fail(w, r, err)
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		rt.handle(w, r.WithContext(ctx))
	})
}

// reqInfo follows a request through the handlers for the access log.
type reqInfo struct {
	id      string
	route   string
	code    string // error code of a failed request
	verdict string // of a check
}

type infoKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// instrument gives each request an id, recovers from panics (logging the
// stack, answering a bare 500), counts it in the metrics and writes the
// access log line.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{id: newRequestID()}
		w.Header().Set("X-Request-Id", info.id)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rec := &recorder{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "request_id", info.id, "route", info.route, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !rec.wroteHeader {
					s.fail(rec, r, errors.New("panic"))
				}
			}
			s.finish(r, rec, info, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

func (s *Server) finish(r *http.Request, rec *recorder, info *reqInfo, d time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	route := info.route
	if route == "" {
		route = "unmatched"
	}
	s.metrics.request(route, status, d)
	if s.observe != nil {
		s.observe(route, status)
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", info.id),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("remote", r.RemoteAddr),
	}
	if info.code != "" {
		attrs = append(attrs, slog.String("code", info.code))
	}
	if info.verdict != "" {
		attrs = append(attrs, slog.String("verdict", info.verdict))
	}
	s.log.LogAttrs(context.Background(), level, "request", attrs...)
}

// recorder notes the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// healthBody is the answer of /healthz: alive, and which build.
type healthBody struct {
	Status    string `json:"status"`
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	GoVersion string `json:"go_version"`
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, healthBody{Status: "ok", Version: s.build.Version, Commit: s.build.Commit,
		Date: s.build.Date, GoVersion: s.build.GoVersion})
}

// readyBody is the answer of /readyz.
type readyBody struct {
	Status     string `json:"status"`
	Cases      int    `json:"cases"`
	Hashes     int    `json:"hashes"`
	Generation int64  `json:"generation"`
	// Registry is "unreachable" while the database cannot be reached:
	// checks go on with the last snapshot, writes fail with 503.
	Registry string `json:"registry,omitempty"`
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	switch {
	case s.draining.Load():
		writeJSON(w, http.StatusServiceUnavailable, readyBody{Status: "shutting_down"})
		return
	case !s.ready.Load():
		writeJSON(w, http.StatusServiceUnavailable, readyBody{Status: "loading"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	reg, err := s.e.Registry(ctx)
	if err != nil {
		s.log.Error("registry unavailable", "request_id", infoFrom(r.Context()).id, "error", err)
		writeJSON(w, http.StatusServiceUnavailable, readyBody{Status: "registry_unavailable"})
		return
	}
	body := readyBody{Status: "ready", Cases: reg.Cases, Hashes: reg.Hashes, Generation: reg.Generation}
	if s.e.RefreshStats().Unreachable {
		body.Registry = "unreachable"
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	cs := s.e.CacheStats()
	g := gauges{
		cacheFiles:    cs.Files,
		cacheFrames:   cs.Frames,
		queueWaiting:  int(s.queue.waiting.Load()),
		queueInFlight: s.queue.inFlight(),
		queueCapacity: cap(s.queue.places),
		workers:       cap(s.queue.workers),
		workersBusy:   s.queue.busy(),
		rejected:      s.queue.rejected.Load(),
		uploads:       int(s.uploads.active.Load()),
		ready:         s.ready.Load() && !s.draining.Load(),
		cacheHits:     cs.Hits,
		cacheMisses:   cs.Misses,
		build:         s.build,
	}
	if s.ready.Load() {
		if reg, err := s.e.Registry(r.Context()); err == nil {
			g.registryLoaded = true
			g.cases, g.hashes, g.generation = reg.Cases, reg.Hashes, reg.Generation
			g.refresh = s.e.RefreshStats()
			g.reachable = !g.refresh.Unreachable
		} else {
			s.log.Error("registry unavailable", "request_id", infoFrom(r.Context()).id, "error", err)
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.metrics.write(w, g)
}
