package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
	"github.com/provcheck/provcheck/samples"
)

// The batch benchmarks scan generated media kept in a cache directory
// ($PROVCHECK_BENCH_DIR, default the user cache directory's
// provcheck-bench), made on first use: images/ holds 10,000 distinct
// 320×240 pictures (three JPEG at quality 70–94 for each PNG), videos/
// 200 H.264 clips of 320×180 at 25 fps lasting 3–5 s, and registry.db the
// bundled sample case plus 50 registered pictures not among those scanned.
//
// Each benchmark scans its whole directory once per iteration and reports
// files/s (and video-s/s), then runs the built provcheck binary's check
// command once per file, one after the other, on the first files of the
// same directory, and reports that rate and the ratio:
//
//	go test ./batch -run '^$' -bench Batch -benchtime 1x -timeout 60m
//
// PROVCHECK_SAMPLING_QUERY_VIEWS=fast measures the fast query views.
const (
	benchImages       = 10_000
	benchVideos       = 200
	benchCheckImages  = 200 // files checked one process each
	benchCheckVideos  = 40
	benchRegistered   = 50
	benchImageSeed    = 1_000_000
	benchRegisterSeed = 2_000_000
)

func benchRoot(b *testing.B) string {
	dir := os.Getenv("PROVCHECK_BENCH_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			b.Fatal(err)
		}
		dir = filepath.Join(cache, "provcheck-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	return dir
}

// generate makes n files with make(i, path) in dir, in parallel, unless a
// marker says a previous run finished them.
func generate(b *testing.B, dir string, n int, name func(i int) string, mk func(i int, path string) error) {
	marker := dir + ".complete" // beside the directory, so it is not scanned
	if _, err := os.Stat(marker); err == nil {
		return
	}
	b.Logf("generating %d files in %s (once)", n, dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range runtime.NumCPU() {
		wg.Go(func() {
			for i := range next {
				p := filepath.Join(dir, name(i))
				if _, err := os.Stat(p); err == nil {
					continue
				}
				tmp := p + ".tmp"
				if err := mk(i, tmp); err == nil {
					err = os.Rename(tmp, p)
				} else {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		b.Fatal(err)
	}
}

func imageName(i int) string {
	if i%4 == 3 {
		return fmt.Sprintf("img%05d.png", i)
	}
	return fmt.Sprintf("img%05d.jpg", i)
}

func makeImage(seed uint64) func(i int, path string) error {
	return func(i int, path string) error {
		pic := testmedia.Picture(seed+uint64(i), 320, 240)
		if i%4 == 3 {
			return testmedia.WritePNG(path, pic)
		}
		return testmedia.WriteJPEG(path, pic, 70+i%25)
	}
}

func benchImagesDir(b *testing.B) string {
	dir := filepath.Join(benchRoot(b), "images")
	generate(b, dir, benchImages, imageName, makeImage(benchImageSeed))
	return dir
}

func benchVideosDir(b *testing.B) string {
	dir := filepath.Join(benchRoot(b), "videos")
	generate(b, dir, benchVideos, func(i int) string { return fmt.Sprintf("clip%03d.mp4", i) }, func(i int, path string) error {
		return testmedia.WriteVideo(context.Background(), path, testmedia.VideoSpec{
			Seed: uint64(5000 + i), W: 320, H: 180, FPS: 25, Seconds: float64(3 + i%3), Scene: 1.5 + float64(i%4)/2,
			ExtraEnc: []string{"-f", "mp4"},
		})
	})
	return dir
}

// benchEngine opens (creating on first use) the benchmark registry.
func benchEngine(b *testing.B) (*engine.Engine, string) {
	root := benchRoot(b)
	regDir := filepath.Join(root, "registered")
	generate(b, regDir, benchRegistered, func(i int) string { return fmt.Sprintf("reg%03d.jpg", i) }, makeImage(benchRegisterSeed))
	path := filepath.Join(root, "registry.db")
	_, statErr := os.Stat(path)
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		b.Fatal(err)
	}
	cfg.Registry = path
	if v := os.Getenv("PROVCHECK_SAMPLING_QUERY_VIEWS"); v != "" {
		cfg.Sampling.QueryViews = v // as the check processes below read it too
	}
	ctx := context.Background()
	e, err := engine.New(ctx, cfg, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		cases, err := samples.Cases()
		if err == nil {
			err = e.Store().Import(ctx, cases)
		}
		for i := 0; i < benchRegistered && err == nil; i++ {
			_, err = e.Register(ctx, engine.AddRequest{
				Case:  registry.Case{ID: fmt.Sprintf("bench-%03d", i), Title: fmt.Sprintf("Benchmark case %d", i)},
				Files: []string{filepath.Join(regDir, fmt.Sprintf("reg%03d.jpg", i))},
			})
		}
		if err != nil {
			e.Close()
			os.Remove(path)
			b.Fatal(err)
		}
	}
	return e, path
}

// buildProvcheck builds the command-line binary for the per-file baseline.
func buildProvcheck(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "provcheck")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/provcheck")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building provcheck: %v\n%s", err, out)
	}
	return bin
}

func listFiles(b *testing.B, dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var files []string
	for _, e := range ents {
		if e.Type().IsRegular() && e.Name()[0] != '.' {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(files)
	return files
}

func benchBatch(b *testing.B, dir string, checkN int) {
	e, reg := benchEngine(b)
	defer e.Close()
	files := listFiles(b, dir)
	bin := buildProvcheck(b)
	ctx := context.Background()
	workers := runtime.NumCPU()

	var sum Summary
	b.ResetTimer()
	for b.Loop() {
		var err error
		sum, err = Run(ctx, e, Options{Paths: []string{dir}, Workers: workers, Out: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Files != len(files) || sum.Errors > 0 {
			b.Fatalf("scan: %+v", sum)
		}
	}
	b.StopTimer()
	scanRate := sum.FilesPerSecond()
	b.ReportMetric(scanRate, "files/s")
	if sum.Videos > 0 {
		b.ReportMetric(sum.VideoSecondsPerSecond(), "video-s/s")
	}

	// The same first files, scanned in one run and checked one process
	// each.
	subset := files[:checkN]
	e.ClearCache() // the scan above left these files' fingerprints in the cache
	sub, err := Run(ctx, e, Options{Paths: subset, Workers: workers, Out: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for _, f := range subset {
		cmd := exec.Command(bin, "--registry", reg, "check", "--format", "jsonl", f)
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+b.TempDir())
		if out, err := cmd.Output(); err != nil {
			b.Fatalf("check %s: %v %s", f, err, out)
		}
	}
	checkRate := float64(checkN) / time.Since(start).Seconds()
	b.ReportMetric(sub.FilesPerSecond(), "subset-scan-files/s")
	b.ReportMetric(checkRate, "check-per-file-files/s")
	b.ReportMetric(scanRate/checkRate, "speedup")
	b.Logf("scan: %d files in %s with %d workers: %.1f files/s, %.1f video-s/s (%d videos, %.0f s of video)",
		sum.Files, sum.Elapsed.Round(time.Millisecond), workers, scanRate, sum.VideoSecondsPerSecond(), sum.Videos, sum.VideoSeconds)
	b.Logf("first %d files: scan %.1f files/s; check once per file %.2f files/s; scan/check %.1f×",
		checkN, sub.FilesPerSecond(), checkRate, scanRate/checkRate)
}

func BenchmarkBatchImages(b *testing.B) { benchBatch(b, benchImagesDir(b), benchCheckImages) }
func BenchmarkBatchVideos(b *testing.B) { benchBatch(b, benchVideosDir(b), benchCheckVideos) }
