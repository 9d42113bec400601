package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"runtime/debug"
	"slices"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/safefile"
)

// CheckOptions adjust one check.
type CheckOptions struct {
	// Timeout bounds the work on the file (reading, fingerprinting,
	// matching); 0 means the configured limits.timeout.
	Timeout time.Duration
	// OnFrame, when set, sees every decoded picture of the file (the
	// service's check page keeps thumbnails of them); the file is then
	// always decoded, not taken from the fingerprint cache.
	OnFrame func(img image.Image, t float64)
}

// Checked is the outcome of checking one file.
type Checked struct {
	// Report is what the front ends print or send; Report.Error is set
	// when the file could not be checked.
	Report Report
	// Err is what was wrong with the file (Report.Error is its text), for
	// errors.Is with ErrEmpty, ErrTooLarge, ErrTimeout, …, or
	// context.Canceled when the caller gave up.
	Err error
	// Fingerprinted says this check decoded and fingerprinted the file;
	// Cached says its content was in the fingerprint cache instead (an
	// identical file was checked before, or was being checked).
	Fingerprinted, Cached bool
}

// Check fingerprints the file at path and matches it against the registry.
// Problems with the file are reported in Report.Error; the error return is
// for failures of the registry itself.
func (e *Engine) Check(ctx context.Context, path string) (Report, error) {
	c, err := e.CheckFile(ctx, path, CheckOptions{})
	return c.Report, err
}

// CheckFile is the one path every front end checks a file by: it digests
// the file, takes its fingerprint from the cache or makes it (once, however
// many identical files arrive together), matches it against the current
// registry snapshot and applies the policy. The error return is for
// failures of the registry; what is wrong with the file is in Checked.Err.
// A cancelled ctx ends the work promptly, with Checked.Err = ctx's error.
func (e *Engine) CheckFile(ctx context.Context, path string, opt CheckOptions) (Checked, error) {
	start := time.Now()
	limit := opt.Timeout
	if limit <= 0 {
		limit = e.cfg.Limits.Timeout
	}
	fctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	done := func(c Checked) Checked {
		if c.Err != nil {
			if ctx.Err() == nil && errors.Is(fctx.Err(), context.DeadlineExceeded) {
				c.Err = timeoutError(limit)
			} else if ctx.Err() != nil {
				c.Err = ctx.Err()
			}
			c.Report = Report{Error: c.Err.Error()}
		}
		c.Report.File = path
		c.Report.ElapsedMS = time.Since(start).Milliseconds()
		return c
	}
	snap, err := e.Snapshot(fctx)
	if err != nil {
		if fctx.Err() != nil {
			return done(Checked{Err: fctx.Err()}), nil
		}
		return Checked{Report: Report{File: path}}, err
	}
	d, err := e.digest(fctx, path)
	if err != nil {
		return done(Checked{Err: err}), nil
	}
	if opt.OnFrame != nil {
		fp, err := e.fingerprintOnce(fctx, path, opt.OnFrame)
		if err != nil {
			return done(Checked{Err: err, Fingerprinted: true}), nil
		}
		rep, err := e.EvaluateContext(fctx, snap, fp)
		if err != nil {
			return done(Checked{Err: err, Fingerprinted: true}), nil
		}
		return done(Checked{Report: e.withIdentical(fctx, rep, d), Fingerprinted: true}), nil
	}
	var c Checked
	for {
		ent, leader := e.cache.claim(d)
		if leader {
			fp, err := e.fingerprintOnce(fctx, path, nil)
			switch {
			case fctx.Err() != nil:
				e.cache.abandon(ent)
				return done(Checked{Err: fctx.Err()}), nil
			case err != nil:
				// A broken file stays broken: its identical copies
				// get the same answer without being decoded again.
				e.cache.finish(ent, nil, err, !errors.Is(err, ErrVideoUnavailable) && !errors.Is(err, ErrInternal))
				return done(Checked{Err: err, Fingerprinted: true}), nil
			}
			e.cache.finish(ent, fp, nil, true)
			c.Fingerprinted = true
		} else {
			select {
			case <-ent.done:
			case <-fctx.Done():
				return done(Checked{Err: fctx.Err()}), nil
			}
			if ent.abandoned {
				continue // its check was cut short: claim it again
			}
			c.Cached = true
			if ent.err != nil {
				return done(Checked{Err: ent.err, Cached: true}), nil
			}
		}
		if rep, ok := e.cache.report(ent, snap.Generation); ok {
			c.Report = rep
			return done(c), nil
		}
		rep, err := e.EvaluateContext(fctx, snap, ent.fp)
		if err != nil {
			return done(Checked{Err: err, Cached: c.Cached, Fingerprinted: c.Fingerprinted}), nil
		}
		rep = e.withIdentical(fctx, rep, d)
		if fctx.Err() != nil {
			return done(Checked{Err: fctx.Err(), Cached: c.Cached, Fingerprinted: c.Fingerprinted}), nil
		}
		e.cache.setReport(ent, snap.Generation, rep)
		c.Report = rep
		return done(c), nil
	}
}

