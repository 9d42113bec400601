package server

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/buildinfo"
	"github.com/provcheck/provcheck/rules"
)

// The service's metrics, written in the Prometheus text exposition format
// (version 0.0.4). provcheck's own handful of counters, gauges and two
// histograms are written directly; the standard process and Go runtime
// metrics come from prometheus/client_golang's collectors.

// latencyBuckets are the upper bounds, in seconds, of the latency
// histograms: image checks take milliseconds, video checks seconds.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

func newHistogram() *histogram { return &histogram{counts: make([]uint64, len(latencyBuckets)+1)} }

func (h *histogram) observe(v float64) {
	i, _ := slices.BinarySearch(latencyBuckets, v)
	h.counts[i]++
	h.sum += v
	h.n++
}

type requestKey struct {
	route string
	code  int
}

type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	latency  map[string]*histogram // by route
	checks   map[rules.Verdict]uint64
	failures map[string]uint64 // checks that failed, by error code
	checkDur map[string]*histogram
	started  time.Time
	std      *prometheus.Registry // process_* and go_*
}

func newMetrics(routes []string) *metrics {
	m := &metrics{
		requests: map[requestKey]uint64{},
		latency:  map[string]*histogram{},
		checks:   map[rules.Verdict]uint64{rules.Match: 0, rules.PossibleMatch: 0, rules.NoMatch: 0},
		failures: map[string]uint64{},
		checkDur: map[string]*histogram{"image": newHistogram(), "video": newHistogram()},
		started:  time.Now(),
		std:      prometheus.NewPedanticRegistry(),
	}
	m.std.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	for _, r := range routes {
		m.latency[r] = newHistogram()
	}
	return m
}

func (m *metrics) request(route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{route, code}]++
	h, ok := m.latency[route]
	if !ok {
		h = newHistogram()
		m.latency[route] = h
	}
	h.observe(d.Seconds())
}

// check counts a finished check: its verdict, or the code of its failure,
// and how long fingerprinting and matching took.
func (m *metrics) check(kind string, v rules.Verdict, failure string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if failure != "" {
		m.failures[failure]++
		return
	}
	m.checks[v]++
	if h, ok := m.checkDur[kind]; ok {
		h.observe(d.Seconds())
	}
}

// gauges are read when the metrics are scraped.
type gauges struct {
	queueWaiting, queueInFlight, queueCapacity, workersBusy, workers int
	rejected                                                         int64
	uploads                                                          int
	ready                                                            bool
	registryLoaded                                                   bool
	cases, hashes                                                    int
	generation                                                       int64
	build                                                            buildinfo.Info
	cacheHits, cacheMisses                                           int64
	cacheFiles, cacheFrames                                          int
	refresh                                                          engine.RefreshStats
	reachable                                                        bool
}

