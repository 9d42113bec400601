// Package engine runs provcheck's jobs on a validated configuration:
// fingerprinting files, registering media in the registry, and checking
// files against it. The command line, the batch scanner and the HTTP
// service all go through it.
package engine

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/match"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/media/ffmpeg"
	"github.com/provcheck/provcheck/internal/safefile"
	"github.com/provcheck/provcheck/internal/thumb"
	"github.com/provcheck/provcheck/internal/views"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// Engine checks and registers media. It is safe for concurrent use.
type Engine struct {
	cfg   rules.Config
	fp    *fingerprint.Fingerprinter
	store registry.Store
	log   *slog.Logger

	snap      atomic.Pointer[index.Snapshot]
	loadMu    sync.Mutex // serialises refreshes
	following atomic.Bool
	stats     refreshStats
	cache     *fpCache
	indexPath string // the persisted index file, "" none
}

// Options are what New needs besides the configuration.
type Options struct {
	// Store is the registry; nil opens the registry at cfg.Registry: a
	// postgres:// URL, or a SQLite file (the default location if empty).
	Store registry.Store
	// Seed is imported into a registry file that did not exist yet, when
	// it is at the default location (the bundled sample case).
	Seed func() ([]registry.Case, error)
	// NoRegistry skips opening a registry (for hashing only).
	NoRegistry bool
	// MustExist refuses a registry path named in the configuration that
	// does not exist yet, rather than creating an empty registry there: a
	// mistyped path must not check against nothing. The default location
	// is always created (with Seed).
	MustExist bool
	Logger    *slog.Logger
	// Cache bounds the fingerprint cache of CheckFile (zero: the
	// defaults).
	Cache CacheLimits
	// PersistIndex keeps the registry's index in a file (index_file, see
	// IndexFilePath) and maps it instead of reading and indexing the whole
	// registry: for processes that check a few files and exit. A service
	// keeps its index in memory.
	PersistIndex bool
}

// ErrNoRegistry is returned by New for a named registry that does not exist
// (Options.MustExist).
var ErrNoRegistry = errors.New("registry does not exist")

// New builds an engine. A missing ffmpeg is not an error here: images still
// work, and videos fail with a message saying how to install it.
func New(ctx context.Context, cfg rules.Config, opt Options) (*Engine, error) {
	e := &Engine{cfg: cfg, log: opt.Logger, cache: newFPCache(opt.Cache)}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	dec, err := ffmpeg.New(ffmpeg.Config{FFmpeg: cfg.FFmpeg, FFprobe: cfg.FFprobe, Timeout: cfg.Limits.Timeout})
	var video ffmpeg.Decoder
	if err == nil {
		video = dec
	}
	lim := media.Limits{
		MaxPixels: cfg.Limits.MaxPixels, MaxFileBytes: cfg.Limits.MaxFileSize,
		MaxDecodeBytes: cfg.Limits.MaxDecodeMemory, MaxCanvasPixels: cfg.Limits.MaxCanvasPixels,
	}
	if cfg.Limits.DecodeMemory > 0 {
		lim.Budget = media.NewBudget(cfg.Limits.DecodeMemory)
	}
	e.fp = fingerprint.NewFingerprinter(video, err, lim)
	if opt.NoRegistry {
		return e, nil
	}
	if opt.Store != nil {
		e.store = opt.Store
		if opt.PersistIndex && cfg.IndexFile != rules.IndexOff {
			e.indexPath = cfg.IndexFile // only a named file: the store's location is unknown
		}
		return e, nil
	}
	if registry.IsPostgresURL(cfg.Registry) {
		s, err := registry.OpenPostgres(ctx, cfg.Registry)
		if err != nil {
			return nil, err
		}
		e.store = s
		if opt.PersistIndex {
			if e.indexPath, err = IndexFilePath(cfg.IndexFile, cfg.Registry); err != nil {
				s.Close()
				return nil, err
			}
		}
		return e, nil
	}
	path, isDefault := cfg.Registry, false
	if path == "" {
		if path, err = rules.DefaultRegistryPath(); err != nil {
			return nil, err
		}
		isDefault = true
	}
	_, statErr := os.Stat(path)
	fresh := errors.Is(statErr, os.ErrNotExist)
	if fresh && !isDefault && opt.MustExist {
		return nil, fmt.Errorf("%w: %s (create it with `provcheck registry init %s`, or pass --create)", ErrNoRegistry, path, path)
	}
	s, err := registry.OpenSQLite(ctx, path)
	if err != nil {
		return nil, err
	}
	e.store = s
	if opt.PersistIndex {
		if e.indexPath, err = IndexFilePath(cfg.IndexFile, path); err != nil {
			s.Close()
			return nil, err
		}
	}
	if fresh && isDefault && opt.Seed != nil {
		cases, err := opt.Seed()
		if err == nil {
			err = s.Import(ctx, cases)
		}
		if err != nil {
			s.Close()
			os.Remove(path)
			return nil, fmt.Errorf("registry: seeding %s with the sample case: %w", path, err)
		}
		e.log.Info("created registry with the bundled sample case", "path", path)
	}
	return e, nil
}

