package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// Options configure one evaluation.
type Options struct {
	Work      string // cache and run directory
	Quick     bool   // small subset for a smoke run
	Generated bool   // generated media only (no downloads)
	Workers   int
	Config    string // provcheck configuration file; "" for the defaults
	Only      string // comma-separated transformations to run
	Negatives bool   // check the negatives
	NoExplain bool   // skip computing the evidence for misses
	Kind      string // "video" or "image": only registered media and negatives of that kind; "" for both
	// Scale preloads the registry with distractors (scale.go) before the
	// corpus is registered.
	Scale      bool
	ScaleSizes ScaleOptions
}

// Result is the outcome of checking one query.
type Result struct {
	ID         string        `json:"id"`
	File       string        `json:"file"`
	Transform  string        `json:"transform,omitempty"`
	SourceKind media.Kind    `json:"source_kind"`
	Kind       media.Kind    `json:"kind"`
	Expected   string        `json:"expected,omitempty"`
	Category   string        `json:"category,omitempty"`
	Verdict    rules.Verdict `json:"verdict"` // the report's verdict
	// Hit is the verdict for the expected case (no_match when it is not
	// among the report's matches).
	Hit rules.Verdict `json:"hit,omitempty"`
	// Top is the best match's case and verdict, when there is one.
	Top        string        `json:"top,omitempty"`
	TopVerdict rules.Verdict `json:"top_verdict,omitempty"`
	// WrongMatch: another case got a match verdict.
	WrongMatch bool      `json:"wrong_match,omitempty"`
	Error      string    `json:"error,omitempty"`
	ElapsedMS  int64     `json:"elapsed_ms"`
	Duration   float64   `json:"duration_s,omitempty"`
	Frames     int       `json:"frames_checked"`
	Evidence   *Evidence `json:"evidence,omitempty"`
	// Matches are the report's matches (verdict possible_match or better).
	Matches []*MatchEvidence `json:"matches,omitempty"`

	matches []engine.Match
}

// Recalled reports whether the expected case got at least verdict v.
func (r *Result) Recalled(v rules.Verdict) bool { return r.Hit.Rank() >= v.Rank() }

// Evidence explains a result that is not a match of the expected case (or,
// for a negative, a false alarm): what the report said about the case, and
// the nearest frames between the query and the registered medium, views
// included, computed directly from the fingerprints.
type Evidence struct {
	Reported *MatchEvidence `json:"reported,omitempty"`
	// Raw nearest-frame statistics against the expected medium.
	QueryFrames    int    `json:"query_frames"`    // query frames of sufficient quality
	EntryFrames    int    `json:"entry_frames"`    // registered frames of sufficient quality
	BestDistance   int    `json:"best_distance"`   // -1 when there was nothing to compare
	BestQueryView  string `json:"best_query_view"` // "frame" or the view's name
	BestEntryView  string `json:"best_entry_view"`
	WithinMatch    int    `json:"within_match"`    // query frames with a registered frame within match_distance
	WithinPossible int    `json:"within_possible"` // … within possible_distance
	Error          string `json:"error,omitempty"`
}

// MatchEvidence is one match of a report.
type MatchEvidence struct {
	Entry         string        `json:"entry"`
	Verdict       rules.Verdict `json:"verdict"`
	Score         float64       `json:"score"`
	Distance      int           `json:"distance"`
	FramesMatched int           `json:"frames_matched"`
	QueryCoverage float64       `json:"query_coverage"`
	EntryCoverage float64       `json:"entry_coverage"`
	Segments      int           `json:"segments"`
}

func matchEvidence(m engine.Match) *MatchEvidence {
	return &MatchEvidence{Entry: m.EntryID, Verdict: m.Verdict, Score: m.Score, Distance: m.Distance,
		FramesMatched: m.FramesMatched, QueryCoverage: m.QueryCoverage, EntryCoverage: m.EntryCoverage, Segments: len(m.Segments)}
}

