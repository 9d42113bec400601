package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// syntheticClips makes n registered 30 s clips as registration stores them:
// 150 frames at 5 fps, each with seven views (crops, zooms, inner), hashes drifting slowly
// within a shot as real footage does, and local features every 2 s.
func syntheticClips(n int) []registry.Case {
	r := rand.New(rand.NewPCG(1, 2))
	pool := localPool(320, 180, fingerprint.LocalFrameFeatures)
	cases := make([]registry.Case, n)
	for c := range cases {
		fp := fingerprint.Fingerprint{Kind: media.KindVideo, Width: 1280, Height: 720, Duration: 30, FPS: 30}
		var h pdq.Hash
		for i := 0; i < 150; i++ {
			if i%25 == 0 { // a new shot every 5 s
				h = pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
			}
			h[r.IntN(4)] ^= 1 << r.IntN(64)
			f := fingerprint.Frame{T: float64(i) / 5, PDQ: h, Quality: 90}
			for _, name := range []string{"crop9x16", "crop4x5", "crop1x1", "zoom90", "zoom80", "zoom70", "inner"} {
				f.Views = append(f.Views, fingerprint.View{Name: name, PDQ: pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}, Quality: 80})
			}
			if i%10 == 0 {
				f.Local = perturbed(pool[r.IntN(len(pool))], r)
			}
			fp.Frames = append(fp.Frames, f)
		}
		sum := sha256.Sum256([]byte(fmt.Sprint(c)))
		cases[c] = registry.Case{ID: fmt.Sprintf("clip-%04d", c), Title: "Synthetic clip",
			Media: []registry.Media{{SHA256: hex.EncodeToString(sum[:]), Name: "clip.mp4", Fingerprint: fp}}}
	}
	return cases
}

// localPool is the local features of a few generated pictures of w×h: the
// material synthetic registered frames are made of, so that descriptors
// collide in the index as real ones do (random bits would not).
func localPool(w, h, n int) []*orb.Features {
	var out []*orb.Features
	o := fingerprint.LocalOptions()
	o.MaxFeatures = n
	for s := uint64(0); s < 40; s++ {
		out = append(out, orb.Detect(orb.GrayFrom(testmedia.Picture(1000+s, w, h), 0), o))
	}
	return out
}

// perturbed is an encoded copy of f with every descriptor 24 bits away and
// the keypoints shifted: another picture of the same kind.
func perturbed(f *orb.Features, r *rand.Rand) []byte {
	g := &orb.Features{W: f.W, H: f.H, Keypoints: slices.Clone(f.Keypoints), Descriptors: slices.Clone(f.Descriptors)}
	dx, dy := float32(r.IntN(30)), float32(r.IntN(30))
	for i := range g.Descriptors {
		for k := 0; k < 24; k++ {
			b := r.IntN(256)
			g.Descriptors[i][b>>6] ^= 1 << (b & 63)
		}
		g.Keypoints[i].X = min(float32(f.W-1), g.Keypoints[i].X+dx)
		g.Keypoints[i].Y = min(float32(f.H-1), g.Keypoints[i].Y+dy)
	}
	return orb.Encode(g, fingerprint.LocalOptions().ScaleFactor)
}

// syntheticPhotos makes n registered photos: one frame, its seven views
// and its local features.
func syntheticPhotos(n int, seed uint64) []registry.Case {
	r := rand.New(rand.NewPCG(seed, 3))
	pool := localPool(640, 360, fingerprint.LocalStillFeatures)
	cases := make([]registry.Case, n)
	for c := range cases {
		f := fingerprint.Frame{PDQ: pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}, Quality: 90,
			Local: perturbed(pool[r.IntN(len(pool))], r)}
		for _, name := range []string{"crop9x16", "crop4x5", "crop1x1", "zoom90", "zoom80", "zoom70", "inner"} {
			f.Views = append(f.Views, fingerprint.View{Name: name, PDQ: pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}, Quality: 80})
		}
		sum := sha256.Sum256([]byte(fmt.Sprint("photo", seed, c)))
		cases[c] = registry.Case{ID: fmt.Sprintf("photo-%d-%05d", seed, c), Title: "Synthetic photo",
			Media: []registry.Media{{SHA256: hex.EncodeToString(sum[:]), Name: "photo.jpg",
				Fingerprint: fingerprint.Fingerprint{Kind: media.KindImage, Width: 1280, Height: 720, Frames: []fingerprint.Frame{f}}}}}
	}
	return cases
}