// fingerprintOnce fingerprints a file for a check. A panic in a decoder
// becomes ErrInternal: one bad file must not end a batch of thousands, or
// a service.
func (e *Engine) fingerprintOnce(ctx context.Context, path string, onFrame func(image.Image, float64)) (fp *fingerprint.Query, err error) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("internal error while checking a file", "path", path, "panic", r, "stack", string(debug.Stack()))
			fp, err = nil, fmt.Errorf("%w: %v", ErrInternal, r)
		}
	}()
	s := e.QuerySampling()
	s.OnFrame = onFrame
	return e.fp.Query(ctx, path, s)
}

// digest opens path as a regular file, refuses it when it is empty or over
// the size limit, and returns the SHA-256 of its content. It is the only
// place a file's content is digested.
func (e *Engine) digest(ctx context.Context, path string) (Digest, error) {
	var d Digest
	f, fi, err := safefile.Open(path)
	if err != nil {
		return d, safefile.Reason(err)
	}
	defer f.Close()
	if fi.Size() == 0 {
		return d, media.ErrEmpty
	}
	if max := e.fp.Limits().MaxFileBytes; fi.Size() > max {
		return d, fmt.Errorf("%w: %d bytes is over the %d-byte limit", media.ErrTooLarge, fi.Size(), max)
	}
	h := sha256.New()
	if _, err := safefile.Copy(ctx, h, f); err != nil {
		if ctx.Err() != nil {
			return d, ctx.Err()
		}
		return d, safefile.Reason(err)
	}
	h.Sum(d[:0])
	return d, nil
}

// RegistryInfo describes the registry snapshot checks run against.
type RegistryInfo struct {
	Cases      int   // cases registered
	Hashes     int   // hashes in the index
	Generation int64 // the registry's generation
}

// Registry loads the registry snapshot if the registry changed since the
// last one (or none was loaded) and describes it. Services call it to load
// the registry before the first check and to follow changes.
func (e *Engine) Registry(ctx context.Context) (RegistryInfo, error) {
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return RegistryInfo{}, err
	}
	return infoOf(snap), nil
}

func infoOf(s *index.Snapshot) RegistryInfo {
	if s == nil {
		return RegistryInfo{}
	}
	return RegistryInfo{Cases: s.CaseCount(), Hashes: s.Index.Len(), Generation: s.Generation}
}

// CacheStats describes the fingerprint cache.
func (e *Engine) CacheStats() CacheStats { return e.cache.stats() }

// ClearCache empties the fingerprint cache.
func (e *Engine) ClearCache() { e.cache.clear() }

// Outdated says what in a fingerprint version is older than what this
// build makes ("views/1 (now 2)", "ahash missing"); nil when it is current.
func Outdated(version string) []string { return fingerprint.Outdated(version) }

// Staleness says how many registered media have fingerprints made by an
// older version of the signals or views than this build's: they match worse
// than media registered now until they are registered again.
type Staleness struct {
	Outdated, Media int
	What            []string // what is older, over all of them
}

// Staleness looks at the media of the registry snapshot.
func (e *Engine) Staleness(ctx context.Context) (Staleness, error) {
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return Staleness{}, err
	}
	var st Staleness
	seen := map[string]bool{}
	outdated := map[string][]string{}
	snap.MediaVersions(func(v string) {
		st.Media++
		what, ok := outdated[v]
		if !ok {
			what = fingerprint.Outdated(v)
			outdated[v] = what
		}
		if len(what) == 0 {
			return
		}
		st.Outdated++
		for _, w := range what {
			if !seen[w] {
				seen[w] = true
				st.What = append(st.What, w)
			}
		}
	})
	slices.Sort(st.What)
	return st, nil
}