// Config is the configuration the engine runs with.
func (e *Engine) Config() rules.Config { return e.cfg }

// Store is the registry.
func (e *Engine) Store() registry.Store { return e.store }

// Close closes the registry.
func (e *Engine) Close() error {
	if e.store == nil {
		return nil
	}
	return e.store.Close()
}

// QuerySampling is how checked videos are sampled.
func (e *Engine) QuerySampling() fingerprint.Sampling {
	s := e.cfg.Sampling
	set := views.QueryViews
	if s.QueryViews == rules.ViewsFast {
		set = views.FastQueryViews
	}
	local := 0.0
	if set == views.QueryViews && s.LocalFeatures {
		local = queryLocalFPS
	}
	return fingerprint.Sampling{FPS: s.QueryFPS, MaxSide: s.FrameSize, MaxFrames: s.MaxFrames, Dedup: s.Dedup,
		Views: set, KeyframesOnly: s.QueryKeyframes, LocalFPS: local, LocalMinFrames: queryLocalChances * e.cfg.Thresholds.MinFrames,
		LocalCoarse: queryLocalCoarse, LocalFine: queryLocalFine,
		ShortFPS: s.RegisterFPS, ShortUnder: float64(queryLocalChances*e.cfg.Thresholds.MinFrames) / queryLocalFPS}
}

// Local features are computed on this many video frames a second: checked
// clips (sampling.query_views: thorough; fast computes none), registered
// clips (every 2 s, and a new shot sooner: near-identical frames are
// skipped, others are not). Stills always get them (but with fast query
// views). Checked frames within 1 s of a described registered frame align
// with it.
const (
	queryLocalFPS    = 1
	registerLocalFPS = 0.5
	// queryLocalChances: a checked clip too short for this many times
	// thresholds.min_frames frames at queryLocalFPS (6 s by default) has
	// every sampled frame described, so that the
	// frames a match by local features needs are not most of the frames
	// it has: a frame between two registered ones in a fast shot, or
	// under an overlay, can fail without costing the match.
	//
	// Such a short clip is also sampled at sampling.register_fps instead
	// of query_fps (when that is higher): its frames then fall at the
	// registered frames' times (a repost that is not retimed keeps the
	// original's clock), and a fast shot — a cartoon, a clip that cuts
	// every second — that changes between two query frames still gives
	// min_frames frames that match. A 3.4 s cartoon cropped, cut or
	// stickered had 1 or 2 of its 7 frames at 2 fps match, 6 to 9 of its
	// 18 at 5 fps.
	queryLocalChances = 2
	// queryLocalCoarse: checked frames spend their feature budget a second
	// time from this pyramid level on (orb.Options.Coarse; 1.2^4 ≈ 2.1×),
	// so a repost that keeps part of the registered picture and is decoded
	// at the same frame size — a corner or edge crop, a 9:16 or 4:5 cut
	// enlarged 1.4–2.5× — still has features at the scale the registered
	// frame was described at.
	queryLocalCoarse = 4
	// queryLocalFine: checked stills larger than they are described at
	// (fingerprint.LocalStillSide), and checked clips larger than
	// sampling.frame_size (their frames with local features are decoded
	// at 1.2^4 ≈ 2.1× frame_size too, in the same ffmpeg run), are
	// described on up to this many finer pyramid levels as well, so a
	// registered picture shown at half the picture's size or less — a
	// collage tile, a duet side, a post in a phone screenshot, a screen
	// in a photo — keeps features at the scale it was registered at.
	queryLocalFine = 4
)