// BenchmarkCheckScale: checking a 1280×720 photo and a 30 s clip that
// match nothing, end to end, against 100 registered media and against
// 10,000 (9 photos for each clip, like the 1,000-clip registry below plus
// 9,000 photos), in the same run: the ratio is the figure. With
// PROVCHECK_BENCH_LOCAL=0 the local features are left out of the
// registered media and of the check (the cost of the signal).
func BenchmarkCheckScale(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	photo := filepath.Join(dir, "query.jpg")
	if err := testmedia.WriteJPEG(photo, testmedia.Picture(4321, 1280, 720), 90); err != nil {
		b.Fatal(err)
	}
	clip := filepath.Join(dir, "query.mp4")
	if err := testmedia.WriteVideo(ctx, clip, testmedia.VideoSpec{Seed: 77, W: 640, H: 360, FPS: 30, Seconds: 30, Scene: 5, GOP: 60}); err != nil {
		b.Fatal(err)
	}
	noLocal := os.Getenv("PROVCHECK_BENCH_LOCAL") == "0"
	for _, size := range []int{100, 10000} {
		cfg, _ := rules.Defaults().Translate()
		cfg.Registry = filepath.Join(dir, fmt.Sprintf("reg%d.db", size))
		e, err := New(ctx, cfg, Options{})
		if err != nil {
			b.Fatal(err)
		}
		cases := append(syntheticClips(size/10), syntheticPhotos(size-size/10, 1)...)
		if noLocal {
			for ci := range cases {
				for fi := range cases[ci].Media[0].Fingerprint.Frames {
					cases[ci].Media[0].Fingerprint.Frames[fi].Local = nil
				}
			}
		}
		start := time.Now()
		if err := e.Store().Import(ctx, cases); err != nil {
			b.Fatal(err)
		}
		imported := time.Since(start)
		start = time.Now()
		snap, err := e.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.Logf("registry of %d media: %d hashes, %d local frames; import %.1f s, load %.1f s; heap %.0f MB",
			size, snap.Index.Len(), snap.Local.Frames(), imported.Seconds(), time.Since(start).Seconds(), float64(ms.HeapAlloc)/1e6)
		for _, q := range []struct{ name, path string }{{"photo", photo}, {"clip30s", clip}} {
			b.Run(fmt.Sprintf("%s/media=%d", q.name, size), func(b *testing.B) {
				e.cfg.Sampling.LocalFeatures = !noLocal
				c0 := cpuTime()
				for i := 0; i < b.N; i++ {
					e.ClearCache() // the fingerprint cache would answer every check after the first
					rep, err := e.Check(ctx, q.path)
					if err != nil || rep.Failed() {
						b.Fatal(err, rep.Error)
					}
				}
				b.ReportMetric(float64(cpuTime()-c0)/1e6/float64(b.N), "cpu-ms/op")
			})
		}
		e.Close()
	}
}

// cpuTime is the process's user and system CPU time in nanoseconds: on a
// shared machine it measures the work done, where wall time measures the
// neighbours too.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkCheck30sClip1000: checking a 30 s 640×360 clip end to end
// (decode, fingerprint with views, search, alignment, verdict) against a
// registry of 1,000 registered 30 s clips — about a million frame and view
// hashes. The registry is loaded and indexed once, before the timer.
func BenchmarkCheck30sClip1000(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	clip := filepath.Join(dir, "query.mp4")
	if err := testmedia.WriteVideo(ctx, clip, testmedia.VideoSpec{Seed: 77, W: 640, H: 360, FPS: 30, Seconds: 30, Scene: 5, GOP: 60}); err != nil {
		b.Fatal(err)
	}
	cfg, _ := rules.Defaults().Translate()
	cfg.Registry = filepath.Join(dir, "reg.db")
	e, err := New(ctx, cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	start := time.Now()
	if err := e.Store().Import(ctx, syntheticClips(1000)); err != nil {
		b.Fatal(err)
	}
	imported := time.Since(start)
	start = time.Now()
	snap, err := e.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("registry: 1,000 clips, %d indexed hashes; import %.1f s, load and index %.1f s", snap.Index.Len(), imported.Seconds(), time.Since(start).Seconds())
	if fi, err := os.Stat(cfg.Registry); err == nil {
		b.Logf("registry file %.0f MB", float64(fi.Size())/1e6)
	}
	for _, mode := range []struct {
		name      string
		keyframes bool
	}{{"frames-2fps", false}, {"keyframes", true}} {
		b.Run(mode.name, func(b *testing.B) {
			e.cfg.Sampling.QueryKeyframes = mode.keyframes
			for i := 0; i < b.N; i++ {
				e.ClearCache() // the fingerprint cache would answer every check after the first
				rep, err := e.Check(ctx, clip)
				if err != nil || rep.Failed() {
					b.Fatal(err, rep.Error)
				}
			}
		})
	}
}
