package engine

import (
	"context"
	"errors"
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

// TestCheckFileCancelled: a check cancelled while it reads or decodes a large still
// returns context.Canceled promptly and leaves no goroutine behind; the
// content is not cached as checked, so the next check does the work.
func TestCheckFileCancelled(t *testing.T) {
	e := newTestEngine(t, nil)
	big := filepath.Join(t.TempDir(), "big.jpg")
	// A 12-megapixel JPEG takes about 200 ms to decode (README,
	// Performance), longer than the cancellation may take.
	if err := testmedia.WriteJPEG(big, testmedia.Picture(7, 4000, 3000), 95); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		c   Checked
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		c, err := e.CheckFile(ctx, big, CheckOptions{})
		done <- result{c, err, time.Now()}
	}()
	time.Sleep(30 * time.Millisecond) // into the decode
	cancelled := time.Now()
	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the check did not return after cancellation")
	}
	took := r.at.Sub(cancelled)
	t.Logf("returned %s after cancellation", took)
	if r.err != nil || !errors.Is(r.c.Err, context.Canceled) {
		t.Fatalf("err %v, check err %v; want context.Canceled", r.err, r.c.Err)
	}
	// 100 ms is the target; the bound leaves room for a loaded machine.
	if took > time.Second {
		t.Errorf("returned %s after cancellation", took)
	}
	for i := 0; runtime.NumGoroutine() > before && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before the check, %d after", before, n)
	}
	if st := e.CacheStats(); st.Files != 0 {
		t.Errorf("a cancelled check left %d cached files", st.Files)
	}
}