// Timing is the wall time of one phase.
type Timing struct {
	Phase   string  `json:"phase"`
	Seconds float64 `json:"seconds"`
	Note    string  `json:"note,omitempty"`
}

// Run is everything one evaluation produced.
type Run struct {
	Options    Options
	Config     rules.Config
	Plan       Plan
	Queries    []*Query
	Results    []*Result
	Timings    []Timing
	Versions   map[string]string
	Register   RegisterStats
	CheckStats map[media.Kind]*CheckStats
	Started    time.Time
	// Scale describes the distractors preloaded in scale mode.
	Scale *ScaleStats
	// VariantErrors are the variants ffmpeg could not make.
	VariantErrors []string
}

// RegisterStats describe registration.
type RegisterStats struct {
	Media        int     `json:"media"`
	Seconds      float64 `json:"seconds"`       // wall time
	MediaSeconds float64 `json:"media_seconds"` // total duration of registered videos
	Frames       int     `json:"frames"`        // registered frames
	Views        int     `json:"views"`         // registered frame views
	IndexEntries int     `json:"index_entries"` // hashes in the search index
	SnapshotSecs float64 `json:"snapshot_seconds"`
	// The whole registry, distractors included in scale mode.
	Cases            int    `json:"registry_cases"`
	LocalFrames      int    `json:"local_frames"`      // frames with local features in the index
	LocalDescriptors int    `json:"local_descriptors"` // descriptors in the local-feature index
	SnapshotHeap     uint64 `json:"snapshot_heap_bytes"`
	PeakRSS          uint64 `json:"peak_rss_bytes"` // the process's peak resident memory at the end of checking
}

// CheckStats describe checking of one kind of query file.
type CheckStats struct {
	Files        int     `json:"files"`
	Seconds      float64 `json:"seconds"` // wall time
	MediaSeconds float64 `json:"media_seconds,omitempty"`
	P50MS        int64   `json:"p50_ms"`
	P95MS        int64   `json:"p95_ms"`
	MaxMS        int64   `json:"max_ms"`
}

// FilesPerSecond is the checking throughput.
func (c *CheckStats) FilesPerSecond() float64 {
	if c.Seconds == 0 {
		return 0
	}
	return float64(c.Files) / c.Seconds
}

// LoadConfig is the default configuration, or the file's.
func LoadConfig(file string) (rules.Config, error) {
	if file == "" {
		return rules.Defaults().Translate()
	}
	v, err := rules.NewViper(file)
	if err != nil {
		return rules.Config{}, err
	}
	return rules.Load(v)
}

// SelectPlan picks the corpus for the options.
func SelectPlan(opt Options) Plan {
	var p Plan
	switch {
	case opt.Generated:
		p = GeneratedPlan(opt.Quick)
	default:
		p = DebianPlan()
	}
	if opt.Quick && !opt.Generated {
		var regs []*Item
		for _, it := range p.Registered {
			if it.Quick {
				regs = append(regs, it)
			}
		}
		p.Registered = regs
		// Negatives: 24 spread evenly over the list (every category),
		// and their transformed copies.
		const n = 24
		var negs []*Item
		for i := 0; i < n && i < len(p.Negatives); i++ {
			negs = append(negs, p.Negatives[i*len(p.Negatives)/n])
		}
		p.Negatives = negs
	}
	if opt.Kind != "" {
		p.Registered, p.Negatives = ofKind(p.Registered, opt.Kind), ofKind(p.Negatives, opt.Kind)
	}
	if !opt.Negatives {
		p.Negatives = nil
	}
	return p
}

// negativeEvery is how often a negative gets a template: every negative,
// every third in a quick run (which keeps its smoke-run size).
func negativeEvery(quick bool) int {
	if quick {
		return 3
	}
	return 1
}

// ofKind keeps the items of one kind.
func ofKind(items []*Item, kind string) []*Item {
	var out []*Item
	for _, it := range items {
		if string(it.Kind) == kind {
			out = append(out, it)
		}
	}
	return out
}