func (m *metrics) write(w io.Writer, g gauges) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	head := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	sample := func(name string, labels []string, v float64) {
		b.WriteString(name)
		if len(labels) > 0 {
			b.WriteByte('{')
			for i := 0; i < len(labels); i += 2 {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(labels[i] + `="` + escapeLabel(labels[i+1]) + `"`)
			}
			b.WriteByte('}')
		}
		b.WriteByte(' ')
		b.WriteString(formatValue(v))
		b.WriteByte('\n')
	}
	hist := func(name string, label string, hs map[string]*histogram) {
		for _, key := range sortedKeys(hs) {
			h := hs[key]
			var cum uint64
			for i, le := range latencyBuckets {
				cum += h.counts[i]
				sample(name+"_bucket", []string{label, key, "le", formatValue(le)}, float64(cum))
			}
			sample(name+"_bucket", []string{label, key, "le", "+Inf"}, float64(h.n))
			sample(name+"_sum", []string{label, key}, h.sum)
			sample(name+"_count", []string{label, key}, float64(h.n))
		}
	}

	head("provcheck_http_requests_total", "counter", "HTTP requests answered, by route and status code.")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b requestKey) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		return a.code - b.code
	})
	for _, k := range keys {
		sample("provcheck_http_requests_total", []string{"route", k.route, "code", strconv.Itoa(k.code)}, float64(m.requests[k]))
	}
	head("provcheck_http_request_duration_seconds", "histogram", "Time from a request's arrival to its answer, by route.")
	hist("provcheck_http_request_duration_seconds", "route", m.latency)

	head("provcheck_checks_total", "counter", "Files checked, by verdict.")
	for _, v := range []rules.Verdict{rules.Match, rules.PossibleMatch, rules.NoMatch} {
		sample("provcheck_checks_total", []string{"verdict", string(v)}, float64(m.checks[v]))
	}
	head("provcheck_check_failures_total", "counter", "Files that could not be checked, by error code.")
	for _, code := range sortedKeys(m.failures) {
		sample("provcheck_check_failures_total", []string{"code", code}, float64(m.failures[code]))
	}
	head("provcheck_check_duration_seconds", "histogram", "Time to fingerprint and match one file, by kind.")
	hist("provcheck_check_duration_seconds", "kind", m.checkDur)

	gauge := func(name, help string, v float64) {
		head(name, "gauge", help)
		sample(name, nil, v)
	}
	gauge("provcheck_queue_depth", "Requests admitted and waiting for a fingerprinting worker.", float64(g.queueWaiting))
	gauge("provcheck_queue_in_flight", "Requests admitted to the fingerprinting queue: waiting or running.", float64(g.queueInFlight))
	gauge("provcheck_uploads_in_progress", "Uploads being received (before they are admitted to the queue).", float64(g.uploads))
	gauge("provcheck_queue_capacity", "Requests the fingerprinting queue admits at once (workers plus queue size).", float64(g.queueCapacity))
	gauge("provcheck_workers", "Fingerprinting workers.", float64(g.workers))
	gauge("provcheck_workers_busy", "Fingerprinting workers running a job.", float64(g.workersBusy))
	head("provcheck_queue_rejected_total", "counter", "Requests refused with 503 because the fingerprinting queue was full.")
	sample("provcheck_queue_rejected_total", nil, float64(g.rejected))
	head("provcheck_fingerprint_cache_hits_total", "counter", "Checks of content seen before, matched without fingerprinting it again.")
	sample("provcheck_fingerprint_cache_hits_total", nil, float64(g.cacheHits))
	head("provcheck_fingerprint_cache_misses_total", "counter", "Checks of content not in the fingerprint cache.")
	sample("provcheck_fingerprint_cache_misses_total", nil, float64(g.cacheMisses))
	gauge("provcheck_fingerprint_cache_files", "Files whose fingerprints are cached.", float64(g.cacheFiles))
	gauge("provcheck_fingerprint_cache_frames", "Frames held by the fingerprint cache.", float64(g.cacheFrames))
	gauge("provcheck_ready", "1 when the registry is loaded and the service takes requests.", bool01(g.ready))
	if g.registryLoaded {
		gauge("provcheck_registry_cases", "Cases in the registry snapshot in use.", float64(g.cases))
		gauge("provcheck_registry_hashes", "Frame hashes indexed in the registry snapshot in use.", float64(g.hashes))
		gauge("provcheck_registry_generation", "Generation of the registry snapshot in use.", float64(g.generation))
		r := g.refresh
		gauge("provcheck_registry_store_generation", "Generation of the registry database when last asked.", float64(r.StoreGeneration))
		gauge("provcheck_index_lag_generations", "Generations the snapshot in use is behind the registry database.", float64(max(0, r.StoreGeneration-g.generation)))
		if !r.LastContact.IsZero() {
			gauge("provcheck_index_staleness_seconds", "Seconds since the registry database last answered a refresh.", time.Since(r.LastContact).Seconds())
		}
		gauge("provcheck_registry_reachable", "1 when the last refresh reached the registry database.", bool01(g.reachable))
		gauge("provcheck_index_delta_hashes", "Hashes indexed by changes applied since the index was last built whole.", float64(r.Delta))
		head("provcheck_index_refreshes_total", "counter", "Refreshes that changed the snapshot, by kind: delta (changes applied) or full (read and indexed whole).")
		for _, k := range sortedKeys(r.Count) {
			sample("provcheck_index_refreshes_total", []string{"kind", k}, float64(r.Count[k]))
		}
		head("provcheck_index_refresh_seconds_total", "counter", "Time spent refreshing the snapshot, by kind.")
		for _, k := range sortedKeys(r.Seconds) {
			sample("provcheck_index_refresh_seconds_total", []string{"kind", k}, r.Seconds[k])
		}
		gaugeK := "provcheck_index_refresh_longest_seconds"
		head(gaugeK, "gauge", "The longest refresh of the snapshot, by kind.")
		for _, k := range sortedKeys(r.Longest) {
			sample(gaugeK, []string{"kind", k}, r.Longest[k].Seconds())
		}
		head("provcheck_registry_refresh_failures_total", "counter", "Refreshes that could not reach the registry database.")
		sample("provcheck_registry_refresh_failures_total", nil, float64(r.Failures))
	}
	gauge("provcheck_start_time_seconds", "When the service started, in seconds since the Unix epoch.", float64(m.started.UnixMilli())/1000)
	head("provcheck_build_info", "gauge", "The provcheck version, VCS commit and date, and Go version, as labels.")
	sample("provcheck_build_info", []string{"version", g.build.Version, "commit", g.build.Commit, "date", g.build.Date,
		"go_version", g.build.GoVersion}, 1)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return m.writeStandard(w)
}

// writeStandard writes the process_* and go_* metrics every Prometheus
// target has (CPU, memory, file descriptors, goroutines, GC), from
// client_golang's own collectors.
func (m *metrics) writeStandard(w io.Writer) error {
	families, err := m.std.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
