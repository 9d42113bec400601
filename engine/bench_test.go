package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// syntheticClips makes n registered 30 s clips as registration stores them:
// 150 frames at 5 fps, each with seven views (crops, zooms, inner), hashes drifting slowly
// within a shot as real footage does.
func syntheticClips(n int) []registry.Case {
	r := rand.New(rand.NewPCG(1, 2))
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
			fp.Frames = append(fp.Frames, f)
		}
		sum := sha256.Sum256([]byte(fmt.Sprint(c)))
		cases[c] = registry.Case{ID: fmt.Sprintf("clip-%04d", c), Title: "Synthetic clip",
			Media: []registry.Media{{SHA256: hex.EncodeToString(sum[:]), Name: "clip.mp4", Fingerprint: fp}}}
	}
	return cases
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
				rep, err := e.Check(ctx, clip)
				if err != nil || rep.Failed() {
					b.Fatal(err, rep.Error)
				}
			}
		})
	}
}