// Evaluate builds the corpus and the variants, registers the originals in a
// fresh registry, and checks every variant and negative.
func Evaluate(ctx context.Context, opt Options, log *slog.Logger) (*Run, error) {
	if opt.Workers < 1 {
		opt.Workers = runtime.NumCPU()
	}
	run := &Run{Options: opt, Started: time.Now(), CheckStats: map[media.Kind]*CheckStats{}}
	cfg, err := LoadConfig(opt.Config)
	if err != nil {
		return nil, err
	}
	recipes, err := SelectRecipes(opt.Quick, opt.Only)
	if err != nil {
		return nil, err
	}
	negRecipes, _ := SelectRecipes(opt.Quick, "")
	// Browser recipes need Chromium (and Xvfb for a recording): when
	// it is missing, a recipe named in -only is an error, and otherwise
	// the recipe is reported as not made, once, with the reason.
	var notRun []string
	recipes, negRecipes, notRun, err = dropUnavailable(recipes, negRecipes, opt.Only != "")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.Work, 0o755); err != nil {
		return nil, err
	}
	env := NewEnv(opt.Work, log)
	if env.Font == "" {
		log.Warn("DejaVu fonts not found (apt-get install fonts-dejavu-core); drawtext uses fontconfig's default font")
	}
	phase := func(name string, start time.Time, note string) {
		t := Timing{Phase: name, Seconds: time.Since(start).Seconds(), Note: note}
		run.Timings = append(run.Timings, t)
		log.Info("phase done", "phase", name, "seconds", fmt.Sprintf("%.1f", t.Seconds), "note", note)
	}

	plan := SelectPlan(opt)
	run.Plan = plan
	t0 := time.Now()
	if err := env.FetchPackages(ctx, plan.Packages()); err != nil {
		return nil, err
	}
	run.Versions = env.Versions()
	phase("fetch packages", t0, fmt.Sprintf("%d packages", len(plan.Packages())))

	t0 = time.Now()
	all := append(append([]*Item{}, plan.Registered...), plan.Negatives...)
	step := progress(log, "prepare media", len(all))
	if err := parallel(ctx, opt.Workers, len(all), func(i int) error { defer step(); return all[i].Prepare(ctx, env) }); err != nil {
		return nil, err
	}
	phase("prepare media", t0, fmt.Sprintf("%d registered, %d negatives", len(plan.Registered), len(plan.Negatives)))

	// Variants of the registered media, then the transformed negatives.
	type task struct {
		r  Recipe
		it *Item
	}
	var tasks []task
	for _, it := range plan.Registered {
		for _, r := range recipes {
			if r.Applies(it.Probe.Kind) {
				tasks = append(tasks, task{r, it})
			}
		}
	}
	var plain []*Query
	for _, it := range plan.Negatives {
		plain = append(plain, &Query{ID: it.ID, Path: it.Path, Source: it, Category: it.Category})
	}
	negT := NegativeRecipes(plan.Negatives, negRecipes, negativeEvery(opt.Quick))
	// The browser negatives go with the browser recipes run (all of them
	// in a full run): a run of other recipes checks the same negatives as
	// before they were added.
	browserT := BrowserNegatives(plan.Negatives, recipes)
	for _, it := range plan.Negatives {
		if r, ok := negT[it]; ok {
			tasks = append(tasks, task{r, it})
		}
		if r, ok := browserT[it]; ok {
			tasks = append(tasks, task{r, it})
		}
	}
	t0 = time.Now()
	made := make([]*Query, len(tasks))
	var mu sync.Mutex
	step = progress(log, "make variants", len(tasks))
	if err := parallel(ctx, opt.Workers, len(tasks), func(i int) error {
		defer step()
		q, err := MakeVariant(ctx, env, tasks[i].r, tasks[i].it)
		if err != nil {
			// One recipe failing on one source is reported, not fatal.
			log.Error("variant not made", "err", err)
			mu.Lock()
			run.VariantErrors = append(run.VariantErrors, err.Error())
			mu.Unlock()
			return ctx.Err()
		}
		made[i] = q
		return nil
	}); err != nil {
		return nil, err
	}
	run.VariantErrors = append(run.VariantErrors, notRun...)
	sort.Strings(run.VariantErrors)
	var queries []*Query
	nMade := 0
	for _, q := range made {
		if q == nil {
			continue
		}
		queries = append(queries, q)
		if q.made {
			nMade++
		}
	}
	queries = append(queries, plain...)
	run.Queries = queries
	phase("make variants", t0, fmt.Sprintf("%d files, %d made now, %d from the cache, %d failed",
		len(tasks), nMade, len(tasks)-nMade-len(run.VariantErrors), len(run.VariantErrors)))

	// A fresh registry.
	runDir := filepath.Join(opt.Work, "run")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, err
	}
	regPath := filepath.Join(runDir, "registry.db")
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(regPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	if opt.Scale {
		t0 := time.Now()
		full := DebianPlan()
		if err := env.FetchPackages(ctx, full.Packages()); err != nil {
			return nil, err
		}
		so := opt.ScaleSizes
		if so.Photos == 0 && so.Clips == 0 {
			so = ScaleOptions{Photos: ScalePhotos, Clips: ScaleClips}
		}
		src, st, err := Distractors(ctx, env, full, cfg, so, opt.Workers, log)
		if err != nil {
			return nil, err
		}
		if err := copyRegistry(src, regPath); err != nil {
			return nil, err
		}
		run.Scale = st
		phase("distractors", t0, fmt.Sprintf("%d photos, %d clips (built in %.0f s)", st.Photos, st.Clips, st.BuildSeconds))
	}
	cfg.Registry = regPath
	run.Config = cfg
	e, err := engine.New(ctx, cfg, engine.Options{})
	if err != nil {
		return nil, err
	}
	defer e.Close()

	t0 = time.Now()
	registered := make([]registry.Media, len(plan.Registered))
	if err := parallel(ctx, opt.Workers, len(plan.Registered), func(i int) error {
		it := plan.Registered[i]
		m, err := e.MediaFromFile(ctx, it.Path, it.Origin)
		if err != nil {
			return fmt.Errorf("registering %s: %w", it.ID, err)
		}
		registered[i] = m
		return nil
	}); err != nil {
		return nil, err
	}
	for i, it := range plan.Registered {
		c := registry.Case{ID: it.ID, Title: it.ID, Claim: "evaluation original: " + it.Origin, Rating: "False", Media: []registry.Media{registered[i]}}
		if _, err := e.Store().Upsert(ctx, c); err != nil {
			return nil, fmt.Errorf("registering %s: %w", it.ID, err)
		}
		run.Register.Media++
		run.Register.MediaSeconds += registered[i].Fingerprint.Duration
		run.Register.Frames += len(registered[i].Fingerprint.Frames)
		for _, f := range registered[i].Fingerprint.Frames {
			run.Register.Views += len(f.Views)
		}
	}
	run.Register.Seconds = time.Since(t0).Seconds()
	phase("register", t0, fmt.Sprintf("%d media", len(plan.Registered)))
	ss, err := snapshotStats(ctx, e)
	if err != nil {
		return nil, err
	}
	run.Register.SnapshotSecs = ss.load.Seconds()
	run.Register.IndexEntries = ss.hashes
	run.Register.LocalFrames, run.Register.LocalDescriptors, run.Register.SnapshotHeap = ss.localFrames, ss.descriptors, ss.heap
	run.Register.Cases = ss.cases
	snap, err := e.Snapshot(ctx) // the one just loaded, for explaining misses
	if err != nil {
		return nil, err
	}

	// Check: videos, then images, each timed on its own.
	results := make([]*Result, len(queries))
	kinds := make([]media.Kind, len(queries))
	for i, q := range queries {
		m, err := media.SniffFile(q.Path)
		if err != nil || m.Kind == "" {
			m.Kind = kindOfExt(strings.TrimPrefix(filepath.Ext(q.Path), "."))
		}
		kinds[i] = mediaKind(m)
	}
	for _, kind := range []media.Kind{media.KindVideo, media.KindImage} {
		var idx []int
		for i := range queries {
			if kinds[i] == kind {
				idx = append(idx, i)
			}
		}
		t0 = time.Now()
		step := progress(log, "check "+string(kind)+"s", len(idx))
		if err := parallel(ctx, opt.Workers, len(idx), func(n int) error {
			defer step()
			i := idx[n]
			rep, err := e.Check(ctx, queries[i].Path)
			if err != nil {
				return err
			}
			results[i] = resultOf(queries[i], kinds[i], rep)
			return nil
		}); err != nil {
			return nil, err
		}
		st := &CheckStats{Files: len(idx), Seconds: time.Since(t0).Seconds()}
		var lat []int64
		for _, i := range idx {
			st.MediaSeconds += results[i].Duration
			lat = append(lat, results[i].ElapsedMS)
		}
		st.P50MS, st.P95MS, st.MaxMS = percentile(lat, 0.5), percentile(lat, 0.95), percentile(lat, 1)
		run.CheckStats[kind] = st
		phase("check "+string(kind)+"s", t0, fmt.Sprintf("%d files", len(idx)))
	}
	run.Results = results
	run.Register.PeakRSS = peakRSS()

	if opt.NoExplain {
		return run, nil
	}
	// Evidence for every miss and every false alarm.
	t0 = time.Now()
	var explain []int
	for i, r := range results {
		if (r.Expected != "" && !r.Recalled(rules.Match)) || (r.Expected == "" && r.Verdict != rules.NoMatch) || r.WrongMatch {
			explain = append(explain, i)
		}
	}
	if err := parallel(ctx, opt.Workers, len(explain), func(n int) error {
		i := explain[n]
		r := results[i]
		entry := r.Expected
		if entry == "" {
			entry = r.Top
		}
		r.Evidence = diagnose(ctx, e, snap, queries[i].Path, entry, r)
		return nil
	}); err != nil {
		return nil, err
	}
	phase("explain misses", t0, fmt.Sprintf("%d files", len(explain)))
	return run, nil
}