// RegisterSampling is how registered videos are sampled: densely, so any
// query frame finds a registered frame close in time.
func (e *Engine) RegisterSampling() fingerprint.Sampling {
	s := e.cfg.Sampling
	local := 0.0
	if s.LocalFeatures {
		local = registerLocalFPS
	}
	return fingerprint.Sampling{FPS: s.RegisterFPS, MaxSide: s.FrameSize, MaxFrames: s.MaxFrames, Dedup: s.Dedup, Views: views.RegisterViews,
		LocalFPS: local}
}

// Fingerprint fingerprints one file with a per-file timeout.
func (e *Engine) Fingerprint(ctx context.Context, path string, s fingerprint.Sampling) (*fingerprint.Fingerprint, error) {
	q, err := e.FingerprintQuery(ctx, path, s)
	if err != nil {
		return nil, err
	}
	f := q.Fingerprint // not the query: its luminance is let go
	return &f, nil
}

// Hash fingerprints one file as Fingerprint does and computes, for the
// hash command, the pHash and dHash of each of its frames: nothing else
// computes them.
func (e *Engine) Hash(ctx context.Context, path string, s fingerprint.Sampling) (*fingerprint.Fingerprint, []fingerprint.Small, error) {
	sh := fingerprint.NewSmallHasher()
	s.Small = sh
	fp, err := e.Fingerprint(ctx, path, s)
	if err != nil {
		return nil, nil, err
	}
	return fp, sh.For(fp.Frames), nil
}

// FingerprintQuery fingerprints one file for a check, as CheckFile does,
// with a per-file timeout: the fingerprint with the luminance its frames
// kept for matching (see Evaluate).
func (e *Engine) FingerprintQuery(ctx context.Context, path string, s fingerprint.Sampling) (*fingerprint.Query, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Limits.Timeout)
	defer cancel()
	fp, err := e.fp.Query(ctx, path, s)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, timeoutError(e.cfg.Limits.Timeout)
	}
	return fp, err
}

// Evaluate matches a checked file's fingerprint against a snapshot and
// applies the policy (EvaluateContext without a deadline).
func (e *Engine) Evaluate(snap *index.Snapshot, fp *fingerprint.Query) Report {
	rep, _ := e.EvaluateContext(context.Background(), snap, fp)
	return rep
}

