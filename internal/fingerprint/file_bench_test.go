package fingerprint

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/media/ffmpeg"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// benchFile makes a benchmark input once, in a cache directory that
// survives between runs.
func benchFile(b *testing.B, name string, make func(path string) error) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "provcheck-bench")
	os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if err := make(p + ".tmp"); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(p+".tmp", p); err != nil {
		b.Fatal(err)
	}
	return p
}

func benchFingerprinter(b *testing.B) *Fingerprinter {
	b.Helper()
	dec, err := ffmpeg.New(ffmpeg.Config{})
	if err != nil {
		b.Skip(err)
	}
	return NewFingerprinter(dec, nil, media.Limits{})
}

// BenchmarkFileImage: whole file → fingerprint, against its parts (decode
// alone, PDQ alone on the decoded image) in the same run.
func BenchmarkFileImage(b *testing.B) {
	jpg := benchFile(b, "photo-12mp.jpg", func(p string) error {
		return testmedia.WriteJPEG(p, testmedia.Picture(1, 4000, 3000), 90)
	})
	png := benchFile(b, "frame-1080p.png", func(p string) error {
		return testmedia.WritePNG(p, testmedia.Picture(2, 1920, 1080))
	})
	fp := benchFingerprinter(b)
	for _, in := range []struct{ name, path string }{{"jpeg-12MP", jpg}, {"png-1080p", png}} {
		b.Run(in.name+"/decode", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := media.DecodeImageFile(in.path, media.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// What fingerprinting decodes: a JPEG reduced in the DCT domain
		// (a PNG as above); the same run as the full decode.
		b.Run(in.name+"/decode-reduced", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := media.DecodeImageFileReduced(in.path, media.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		img, _, _ := media.DecodeImageFile(in.path, media.Limits{})
		b.Run(in.name+"/pdq", func(b *testing.B) {
			h := pdq.NewHasher()
			for i := 0; i < b.N; i++ {
				h.FromImage(img)
			}
		})
		for _, v := range []struct {
			name  string
			views views.Set
		}{{"file", views.NoViews}, {"file-query-views", views.QueryViews}, {"file-register-views", views.RegisterViews}} {
			b.Run(in.name+"/"+v.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := fp.File(context.Background(), in.path, Sampling{Views: v.views}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkFileVideo: a 30 s 1080p H.264 clip (30 fps, 2 s GOP) to a
// fingerprint, at the query rate (2 fps; keyframes only) and the
// registration rate (5 fps). x_realtime is 30 s over the time taken.
func BenchmarkFileVideo(b *testing.B) {
	clip := benchFile(b, "clip-30s-1080p.mp4", func(p string) error {
		return exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
			"testsrc2=size=1920x1080:rate=30:duration=30", "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
			"-pix_fmt", "yuv420p", "-f", "mp4", p).Run()
	})
	fp := benchFingerprinter(b)
	for _, c := range []struct {
		name string
		s    Sampling
	}{
		{"query-2fps", Sampling{FPS: 2, MaxSide: 320, Views: views.QueryViews}},
		{"query-keyframes", Sampling{FPS: 2, MaxSide: 320, Views: views.QueryViews, KeyframesOnly: true}},
		{"register-5fps", Sampling{FPS: 5, MaxSide: 320, Views: views.RegisterViews, Dedup: 4}},
		{"register-5fps-no-views", Sampling{FPS: 5, MaxSide: 320, Dedup: 4}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := fp.File(context.Background(), clip, c.s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(30/(b.Elapsed().Seconds()/float64(b.N)), "x_realtime")
		})
	}
}