// resultOf reads a report.
func resultOf(q *Query, kind media.Kind, rep engine.Report) *Result {
	r := &Result{ID: q.ID, File: q.Path, Transform: q.Recipe, SourceKind: q.Source.Probe.Kind, Kind: kind,
		Expected: q.Expected, Category: q.Category, Verdict: rep.Verdict, Hit: rules.NoMatch,
		Error: rep.Error, ElapsedMS: rep.ElapsedMS, Duration: rep.Duration, Frames: rep.Frames, matches: rep.Matches}
	if rep.Failed() {
		r.Verdict = rules.NoMatch
	}
	if len(rep.Matches) > 0 {
		r.Top, r.TopVerdict = rep.Matches[0].EntryID, rep.Matches[0].Verdict
	}
	for _, m := range rep.Matches {
		r.Matches = append(r.Matches, matchEvidence(m))
		if m.EntryID == q.Expected {
			if m.Verdict.Rank() > r.Hit.Rank() {
				r.Hit = m.Verdict
			}
		} else if m.Verdict == rules.Match {
			r.WrongMatch = true
		}
	}
	return r
}

// diagnose fingerprints the query again and compares it, frame by frame and
// view by view, with the registered medium of case entry.
func diagnose(ctx context.Context, e *engine.Engine, snap *index.Snapshot, path, entry string, r *Result) *Evidence {
	ev := &Evidence{BestDistance: -1}
	for _, m := range r.matches {
		if m.EntryID == entry {
			ev.Reported = matchEvidence(m)
			break
		}
	}
	if entry == "" {
		return ev
	}
	var entryMedia *registry.Media
	for i := range snap.Cases {
		if snap.Cases[i].ID == entry && len(snap.Cases[i].Media) > 0 {
			entryMedia = &snap.Cases[i].Media[0]
		}
	}
	if entryMedia == nil {
		ev.Error = "case not in the registry"
		return ev
	}
	fp, err := e.Fingerprint(ctx, path, e.QuerySampling())
	if err != nil {
		ev.Error = err.Error()
		return ev
	}
	cfg := e.Config().Thresholds
	entryHashes := namedHashes(entryMedia.Fingerprint.Frames, cfg.MinQuality)
	for _, f := range entryMedia.Fingerprint.Frames {
		if f.Quality >= cfg.MinQuality {
			ev.EntryFrames++
		}
	}
	for _, f := range fp.Frames {
		qh := namedHashes([]fingerprint.Frame{f}, cfg.MinQuality)
		if len(qh) == 0 {
			continue
		}
		ev.QueryFrames++
		best := 257
		for _, a := range qh {
			for _, b := range entryHashes {
				d := pdq.Distance(a.h, b.h)
				if d < best {
					best = d
				}
				if ev.BestDistance < 0 || d < ev.BestDistance {
					ev.BestDistance, ev.BestQueryView, ev.BestEntryView = d, a.name, b.name
				}
			}
		}
		if best <= cfg.MatchDistance {
			ev.WithinMatch++
		}
		if best <= cfg.PossibleDistance {
			ev.WithinPossible++
		}
	}
	return ev
}

