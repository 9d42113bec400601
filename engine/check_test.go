package engine

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/media/ffmpeg"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// newTestEngine is an engine on an empty registry in a temporary
// directory, with video decoded by video.
func newTestEngine(t *testing.T, video ffmpeg.Decoder) *Engine {
	t.Helper()
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Registry = filepath.Join(t.TempDir(), "registry.db")
	e, err := New(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if video != nil {
		e.fp = fingerprint.NewFingerprinter(video, nil, media.Limits{})
	}
	return e
}

// panicky is a video decoder with a bug.
type panicky struct{ ffmpeg.Decoder }

func (panicky) Probe(context.Context, string) (ffmpeg.Info, error) {
	var m map[string]int
	m["x"]++
	return ffmpeg.Info{}, nil
}

func (panicky) Frames(context.Context, string, ffmpeg.SampleOptions, func(ffmpeg.Frame) error) (ffmpeg.Info, error) {
	panic("decoder bug")
}

// TestCheckFileSurvivesDecoderPanic: a decoder that panics on one file
// gives that file ErrInternal, "internal error: …", and the next file is
// checked as usual.
func TestCheckFileSurvivesDecoderPanic(t *testing.T) {
	e := newTestEngine(t, panicky{})
	dir := t.TempDir()
	clip := filepath.Join(dir, "bad.mp4")
	if err := testmedia.WriteVideo(context.Background(), clip, testmedia.VideoSpec{Seed: 3, W: 64, H: 48, FPS: 5, Seconds: 1, Scene: 1}); err != nil {
		t.Skipf("cannot make a clip: %v", err)
	}
	photo := filepath.Join(dir, "photo.jpg")
	if err := testmedia.WriteJPEG(photo, testmedia.Picture(2, 320, 240), 90); err != nil {
		t.Fatal(err)
	}
	c, err := e.CheckFile(context.Background(), clip, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(c.Err, ErrInternal) || !strings.HasPrefix(c.Report.Error, "internal error: ") {
		t.Errorf("panicking decoder: err %v, report %+v", c.Err, c.Report)
	}
	c, err = e.CheckFile(context.Background(), photo, CheckOptions{})
	if err != nil || c.Err != nil || c.Report.Verdict != rules.NoMatch {
		t.Errorf("next file: %+v %v", c, err)
	}
}

// TestCheckFileOnceForIdenticalContent: identical files checked at once
// are fingerprinted once; the others take the fingerprint and the report
// from the cache, and see a change of the registry.
func TestCheckFileOnceForIdenticalContent(t *testing.T) {
	e := newTestEngine(t, nil)
	dir := t.TempDir()
	img := testmedia.Picture(9, 320, 240)
	var paths []string
	for i := range 6 {
		p := filepath.Join(dir, "copy"+string(rune('a'+i))+".jpg")
		if err := testmedia.WriteJPEG(p, img, 90); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// Same bytes: copy the first file over the others.
	b, _ := os.ReadFile(paths[0])
	for _, p := range paths[1:] {
		os.WriteFile(p, b, 0o644)
	}
	var mu sync.Mutex
	fingerprinted, cached := 0, 0
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Go(func() {
			c, err := e.CheckFile(context.Background(), p, CheckOptions{})
			if err != nil || c.Err != nil || c.Report.File != p {
				t.Errorf("%s: %+v %v", p, c, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if c.Fingerprinted {
				fingerprinted++
			}
			if c.Cached {
				cached++
			}
		})
	}
	wg.Wait()
	if fingerprinted != 1 || cached != len(paths)-1 {
		t.Errorf("fingerprinted %d, cached %d; want 1 and %d", fingerprinted, cached, len(paths)-1)
	}
	if _, err := e.Register(context.Background(), AddRequest{Case: registry.Case{ID: "x", Title: "X"}, Files: paths[:1]}); err != nil {
		t.Fatal(err)
	}
	c, err := e.CheckFile(context.Background(), paths[3], CheckOptions{})
	if err != nil || !c.Cached || c.Report.Verdict != rules.Match {
		t.Errorf("after registering: cached %v, verdict %s (%v)", c.Cached, c.Report.Verdict, err)
	}
}

// TestCheckFileCancelled: a check cancelled at any point of its work — on a
// large JPEG (read whole, decoded reduced), a large PNG (decoded full size,
// every view hashed at that size) and a video — returns context.Canceled
// (ErrTimeout when a time limit expires instead, as --timeout does), and
// its work, including a decode it abandoned, stops (no goroutine of it
// is left) after at most cancelWork of CPU time; the content is not cached
// unless its fingerprint was finished. The registry holds a picture, so
// matching (with local features and guided PDQ) runs as well.
//
// The work is measured in the process's CPU time from the cancel until the
// work stopped: the work looks at its context at most a few milliseconds
// apart, and on a machine shared with a full evaluation (load average 10–15
// on 2 cores) the scheduler stretched those milliseconds to 100–400 ms of
// wall time, which measures the neighbours, not the code. Wall time is held
// to the looser cancelWall, for the same reason. A trial over either bound
// is run once more before it fails; work that does not look at its context
// goes over it again.
func TestCheckFileCancelled(t *testing.T) {
	const cancelWork, cancelWall = 100 * time.Millisecond, time.Second
	e := newTestEngine(t, nil)
	dir := t.TempDir()
	jpg := filepath.Join(dir, "big.jpg")
	if err := testmedia.WriteJPEG(jpg, testmedia.Picture(7, 4000, 3000), 95); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "big.png")
	if err := testmedia.WritePNG(png, testmedia.Picture(8, 3000, 2000)); err != nil {
		t.Fatal(err)
	}
	files := []string{jpg, png}
	clip := filepath.Join(dir, "clip.mp4")
	if err := testmedia.WriteVideo(context.Background(), clip, testmedia.VideoSpec{Seed: 5, W: 640, H: 360, FPS: 25, Seconds: 16, Scene: 3}); err == nil {
		files = append(files, clip)
	} else if os.Getenv("CI") != "" {
		t.Fatalf("cannot make a clip: %v", err)
	} else {
		t.Logf("no video case: %v", err)
	}
	reg := filepath.Join(dir, "registered.jpg")
	if err := testmedia.WriteJPEG(reg, testmedia.Picture(9, 640, 480), 90); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Register(context.Background(), AddRequest{Case: registry.Case{ID: "other", Title: "Other"}, Files: []string{reg}}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		c   Checked
		err error
		at  time.Time
	}
	type outcome struct {
		returned, stopped time.Duration // wall time from the cancel
		work              time.Duration // CPU time from the cancel until stopped
		done              bool          // the check finished before the cancel
	}
	// trial cancels a check of file after wait — or, with timeout, gives
	// the check a time limit of wait (an expired --timeout).
	trial := func(file string, wait time.Duration, timeout bool) outcome {
		e.ClearCache()
		runtime.GC()
		before := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		out := make(chan result, 1)
		go func() {
			opt := CheckOptions{}
			if timeout {
				opt.Timeout = wait
			}
			c, err := e.CheckFile(ctx, file, opt)
			out <- result{c, err, time.Now()}
		}()
		time.Sleep(wait)
		cancelled, cpu := time.Now(), cpuTime()
		if !timeout {
			cancel()
		}
		defer cancel()
		var r result
		select {
		case r = <-out:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the check did not return 10 s after cancellation", filepath.Base(file))
		}
		for runtime.NumGoroutine() > before && time.Since(cancelled) < 10*time.Second {
			time.Sleep(time.Millisecond)
		}
		o := outcome{returned: r.at.Sub(cancelled), stopped: time.Since(cancelled), work: time.Duration(cpuTime() - cpu)}
		if n := runtime.NumGoroutine(); n > before {
			t.Fatalf("%s: %d goroutines before the check, %d 10 s after it was cancelled", filepath.Base(file), before, n)
		}
		if r.err != nil {
			t.Fatalf("%s: %v", filepath.Base(file), r.err)
		}
		if r.c.Err == nil && r.at.Before(cancelled) {
			return outcome{done: true}
		}
		if want := context.Canceled; !timeout && !errors.Is(r.c.Err, want) {
			t.Fatalf("%s: check err %v; want %v", filepath.Base(file), r.c.Err, want)
		}
		if timeout && !errors.Is(r.c.Err, ErrTimeout) {
			t.Fatalf("%s, time limit %v: check err %v; want ErrTimeout", filepath.Base(file), wait, r.c.Err)
		}
		// A fingerprint finished before the cancel (which then came
		// while matching) is kept; a cut one is not.
		if st := e.CacheStats(); st.Files != 0 && !r.c.Fingerprinted {
			t.Errorf("%s: a check cancelled while fingerprinting left %d cached files", filepath.Base(file), st.Files)
		}
		return o
	}
	over := func(o outcome) bool {
		return !o.done && (o.work > cancelWork || o.returned > cancelWall || o.stopped > cancelWall)
	}
	for _, file := range files {
		name := filepath.Base(file)
		// The whole check's time (the shorter of two: the machine is
		// shared) places the cancels over its stages.
		full := time.Duration(math.MaxInt64)
		for range 2 {
			e.ClearCache()
			start := time.Now()
			if c, err := e.CheckFile(context.Background(), file, CheckOptions{}); err != nil || c.Err != nil {
				t.Fatalf("%s: %v %v", name, err, c.Err)
			}
			full = min(full, time.Since(start))
		}
		var worst outcome
		for _, share := range []float64{0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85} {
			wait := time.Duration(share * float64(full))
			timeout := share == 0.4 // one limit that expires instead of a cancel
			o := trial(file, wait, timeout)
			if over(o) {
				t.Logf("%s cancelled after %v: %+v; again", name, wait.Round(time.Millisecond), o)
				if o = trial(file, wait, timeout); over(o) {
					t.Errorf("%s cancelled after %v (of %v): %v of work after the cancel (want at most %v), returned in %v, stopped in %v (want within %v)",
						name, wait.Round(time.Millisecond), full.Round(time.Millisecond), o.work, cancelWork, o.returned, o.stopped, cancelWall)
				}
			}
			if o.done {
				t.Logf("%s finished before the cancel at %v", name, wait.Round(time.Millisecond))
			}
			worst = outcome{returned: max(worst.returned, o.returned), stopped: max(worst.stopped, o.stopped), work: max(worst.work, o.work)}
		}
		t.Logf("%s (a whole check %v): after a cancel at most %v of CPU work; the call returned within %v, the work stopped within %v",
			name, full.Round(time.Millisecond), worst.work.Round(100*time.Microsecond), worst.returned.Round(100*time.Microsecond), worst.stopped.Round(100*time.Microsecond))
	}
}