// EvaluateContext matches a checked file's fingerprint against a snapshot
// and applies the policy. It stops when ctx ends, with ctx's error. fp is
// not modified: it may be shared (the engine caches fingerprints).
func (e *Engine) EvaluateContext(ctx context.Context, snap *index.Snapshot, fp *fingerprint.Query) (Report, error) {
	rep := Report{Kind: fp.Kind, Duration: fp.Duration, Verdict: rules.NoMatch, Matches: []Match{},
		FramesTruncated: fp.Truncated, CheckedUntil: fp.CheckedUntil}
	q := match.NewQuery(fp, e.cfg.Thresholds.MinQuality)
	for _, f := range q.Frames {
		if f.Informative(e.cfg.Thresholds.MinQuality) {
			rep.Frames++
		}
	}
	found, err := match.FindContext(ctx, snap, q, match.ParamsFrom(e.cfg))
	if err != nil {
		return Report{}, err
	}
	for _, cm := range found {
		v, score := e.cfg.Decide(cm.Evidence)
		if v == rules.NoMatch {
			continue
		}
		c := snap.Case(int32(cm.Case))
		m := caseMatch(c)
		m.Verdict, m.Score, m.Distance = v, score, cm.Evidence.BestDistance
		m.QueryCoverage, m.EntryCoverage = cm.Evidence.QueryCoverage, cm.Evidence.EntryCoverage
		m.FramesMatched, m.Media = cm.Evidence.FramesMatched, c.Media[cm.Media].Name
		em := &c.Media[cm.Media]
		m.Seen = &Seen{MediaSHA256: em.SHA256, MediaKind: em.Fingerprint.Kind,
			MediaDuration: em.Fingerprint.Duration, Pairs: make([]FramePair, 0, len(cm.Pairs))}
		for _, p := range cm.Pairs {
			if p.Query < len(q.Frames) && p.Entry < len(em.Fingerprint.Frames) {
				fp := FramePair{QueryT: q.Frames[p.Query].T,
					EntryT: em.Fingerprint.Frames[p.Entry].T, EntryFrame: p.Entry, Distance: p.Distance}
				if r := p.Local; r != nil {
					fp.Region = &PairRegion{Query: &Rect{r.Query.X, r.Query.Y, r.Query.W, r.Query.H},
						Entry: &Rect{r.Entry.X, r.Entry.Y, r.Entry.W, r.Entry.H}}
				}
				m.Seen.Pairs = append(m.Seen.Pairs, fp)
			}
		}
		for _, s := range cm.Segments {
			m.Segments = append(m.Segments, Segment{s.QueryStart, s.QueryEnd, s.EntryStart, s.EntryEnd})
		}
		if r := cm.Region; r != nil {
			m.Region = &Region{QueryT: r.QueryT, EntryT: r.EntryT, Inliers: r.Inliers, Mirror: r.Mirrored,
				Entry: Box{r.Entry.X, r.Entry.Y, r.Entry.W, r.Entry.H}, Query: Box{r.Query.X, r.Query.Y, r.Query.W, r.Query.H}}
		}
		rep.Matches = append(rep.Matches, m)
		if v.Rank() > rep.Verdict.Rank() {
			rep.Verdict = v
		}
	}
	sortMatches(rep.Matches)
	rep.Action = e.cfg.Action(rep.Verdict)
	return rep, nil
}

// sortMatches orders matches best first: verdict, then score.
func sortMatches(ms []Match) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && better(ms[j], ms[j-1]); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

func better(a, b Match) bool {
	if a.Verdict.Rank() != b.Verdict.Rank() {
		return a.Verdict.Rank() > b.Verdict.Rank()
	}
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.EntryID < b.EntryID
}

// AddRequest describes media to register under a case.
type AddRequest struct {
	Case  registry.Case // id, metadata and fact-checks; Media is filled in
	Files []string
	// Names, when given, are the names the files are registered and
	// reported under (one for each of Files), instead of their base names:
	// an upload's own name rather than its temporary file's.
	Names []string
	Note  string // source note for each file
	// NoThumbnails keeps no thumbnails of the registered frames (for
	// registries that must not hold pixels of the media).
	NoThumbnails bool
}