type namedHash struct {
	name string
	h    pdq.Hash
}

// namedHashes lists the whole-frame hash and the view hashes of frames,
// where their quality is sufficient.
func namedHashes(frames []fingerprint.Frame, minQuality int) []namedHash {
	var out []namedHash
	for _, f := range frames {
		if f.Quality >= minQuality {
			out = append(out, namedHash{"frame", f.PDQ})
		}
		for _, v := range f.Views {
			if v.Quality >= minQuality {
				out = append(out, namedHash{v.Name, v.PDQ})
			}
		}
	}
	return out
}

func percentile(v []int64, p float64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]int64{}, v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s)-1) + 0.5)
	return s[min(i, len(s)-1)]
}

// progress returns a function to call after each of n steps; it logs how
// far a long phase has come, at most every 30 seconds.
func progress(log *slog.Logger, phase string, n int) func() {
	var mu sync.Mutex
	done, last := 0, time.Now()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		done++
		if time.Since(last) >= 30*time.Second && done < n {
			last = time.Now()
			log.Info("progress", "phase", phase, "done", done, "of", n)
		}
	}
}

// parallel runs f(0..n-1) on workers goroutines and returns the first
// error (the other calls still finish).
func parallel(ctx context.Context, workers, n int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// dropUnavailable takes out the browser recipes whose programs are not
// installed, saying why for each; with named (the recipes were named in
// -only) that is an error instead.
func dropUnavailable(recipes, negRecipes []Recipe, named bool) ([]Recipe, []Recipe, []string, error) {
	var notRun []string
	missing := map[string]error{}
	for _, r := range append(append([]Recipe{}, recipes...), negRecipes...) {
		if r.Browser == nil {
			continue
		}
		if _, done := missing[r.Name]; done {
			continue
		}
		missing[r.Name] = r.Browser.Missing()
	}
	keep := func(rs []Recipe) []Recipe {
		var out []Recipe
		for _, r := range rs {
			if missing[r.Name] == nil {
				out = append(out, r)
			}
		}
		return out
	}
	for _, r := range recipes {
		if err := missing[r.Name]; err != nil {
			if named {
				return nil, nil, nil, fmt.Errorf("transformation %s cannot be made: %w", r.Name, err)
			}
			notRun = append(notRun, fmt.Sprintf("%s: not made (nor its negatives): %v", r.Name, err))
		}
	}
	return keep(recipes), keep(negRecipes), notRun, nil
}