// FileError is a problem with one input file.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// FileErrors are the problems with single files in an error of Register.
func FileErrors(err error) []*FileError {
	var out []*FileError
	var walk func(error)
	walk = func(err error) {
		var fe *FileError
		switch x := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		default:
			if errors.As(err, &fe) {
				out = append(out, fe)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// Register fingerprints every file densely and adds them, with the case's
// metadata and fact-checks, to the registry in one transaction. If any file
// cannot be fingerprinted nothing is changed and every failing file is
// reported.
func (e *Engine) Register(ctx context.Context, req AddRequest) (registry.Case, error) {
	c := req.Case
	if c.ID == "" {
		c.ID = registry.Slug(c.Title)
	}
	media := make([]registry.Media, len(req.Files))
	fails := make([]error, len(req.Files))
	parallel(len(req.Files), func(i int) {
		media[i], fails[i] = e.mediaFromFile(ctx, req.Files[i], req.Note, !req.NoThumbnails)
	})
	var errs []error
	for i, f := range req.Files {
		name := f
		if i < len(req.Names) {
			name = req.Names[i]
		}
		if fails[i] != nil {
			errs = append(errs, &FileError{File: name, Err: fails[i]})
			continue
		}
		m := media[i]
		if i < len(req.Names) {
			m.Name = req.Names[i]
		}
		c.Media = append(c.Media, m)
	}
	if len(errs) > 0 {
		return registry.Case{}, errors.Join(errs...)
	}
	return e.store.Upsert(ctx, c)
}

// parallel runs fn(0) … fn(n-1) on up to one goroutine per CPU.
func parallel(n int, fn func(i int)) {
	workers := min(n, runtime.NumCPU())
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// MediaFromFile fingerprints a file for registration, with a thumbnail of
// each registered frame. The file is recognised (and refused if it is not
// a regular file or not media) before its content is digested, and both
// run under the per-file time limit.
func (e *Engine) MediaFromFile(ctx context.Context, path, note string) (registry.Media, error) {
	return e.mediaFromFile(ctx, path, note, true)
}

func (e *Engine) mediaFromFile(ctx context.Context, path, note string, thumbs bool) (registry.Media, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Limits.Timeout)
	defer cancel()
	s := e.RegisterSampling()
	var tc *thumb.Collector
	if thumbs {
		tc = thumb.NewCollector(s.MaxFrames)
		s.OnFrame = tc.Observe
	}
	fp, err := e.Fingerprint(ctx, path, s)
	if err != nil {
		return registry.Media{}, err
	}
	d, err := e.digest(ctx, path)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return registry.Media{}, timeoutError(e.cfg.Limits.Timeout)
		}
		return registry.Media{}, err
	}
	m := registry.Media{SHA256: hex.EncodeToString(d[:]), Name: filepath.Base(path), Note: note, Fingerprint: *fp, Version: fingerprint.Version()}
	if tc != nil {
		for i, f := range fp.Frames {
			if b, ok := tc.Get(f.T); ok {
				m.Thumbnails = append(m.Thumbnails, registry.Thumbnail{Frame: i, JPEG: b})
			}
		}
	}
	return m, nil
}

// stillStopFeatures decodes a still again and describes it by local
// features at the sizes of registered stills and of registered video
// frames.
func (e *Engine) stillStopFeatures(ctx context.Context, path string) ([]byte, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := media.DecodeImage(f, e.fp.Limits())
	if err != nil {
		return nil, err
	}
	return fingerprint.LocalStopFeatures(img, e.cfg.Sampling.FrameSize), ctx.Err()
}

// StopFramesFromFile fingerprints unrelated material as registration does
// (every frame with its crop and zoom views) for the stop-list.
func (e *Engine) StopFramesFromFile(ctx context.Context, path, source string) ([]registry.StopFrame, error) {
	// The registered views (crops, zooms) of the material are stopped
	// too: registered media index the same views of it, and a query's
	// views can reach them.
	fp, err := e.Fingerprint(ctx, path, e.RegisterSampling())
	if err != nil {
		return nil, err
	}
	if fp.Kind == media.KindImage && len(fp.Frames) == 1 {
		if local, err := e.stillStopFeatures(ctx, path); err == nil && len(local) > 0 {
			fp.Frames[0].Local = local
		}
	}
	var out []registry.StopFrame
	for _, f := range fp.Frames {
		if f.Quality < e.cfg.Thresholds.MinQuality && len(f.Local) == 0 {
			continue
		}
		out = append(out, registry.StopFrame{Source: source, PDQ: f.PDQ, Local: f.Local})
		for _, v := range f.Views {
			if v.Quality >= e.cfg.Thresholds.MinQuality {
				out = append(out, registry.StopFrame{Source: source, PDQ: v.PDQ})
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no frame has enough detail (PDQ quality ≥ %d) to be a stop frame", e.cfg.Thresholds.MinQuality)
	}
	return out, nil
}
